package scalelab.ladder;

import java.nio.file.Path;
import scalelab.registry.Registry;
import scalelab.training.RunRegistration;
import scalelab.training.TrainingResult;

/**
 * Sends a ladder's run events to the registry. Opens the database for each event and closes it at once, so other
 * scalelab commands (runs list, report) can use it while a ladder runs; every event is idempotent by spec hash.
 */
public final class RegistryResultSink implements LadderResultSink {
    private final Path db;
    private final String ladder;
    private final LadderWorkDir workDir;

    public RegistryResultSink(Path db, String ladder, String ladderYaml, LadderWorkDir workDir) {
        this.db = db;
        this.ladder = ladder;
        this.workDir = workDir;
        try (Registry r = Registry.open(db)) {
            r.upsertLadder(ladder, ladderYaml);
        }
    }

    @Override
    public void onRunStarted(PlannedRun run, int attempt) {
        try (Registry r = Registry.open(db)) {
            RunRegistration.started(r, ladder, run.spec());
        }
    }

    @Override
    public void onRunFinished(PlannedRun run, TrainingResult result) {
        try (Registry r = Registry.open(db)) {
            RunRegistration.finished(r, ladder, run.spec(), result, workDir.run(run.specHash()).path());
        }
    }

    @Override
    public void onRunFailed(PlannedRun run, int attempts, String reason) {
        try (Registry r = Registry.open(db)) {
            RunRegistration.failed(r, ladder, run.spec(), "failed after " + attempts + " attempt(s): " + reason);
        }
    }
}
