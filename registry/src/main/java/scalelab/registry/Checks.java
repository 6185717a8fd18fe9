package scalelab.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checking predictions against runs: which runs a prediction's target names, when a run may be checked against it,
 * and filing the check in the {@link Ledger}. Through {@link Registry}.
 */
final class Checks {
    private final RunStore runs;
    private final Ledger ledger;

    Checks(RunStore runs, Ledger ledger) {
        this.runs = runs;
        this.ledger = ledger;
    }

    /**
     * Checks prediction {@code predictionId} against finished run {@code runId} and files the check in the ledger
     * (a new entry: an earlier check of the same prediction stays). The run must match the target (see
     * {@link PredictionCheck#match}) unless {@code allowMismatch}, which the entry records.
     */
    PredictionCheck checkAgainstRun(long predictionId, long runId, boolean allowMismatch) {
        Prediction p = ledger.prediction(predictionId).orElseThrow(() -> new IllegalArgumentException("no prediction with id " + predictionId));
        RunRecord run = runs.run(runId).orElseThrow(() -> new IllegalArgumentException("no run with id " + runId));
        if (run.status() != RunStatus.FINISHED || run.finalLoss() == null) {
            throw new IllegalStateException("run " + runId + " is " + run.status() + ": it has no final loss to check against yet");
        }
        PredictionCheck.TargetMatch m = PredictionCheck.match(p, run);
        if (!m.matches() && !allowMismatch) {
            throw new IllegalArgumentException("prediction " + predictionId + " (" + p.targetName() + "): " + m.description()
                    + "; nothing filed: check it against its own target run, or pass --allow-mismatch to file the check"
                    + " with the mismatch recorded");
        }
        String match = m.matches() ? m.description() : "mismatch allowed: " + m.description();
        return ledger.fileCheck(PredictionCheck.draft(p, run, run.finalLoss(), match, !m.matches(), Provenance.author()));
    }

    /** Checks a prediction against a loss measured elsewhere (a run trained outside this registry). */
    PredictionCheck checkAgainstLoss(long predictionId, double actualLoss) {
        Prediction p = ledger.prediction(predictionId).orElseThrow(() -> new IllegalArgumentException("no prediction with id " + predictionId));
        return ledger.fileCheck(PredictionCheck.draft(p, null, actualLoss,
                "no registry run: loss given by hand, so neither the target nor the start time can be checked", false,
                Provenance.author()));
    }

    /**
     * Checks every prediction whose target run (a run named like the target, or with the target as spec hash) has
     * finished, matches the target, and was not yet checked against that prediction. Returns the new checks.
     */
    List<PredictionCheck> checkAll() {
        List<PredictionCheck> out = new ArrayList<>();
        for (Prediction p : ledger.predictions("")) {
            List<RunRecord> targets = targetRuns(p);
            Set<Long> done = new HashSet<>();
            for (PredictionCheck c : ledger.checks("WHERE prediction_id = " + p.id())) {
                done.add(c.runId());
            }
            for (RunRecord r : targets) {
                if (r.status() == RunStatus.FINISHED && !done.contains(r.id()) && PredictionCheck.match(p, r).matches()) {
                    out.add(checkAgainstRun(p.id(), r.id(), false));
                    done.add(r.id());
                }
            }
        }
        return out;
    }

    /** The runs a prediction's target names: runs of that name, and the run with it as spec hash. */
    List<RunRecord> targetRuns(Prediction p) {
        List<RunRecord> targets = new ArrayList<>(runs.runsNamed(p.targetName()));
        runs.runBySpecHash(p.targetName()).ifPresent(targets::add);
        return targets;
    }
}
