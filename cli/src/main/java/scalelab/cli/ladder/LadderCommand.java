package scalelab.cli.ladder;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import scalelab.ladder.LadderPlan;
import scalelab.ladder.LadderPlanner;
import scalelab.ladder.LadderResultSink;
import scalelab.ladder.LadderRunner;
import scalelab.ladder.LadderSpec;
import scalelab.ladder.LadderSpecReader;
import scalelab.ladder.LadderStatus;
import scalelab.ladder.LadderWorkDir;
import scalelab.ladder.LocalExecutor;
import scalelab.ladder.PlannedRun;
import scalelab.ladder.RegistryResultSink;
import scalelab.ladder.RunExecutor;
import scalelab.ladder.RunState;
import scalelab.ladder.SlurmExecutor;
import scalelab.ladder.ThroughputModel;
import scalelab.ladder.TrainingRegime;
import scalelab.ladder.VpnlsNStarPredictor;
import scalelab.registry.Registry;
import scalelab.training.CorpusLocation;
import scalelab.training.data.Corpus;

/** {@code scalelab ladder plan|run|status}: compute-optimal ladders from a YAML spec. */
@Command(name = "ladder", mixinStandardHelpOptions = true, description = "Plan and run IsoFLOP ladders from a YAML spec.",
        subcommands = {LadderCommand.Plan.class, LadderCommand.Run.class, LadderCommand.Status.class, LadderSweepCommand.class})
public final class LadderCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final String DEFAULT_WORKDIR = "ladder-work";

    @Command(name = "plan", mixinStandardHelpOptions = true, description = "Print every run of a ladder: shape, N, D, steps, batch, lr, FLOPs, wall time.")
    public static final class Plan implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LADDER.yaml")
        Path file;

        @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws com.fasterxml.jackson.core.JsonProcessingException {
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be text or json, got '" + format + "'");
            }
            LadderSpec ladder = LadderSpecReader.read(file);
            ThroughputModel throughput = ThroughputModel.load();
            LadderPlanner planner = new LadderPlanner(throughput);
            LadderPlan plan = planner.plan(ladder);
            List<PlannedRun> targets = ladder.targets().stream().map(t -> planner.planTarget(ladder, t)).toList();
            if (format.equals("json")) {
                ObjectMapper mapper = new ObjectMapper();
                spec.commandLine().getOut().println(mapper.writerWithDefaultPrettyPrinter()
                        .writeValueAsString(json(mapper, plan, targets, throughput)));
                spec.commandLine().getOut().flush();
            } else {
                print(plan, targets, throughput, spec.commandLine().getOut());
            }
            try {
                Corpus.requireFolder(CorpusLocation.resolve(ladder.corpus()));
            } catch (IllegalArgumentException e) {
                // planning needs no corpus, but `ladder run` refuses to start without one: say so now (stderr, so
                // that --format json stays one document)
                spec.commandLine().getErr().println("warning: " + e.getMessage() + "; `ladder run` will refuse to start");
                spec.commandLine().getErr().flush();
            }
            return 0;
        }
    }

    /**
     * The plan as one JSON object: the ladder's rules, every run and every target (as planned before any fit), each
     * with its shape, N, D, steps, batch, learning rate, FLOPs and time estimate.
     */
    static ObjectNode json(ObjectMapper mapper, LadderPlan plan, List<PlannedRun> targets, ThroughputModel throughput) {
        LadderSpec s = plan.spec();
        ObjectNode o = mapper.createObjectNode();
        o.put("ladder", s.name());
        o.put("corpus", s.corpus());
        o.put("tokenizer", s.tokenizer());
        o.put("seq_len", s.seqLen());
        o.put("seed", s.seed());
        ObjectNode rules = o.putObject("rules");
        LadderSpec.LearningRate lr = s.rules().lr();
        ObjectNode lrNode = rules.putObject("lr");
        lrNode.put("formula", "coefficient * (B/batch_ref)^batch_exponent * (d/width_ref)^width_exponent * (D/tokens_ref)^tokens_exponent");
        lrNode.put("coefficient", lr.coefficient());
        lrNode.put("batch_ref", lr.batchRef());
        lrNode.put("batch_exponent", lr.batchExponent());
        lrNode.put("width_ref", lr.widthRef());
        lrNode.put("width_exponent", lr.widthExponent());
        lrNode.put("tokens_ref", lr.tokensRef());
        lrNode.put("tokens_exponent", lr.tokensExponent());
        ObjectNode batch = rules.putObject("batch");
        batch.put("min", s.rules().minBatch());
        batch.put("max", s.rules().maxBatch());
        batch.put("target_steps", s.rules().targetSteps());
        if (s.rules().batchMultiple() > 0) {
            batch.put("multiple_of", s.rules().batchMultiple());
        }
        ObjectNode schedule = rules.putObject("schedule");
        schedule.put("type", s.schedule().type());
        schedule.put("warmup_fraction", s.schedule().warmupFraction());
        schedule.put("weight_decay", s.schedule().weightDecay());
        schedule.put("grad_clip", s.schedule().gradClip());
        schedule.put("final_lr_fraction", s.schedule().finalLrFraction());
        ArrayNode runs = o.putArray("runs");
        plan.runs().forEach(r -> runJson(runs.addObject(), r));
        ArrayNode ts = o.putArray("targets");
        for (int i = 0; i < targets.size(); i++) {
            LadderSpec.Target t = s.targets().get(i);
            ObjectNode e = ts.addObject();
            e.put("target", t.name());
            e.put("sized_by", t.width() > 0 ? "width" : s.sizes().automatic() ? "N* of the sizes rule" : "N* = (C/120)^0.5 (D = 20·N)");
            // a width-less target is re-sized from the ladder's fit when it is predicted (the quickstart)
            e.put("provisional", t.width() == 0);
            e.put("ladder_flops_fraction", plan.fractionOf(t));
            runJson(e, targets.get(i));
            TrainingRegime.outsideLadder(plan, targets.get(i)).ifPresent(w -> e.put("regime_warning", w));
        }
        o.put("total_flops", plan.totalFlops());
        o.put("estimated_seconds", plan.totalEstimatedSeconds());
        o.put("throughput", throughput.source());
        ArrayNode warnings = o.putArray("warnings");
        plan.warnings().forEach(warnings::add);
        return o;
    }

    private static void runJson(ObjectNode e, PlannedRun r) {
        var m = r.spec().model();
        e.put("name", r.spec().name());
        e.put("family", r.family());
        e.put("budget", r.budget());
        e.put("width", r.width());
        e.put("layers", m.layers());
        e.put("heads", m.heads());
        e.put("params", r.params());
        e.put("active_params", r.activeParams());
        e.put("tokens", r.tokens());
        e.put("steps", r.spec().steps());
        e.put("batch", r.spec().batchSize());
        e.put("lr", r.spec().learningRate());
        e.put("flops", r.plannedFlops());
        e.put("budget_error", r.budgetError());
        e.put("estimated_seconds", r.estimatedSeconds());
        e.put("spec_hash", r.specHash());
    }

    static void print(LadderPlan plan, List<PlannedRun> targets, ThroughputModel throughput, java.io.PrintWriter out) {
        LadderSpec s = plan.spec();
        out.printf(Locale.ROOT, "ladder %s: %d runs, %d budgets, families %s, corpus %s, tokenizer %s, seq_len %d, schedule %s, seed %d, eval %s (%d tokens)%n",
                s.name(), plan.runs().size(), s.budgets().size(), s.families().stream().map(LadderSpec.Family::name).toList(),
                s.corpus(), s.tokenizer(), s.seqLen(), s.schedule().type(), s.seed(), s.eval().set(), s.eval().tokens());
        out.printf(Locale.ROOT, "%-8s %-9s %5s %6s %5s %10s %10s %11s %7s %5s %9s %11s %7s %9s  %s%n",
                "family", "budget", "width", "layers", "heads", "N", "N_active", "D", "steps", "batch", "lr", "FLOPs", "off", "est.time", "spec hash");
        for (PlannedRun r : plan.runs()) {
            var m = r.spec().model();
            out.printf(Locale.ROOT, "%-8s %-9.3g %5d %6d %5d %10d %10d %11d %7d %5d %9.3g %11.4g %+6.2f%% %9s  %s%n",
                    r.family(), r.budget(), r.width(), m.layers(), m.heads(), r.params(), r.activeParams(), r.tokens(),
                    r.spec().steps(), r.spec().batchSize(), r.spec().learningRate(), r.plannedFlops(), 100 * r.budgetError(),
                    duration(r.estimatedSeconds()), r.specHash().substring(0, 12));
        }
        plan.nStarCentres().forEach((family, m) -> m.forEach((b, n) ->
                out.printf(Locale.ROOT, "centre: %s at %.3g FLOPs on N*=%.4g%n", family, b, n)));
        out.printf(Locale.ROOT, "total: %d runs, %.4g FLOPs, estimated %s run one at a time (training and evaluation)%n",
                plan.runs().size(), plan.totalFlops(), duration(plan.totalEstimatedSeconds()));
        out.println("time estimates from " + throughput.source()
                + (throughput.equals(ThroughputModel.DEFAULT) ? "; `scalelab bench train --save` measures this machine" : ""));
        for (int i = 0; i < s.targets().size(); i++) {
            LadderSpec.Target t = s.targets().get(i);
            PlannedRun r = targets.get(i);
            out.printf(Locale.ROOT, "target %s: %.3g FLOPs%s (%s) -> ladder compute is %.4g%% of it; planned as d%d, N_active %d, "
                            + "D %d, %d steps at batch %d, lr %.3g%s%n", t.name(), t.budget(),
                    t.width() > 0 ? ", width " + t.width() : ", compute-optimal size", t.family(), 100 * plan.fractionOf(t),
                    r.width(), r.activeParams(), r.tokens(), r.spec().steps(), r.spec().batchSize(), r.spec().learningRate(),
                    t.width() > 0 ? "" : " (before the fit re-sizes it)");
            TrainingRegime.outsideLadder(plan, r).ifPresent(w -> out.println("warning: target " + t.name() + ": " + w));
        }
        plan.warnings().forEach(w -> out.println("warning: " + w));
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a ladder resumably: finished runs are skipped, "
            + "interrupted ones resume, failed ones are retried then marked failed.")
    public static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LADDER.yaml")
        Path file;

        @Option(names = "--executor", defaultValue = "local", description = "local or slurm (default ${DEFAULT-VALUE})")
        String executor;

        @Option(names = "--parallel", defaultValue = "1", description = "runs in flight at once (default ${DEFAULT-VALUE}); "
                + "the local executor shares the cores out among them (engine threads = cores / parallel)")
        int parallel;

        @Option(names = "--retries", defaultValue = "1", description = "extra attempts after a failure (default ${DEFAULT-VALUE})")
        int retries;

        @Option(names = "--workdir", defaultValue = DEFAULT_WORKDIR, description = "ladder work directory (default ${DEFAULT-VALUE})")
        Path workdir;

        @Option(names = "--adaptive", description = "centre each next budget's sizes on N* fitted to the finished budgets")
        boolean adaptive;

        @Option(names = "--launcher", description = "command that starts scalelab for each run, split on spaces "
                + "(default: SCALELAB_HOME/scalelab)")
        String launcher;

        @Option(names = "--cpus-per-task", defaultValue = "1", description = "Slurm: CPUs per job (default ${DEFAULT-VALUE})")
        int cpusPerTask;

        @Option(names = "--sbatch-arg", description = "Slurm: extra sbatch argument, repeatable (e.g. --sbatch-arg=--partition=main)")
        List<String> sbatchArgs = new ArrayList<>();

        @Option(names = "--db", paramLabel = "FILE", description = "registry database the runs are recorded in "
                + "(default: $SCALELAB_DB, else ./scalelab.duckdb)")
        String db;

        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
                description = "text, or json: the counts, the failed runs and `ladder status --format json` (default: ${DEFAULT-VALUE})")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws java.io.IOException {
            boolean json = scalelab.cli.JsonOutput.requested(format);
            LadderSpec ladder = LadderSpecReader.read(file);
            // every run would fail on a missing corpus: say so once, before any attempt is started or counted
            try {
                Corpus.requireFolder(CorpusLocation.resolve(ladder.corpus()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ladder " + ladder.name() + ": " + e.getMessage() + "; no run was started");
            }
            List<String> launch = launcherCommand(launcher);
            RunExecutor exec = switch (executor) {
                case "local" -> LocalExecutor.sharing(launch, parallel);
                case "slurm" -> {
                    SlurmExecutor.checkAvailable();
                    yield new SlurmExecutor(launch, cpusPerTask, sbatchArgs);
                }
                default -> throw new IllegalArgumentException("--executor must be local or slurm, got " + executor);
            };
            PrintStream progress = System.err;
            LadderWorkDir wd = new LadderWorkDir(workdir.toAbsolutePath(), ladder.name());
            LadderResultSink sink = new RegistryResultSink(Registry.resolvePath(db), ladder.name(), Files.readString(file), wd);
            LadderRunner runner = new LadderRunner(new LadderPlanner(ThroughputModel.load()), exec, sink, progress);
            LadderRunner.Summary s = runner.run(ladder, wd, new LadderRunner.Options(parallel, retries, adaptive), new VpnlsNStarPredictor());
            if (json) {
                var o = scalelab.cli.JsonOutput.object();
                o.put("ladder", ladder.name());
                o.put("total", s.total());
                o.put("finished", s.finished());
                o.put("already_finished", s.alreadyFinished());
                o.put("failed", s.failed());
                s.failedRuns().forEach(o.putArray("failed_runs")::add);
                o.put("work_dir", wd.path().toString());
                o.set("status", LadderStatusJson.of(ladder.name(), LadderStatus.read(wd)));
                scalelab.cli.JsonOutput.print(spec.commandLine().getOut(), o);
                return s.failed() == 0 ? 0 : 1;
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "ladder %s: %d/%d finished (%d already before), %d failed%s; work dir %s%n",
                    ladder.name(), s.finished(), s.total(), s.alreadyFinished(), s.failed(),
                    s.failedRuns().isEmpty() ? "" : " " + s.failedRuns(), wd.path());
            List<LadderStatus.Entry> entries = LadderStatus.read(wd);
            // why each run failed, from its failed file: the reason and the failed attempt's last log lines
            entries.stream().filter(e -> s.failedRuns().contains(e.name()) && e.failure() != null).forEach(e ->
                    spec.commandLine().getOut().println("failed " + e.name() + ": " + e.failure().strip()));
            LadderStatus.shapeReport(entries).forEach(spec.commandLine().getOut()::println);
            return s.failed() == 0 ? 0 : 1;
        }
    }

    /** The launcher: --launcher split on spaces, else SCALELAB_HOME/scalelab (the repo's launcher script). */
    public static List<String> launcherCommand(String option) {
        if (option != null && !option.isBlank()) {
            return Arrays.asList(option.trim().split("\\s+"));
        }
        String home = System.getProperty("scalelab.home");
        if (home == null) {
            throw new IllegalStateException("scalelab.home is not set; pass --launcher");
        }
        return List.of(Path.of(home, "scalelab").toString());
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a ladder's runs by state, read from its work directory.")
    public static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "ladder name (the spec's name)")
        String name;

        @Option(names = "--workdir", defaultValue = DEFAULT_WORKDIR, description = "ladder work directory (default ${DEFAULT-VALUE})")
        Path workdir;

        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
                description = "text, or json: counts, entries and budgets (default: ${DEFAULT-VALUE})")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            boolean json = scalelab.cli.JsonOutput.requested(format);
            LadderWorkDir wd = new LadderWorkDir(workdir.toAbsolutePath(), name);
            List<LadderStatus.Entry> entries = LadderStatus.read(wd);
            if (entries.isEmpty()) {
                throw new IllegalArgumentException("no runs of ladder '" + name + "' under " + wd.path() + " (wrong --workdir or name?)");
            }
            var out = spec.commandLine().getOut();
            if (json) {
                scalelab.cli.JsonOutput.print(out, LadderStatusJson.of(name, entries));
                return 0;
            }
            Map<RunState, Integer> counts = LadderStatus.counts(entries);
            out.printf("ladder %s: %d runs: %s%n", name, entries.size(), counts);
            out.printf(Locale.ROOT, "%-11s %-9s %5s %10s %11s %6s %8s %10s  %s%n", "state", "budget", "width", "N_active", "D", "steps", "attempts", "loss", "run");
            for (LadderStatus.Entry e : entries) {
                List<String> failure = e.failure() == null ? List.of() : e.failure().strip().lines().toList();
                out.printf(Locale.ROOT, "%-11s %-9.3g %5d %10d %11d %6d %8d %10s  %s %s%s%n", e.state(), e.budget(), e.width(), e.activeParams(),
                        e.tokens(), e.steps(), e.attempts(), e.finalLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", e.finalLoss()),
                        e.name(), e.specHash().substring(0, 12), failure.isEmpty() ? "" : "  (" + failure.get(0) + ")");
                // the failed attempt's last log lines, under its row
                failure.stream().skip(1).forEach(l -> out.println("    " + l.strip()));
            }
            LadderStatus.shapeReport(entries).forEach(out::println);
            out.flush();
            return 0;
        }
    }
}
