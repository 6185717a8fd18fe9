package scalelab.ladder;

import scalelab.training.TrainingResult;

/**
 * Where a ladder's run events go (the registry binds this). Each finished run is reported exactly once across
 * executor restarts: the work directory records a run as reported only after {@link #onRunFinished} returns, so an
 * implementation should still be idempotent by spec hash (a crash between the two repeats the call once).
 */
public interface LadderResultSink {
    void onRunStarted(PlannedRun run, int attempt);

    void onRunFinished(PlannedRun run, TrainingResult result);

    void onRunFailed(PlannedRun run, int attempts, String reason);

    LadderResultSink NONE = new LadderResultSink() {
        @Override
        public void onRunStarted(PlannedRun run, int attempt) {}

        @Override
        public void onRunFinished(PlannedRun run, TrainingResult result) {}

        @Override
        public void onRunFailed(PlannedRun run, int attempts, String reason) {}
    };
}
