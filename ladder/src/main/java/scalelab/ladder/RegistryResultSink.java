package scalelab.ladder;

import java.nio.file.Path;
import java.time.Duration;
import scalelab.registry.Registry;
import scalelab.training.RunRegistration;
import scalelab.training.TrainingResult;

/**
 * Sends a ladder's run events to the registry. Opens the database for each event and closes it at once, so other
 * scalelab commands (runs list, predict, report) can use it while a ladder runs; when one of them holds it as a run
 * finishes, the event waits for it (retrying with backoff for up to {@link Registry#RESULT_LOCK_WAIT}) rather than
 * failing the ladder.
 * Every event is idempotent by spec hash, and a finished run is marked reported in its work directory only after its
 * event is stored, so a result is never lost: a ladder stopped by a lock held past the wait records it when rerun.
 */
public final class RegistryResultSink implements LadderResultSink {
    private final Path db;
    private final String ladder;
    private final LadderWorkDir workDir;
    private final Duration lockWait;

    public RegistryResultSink(Path db, String ladder, String ladderYaml, LadderWorkDir workDir) {
        this(db, ladder, ladderYaml, workDir, Registry.RESULT_LOCK_WAIT);
    }

    /** A sink whose events wait up to {@code lockWait} for the database. */
    public RegistryResultSink(Path db, String ladder, String ladderYaml, LadderWorkDir workDir, Duration lockWait) {
        this.db = db;
        this.ladder = ladder;
        this.workDir = workDir;
        this.lockWait = lockWait;
        try (Registry r = open()) {
            r.upsertLadder(ladder, ladderYaml);
        }
    }

    private Registry open() {
        return Registry.open(db, Registry.Access.READ_WRITE, lockWait);
    }

    @Override
    public void onRunStarted(PlannedRun run, int attempt) {
        try (Registry r = open()) {
            RunRegistration.started(r, ladder, run.spec());
        }
    }

    @Override
    public void onRunFinished(PlannedRun run, TrainingResult result) {
        try (Registry r = open()) {
            RunRegistration.finished(r, ladder, run.spec(), result, workDir.run(run.specHash()).path());
        }
    }

    @Override
    public void onRunFailed(PlannedRun run, int attempts, String reason) {
        try (Registry r = open()) {
            RunRegistration.failed(r, ladder, run.spec(), "failed after " + attempts + " attempt(s): " + reason);
        }
    }
}
