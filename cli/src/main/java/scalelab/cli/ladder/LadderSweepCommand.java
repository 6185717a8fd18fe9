package scalelab.cli.ladder;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import scalelab.cli.JsonOutput;
import scalelab.fitting.hparams.LearningRateSweepFit;
import scalelab.ladder.LadderPlanner;
import scalelab.ladder.LadderRunner;
import scalelab.ladder.LadderSpec;
import scalelab.ladder.LadderSpecReader;
import scalelab.ladder.LadderWorkDir;
import scalelab.ladder.LearningRateSweep;
import scalelab.ladder.LocalExecutor;
import scalelab.ladder.PlannedRun;
import scalelab.ladder.RegistryResultSink;
import scalelab.ladder.ThroughputModel;
import scalelab.registry.Registry;
import scalelab.training.data.Corpus;
import scalelab.training.CorpusLocation;

/**
 * {@code ladder sweep}: trains a grid of learning rates at a few budgets × widths under the ladder's rules, finds each
 * cell's best rate, and fits the rule the ladder should state (rules.lr). Resumable like {@code ladder run}.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Train learning rates × budgets × widths under the ladder's rules and fit the learning-rate rule "
                + "(width and token-horizon exponents) the ladder should use; resumable.")
public final class LadderSweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "LADDER.yaml")
    Path file;

    @Option(names = "--budgets", split = ",", required = true, paramLabel = "C[,C...]",
            description = "compute budgets (FLOPs): two or more give each width two token horizons")
    List<Double> budgets;

    @Option(names = "--widths", split = ",", required = true, paramLabel = "D[,D...]", description = "model widths")
    List<Integer> widths;

    @Option(names = "--lr-factors", split = ",", defaultValue = "0.25,0.5,1,2,4", paramLabel = "F[,F...]",
            description = "multiples of the ladder rule's learning rate to train (default ${DEFAULT-VALUE})")
    List<Double> factors;

    @Option(names = "--parallel", defaultValue = "1", description = "runs in flight at once, sharing the cores (default ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--retries", defaultValue = "0", description = "extra attempts after a failure (default ${DEFAULT-VALUE}; a diverged run is an answer)")
    int retries;

    @Option(names = "--workdir", defaultValue = LadderCommand.DEFAULT_WORKDIR, description = "work directory (default ${DEFAULT-VALUE})")
    Path workdir;

    @Option(names = "--launcher", description = "command that starts scalelab for each run, split on spaces (default: SCALELAB_HOME/scalelab)")
    String launcher;

    @Option(names = "--db", paramLabel = "FILE", description = "registry database the runs are recorded in (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws java.io.IOException {
        boolean json = JsonOutput.requested(format);
        LadderSpec ladder = LadderSpecReader.read(file);
        LearningRateSweep sweep = new LearningRateSweep(ladder, budgets, widths, factors);
        LadderPlanner planner = new LadderPlanner(ThroughputModel.load());
        List<PlannedRun> runs = sweep.plan(planner);
        try {
            Corpus.requireFolder(CorpusLocation.resolve(ladder.corpus()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ladder " + ladder.name() + ": " + e.getMessage() + "; no run was started");
        }
        LadderWorkDir wd = new LadderWorkDir(workdir.toAbsolutePath(), sweep.ladderName());
        LadderRunner runner = new LadderRunner(planner, LocalExecutor.sharing(LadderCommand.launcherCommand(launcher), parallel),
                new RegistryResultSink(Registry.resolvePath(db), sweep.ladderName(),
                Files.readString(file), wd), System.err);
        LadderRunner.Summary s = runner.execute(runs, wd, new LadderRunner.Options(parallel, retries, false));
        List<LearningRateSweepFit.Trial> trials = LearningRateSweep.trials(runs, wd);
        if (trials.isEmpty()) {
            throw new IllegalStateException("no sweep run finished (" + s.failed() + " failed); see " + wd.path());
        }
        LearningRateSweepFit.Result result = sweep.fit(trials);
        if (json) {
            JsonOutput.print(spec.commandLine().getOut(), json(ladder, s, result));
        } else {
            print(ladder, s, result, runs.size(), spec.commandLine().getOut());
        }
        return result.rule().status() == LearningRateSweepFit.RuleStatus.NO_INTERIOR_CELL ? 1 : 0;
    }

    private static String lossText(double loss) {
        return Double.isFinite(loss) ? String.format(Locale.ROOT, "%.4f", loss) : "diverged";
    }

    static void print(LadderSpec ladder, LadderRunner.Summary s, LearningRateSweepFit.Result r, int planned, PrintWriter out) {
        out.printf(Locale.ROOT, "sweep of ladder %s: %d/%d runs finished, %d failed%n", ladder.name(), s.finished(), planned, s.failed());
        out.println("| width | batch | tokens | learning rates → final held-out loss | best lr | best loss | status |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (LearningRateSweepFit.Cell c : r.cells()) {
            List<String> cells = new ArrayList<>();
            for (LearningRateSweepFit.Trial t : c.trials()) {
                cells.add(String.format(Locale.ROOT, "%.3g: %s", t.lr(), lossText(t.loss())));
            }
            out.printf(Locale.ROOT, "| %d | %d | %d | %s | %.3g | %s | %s |%n", c.width(), c.batch(), c.tokens(),
                    String.join(", ", cells), c.bestLr(), lossText(c.bestLoss()), c.status().name().toLowerCase(Locale.ROOT));
        }
        LearningRateSweepFit.Rule rule = r.rule();
        if (rule.status() == LearningRateSweepFit.RuleStatus.NO_INTERIOR_CELL) {
            out.println("no cell has its lowest loss between two other rates: widen --lr-factors; no rule fitted");
            return;
        }
        out.printf(Locale.ROOT, "rule %s on %d interior cells (rms residual of ln lr %.3f); width exponent %s, tokens exponent %s%n",
                rule.status().name().toLowerCase(Locale.ROOT), rule.cellsUsed(), rule.rmsLogResidual(),
                rule.widthFitted() ? "fitted" : "kept from the ladder", rule.tokensFitted() ? "fitted" : "kept from the ladder");
        out.println("for the ladder YAML:");
        out.println("  " + yaml(rule));
        out.flush();
    }

    /** The rule as the ladder YAML's rules.lr line. */
    static String yaml(LearningRateSweepFit.Rule rule) {
        return String.format(Locale.ROOT, "lr: {coefficient: %.4g, batch_ref: %.4g, batch_exponent: %.4g, width_ref: %.4g, "
                        + "width_exponent: %.3f, tokens_ref: %.4g, tokens_exponent: %.3f}", rule.coefficient(), rule.batchRef(),
                rule.batchExponent(), rule.widthRef(), rule.widthExponent(), rule.tokensRef(), rule.tokensExponent());
    }

    static ObjectNode json(LadderSpec ladder, LadderRunner.Summary s, LearningRateSweepFit.Result r) {
        ObjectNode o = JsonOutput.object();
        o.put("ladder", ladder.name());
        o.put("finished", s.finished());
        o.put("failed", s.failed());
        ArrayNode cells = o.putArray("cells");
        for (LearningRateSweepFit.Cell c : r.cells()) {
            ObjectNode e = cells.addObject();
            e.put("width", c.width());
            e.put("batch", c.batch());
            e.put("tokens", c.tokens());
            ArrayNode trials = e.putArray("trials");
            for (LearningRateSweepFit.Trial t : c.trials()) {
                ObjectNode te = trials.addObject();
                te.put("lr", t.lr());
                if (Double.isFinite(t.loss())) {
                    te.put("loss", t.loss());
                } else {
                    te.putNull("loss");
                    te.put("diverged", true);
                }
            }
            e.put("best_lr", c.bestLr());
            e.put("best_loss", c.bestLoss());
            e.put("status", c.status().name().toLowerCase(Locale.ROOT));
        }
        LearningRateSweepFit.Rule rule = r.rule();
        ObjectNode ro = o.putObject("rule");
        ro.put("status", rule.status().name().toLowerCase(Locale.ROOT));
        ro.put("cells_used", rule.cellsUsed());
        if (rule.status() != LearningRateSweepFit.RuleStatus.NO_INTERIOR_CELL) {
            ro.put("coefficient", rule.coefficient());
            ro.put("batch_ref", rule.batchRef());
            ro.put("batch_exponent", rule.batchExponent());
            ro.put("width_ref", rule.widthRef());
            ro.put("width_exponent", rule.widthExponent());
            ro.put("width_fitted", rule.widthFitted());
            ro.put("tokens_ref", rule.tokensRef());
            ro.put("tokens_exponent", rule.tokensExponent());
            ro.put("tokens_fitted", rule.tokensFitted());
            ro.put("rms_log_residual", rule.rmsLogResidual());
            ro.put("yaml", yaml(rule));
        }
        return o;
    }
}
