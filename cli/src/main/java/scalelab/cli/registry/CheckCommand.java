package scalelab.cli.registry;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import scalelab.cli.JsonOutput;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scalelab.registry.Prediction;
import scalelab.registry.PredictionCheck;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.PlausibleRange;

/** {@code scalelab check}: records actual vs predicted loss for preregistered predictions. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check predictions against actual losses: the error of the prediction (predicted − actual, in nats/token and %% of actual; positive = too high), inside the interval, verdict.",
                "Each check is a new signed ledger entry; an earlier check of the same prediction stays.",
                "  check --prediction ID --run RUN_ID   against a finished run in the registry: its kind, N (N_active),",
                "                                       D and C must match the target within 1%% (--allow-mismatch records",
                "                                       an exception)",
                "  check --prediction ID --loss X       against a loss measured elsewhere",
                "  check --all                          every prediction whose target run (by name or spec hash) has finished"})
public final class CheckCommand implements Callable<Integer> {
    @Mixin
    DbOption db;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    static final class Mode {
        @ArgGroup(exclusive = false)
        One one;

        @Option(names = "--all", required = true, description = "Check every prediction whose target run has finished.")
        boolean all;
    }

    static final class One {
        @Option(names = "--prediction", paramLabel = "ID", required = true, description = "Prediction id.")
        long predictionId;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Actual actual;

        @Option(names = "--allow-mismatch",
                description = "With --run: check even a run that does not match the target (the entry records the mismatch).")
        boolean allowMismatch;
    }

    static final class Actual {
        @Option(names = "--run", paramLabel = "RUN_ID", required = true, description = "A finished run in the registry.")
        Long runId;

        @Option(names = "--loss", paramLabel = "X", required = true, description = "The actual final loss (run trained elsewhere).")
        Double loss;
    }

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: {\"checks\": [each filed entry's fields, typed, with error_of_prediction],"
                    + " \"not_checked\": [why --all could not check a prediction]} (default: ${DEFAULT-VALUE}).")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!mode.all && mode.one.actual.loss != null) {
            // refused before the database is opened: a check is a permanent ledger entry
            String problem = PlausibleRange.lossProblem(mode.one.actual.loss);
            if (problem != null) {
                throw new IllegalArgumentException("--loss " + mode.one.actual.loss + ": " + problem);
            }
        }
        boolean json = JsonOutput.requested(format);
        try (Registry r = db.open()) {
            List<PredictionCheck> checks;
            if (mode.all) {
                checks = r.checkAll();
                if (checks.isEmpty() && !json) {
                    out.println("no new checks: no prediction has a finished target run that was not checked yet");
                }
            } else {
                if (mode.one.allowMismatch && mode.one.actual.runId == null) {
                    throw new IllegalArgumentException("--allow-mismatch applies to --run: a loss given with --loss has no run to match");
                }
                checks = List.of(mode.one.actual.runId != null
                        ? r.checkAgainstRun(mode.one.predictionId, mode.one.actual.runId, mode.one.allowMismatch)
                        : r.checkAgainstLoss(mode.one.predictionId, mode.one.actual.loss));
            }
            if (json) {
                ObjectNode root = JsonOutput.object();
                ArrayNode arr = root.putArray("checks");
                for (PredictionCheck c : checks) {
                    arr.add(json(c, r.prediction(c.predictionId()).orElseThrow()));
                }
                ArrayNode left = root.putArray("not_checked");
                if (mode.all) {
                    unchecked(r).forEach(left::add);
                }
                JsonOutput.print(out, root);
                return 0;
            }
            for (PredictionCheck c : checks) {
                Prediction p = r.prediction(c.predictionId()).orElseThrow();
                out.println(describe(c, p));
            }
            if (mode.all) {
                unchecked(r).forEach(out::println);
            }
            out.flush();
        }
        return 0;
    }

    /**
     * One line per prediction that has never been checked and is not superseded, saying why --all could not check it:
     * a target name that matches no run is otherwise silent, and a preregistration nobody checks proves nothing.
     */
    static List<String> unchecked(Registry r) {
        List<Prediction> all = r.predictions();
        java.util.Set<Long> superseded = new java.util.HashSet<>();
        for (Prediction p : all) {
            if (p.supersedes() != null) {
                superseded.add(p.supersedes());
            }
        }
        List<String> lines = new java.util.ArrayList<>();
        for (Prediction p : all) {
            if (superseded.contains(p.id()) || !r.checks(p.id()).isEmpty()) {
                continue;
            }
            List<RunRecord> targets = r.targetRuns(p);
            List<String> mismatched = targets.stream().filter(t -> t.status() == scalelab.registry.RunStatus.FINISHED)
                    .map(t -> PredictionCheck.match(p, t)).filter(m -> !m.matches()).map(PredictionCheck.TargetMatch::description).toList();
            String why = targets.isEmpty()
                    ? "no run is named '" + p.targetName() + "' (or has it as spec hash); check it with --prediction "
                    + p.id() + " --run RUN_ID or --loss X"
                    : !mismatched.isEmpty() ? String.join("; ", mismatched) + " (check it anyway with --prediction " + p.id()
                    + " --run RUN_ID --allow-mismatch, recorded)"
                    : "its target run" + (targets.size() > 1 ? "s are " : " is ")
                    + targets.stream().map(t -> t.id() + " " + t.status().name().toLowerCase(Locale.ROOT)).toList();
            lines.add(String.format(Locale.ROOT, "prediction %d (%s) not checked yet: %s", p.id(), p.targetName(), why));
        }
        return lines;
    }

    /** A filed check as JSON: the entry's hashed fields (typed), then the signed error of the prediction. */
    static ObjectNode json(PredictionCheck c, Prediction p) {
        ObjectNode o = scalelab.registry.LedgerExport.entryJson(c);
        o.put("target_name", p.targetName());
        o.put("error_of_prediction", c.predictedLoss() - c.actualLoss());
        o.put("error_of_prediction_pct", c.errorOfPredictionPct());
        return o;
    }

    static String describe(PredictionCheck c, Prediction p) {
        String interval = p.hasInterval()
                ? String.format(Locale.ROOT, "%.0f%% interval [%.4f, %.4f] %s", 100 * p.intervalLevel(), p.intervalLow(),
                p.intervalHigh(), c.insideInterval() ? "contains it" : "misses it")
                : "no interval";
        // The error of the prediction, signed as everywhere: predicted − actual, positive when the forecast was too high.
        String line = String.format(Locale.ROOT, "check %d: prediction %d (%s) predicted %.4f, actual %.4f (%s): error of the prediction %+.4f (%+.2f%%), %s -> %s",
                c.id(), p.id(), p.targetName(), c.predictedLoss(), c.actualLoss(),
                c.runId() == null ? "given with --loss" : "run " + c.runId(), c.predictedLoss() - c.actualLoss(),
                c.errorOfPredictionPct(), interval, c.verdict());
        if (!c.chained()) {
            return line;
        }
        return line + "\n  " + c.targetMatch() + "\n  " + scalelab.registry.LedgerExport.timing(c)
                + "\n  ledger entry " + c.seq() + ", hash " + c.entryHash();
    }
}
