package scalelab.ladder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Launches training attempts somewhere (local processes, Slurm jobs) and finds them again after a restart.
 * {@link LadderRunner} owns the bookkeeping (skip finished, retry, mark failed, report); an executor only starts,
 * watches and re-attaches.
 */
public interface RunExecutor {

    /** Short name recorded with each attempt ("local", "slurm"). */
    String name();

    /** Starts one training attempt of the run in {@code dir} (spec.yaml is written). */
    Attempt launch(RunDir dir, PlannedRun run) throws IOException;

    /** A run to start, its directory prepared. */
    record Launch(RunDir dir, PlannedRun run) {}

    /** What starting one run gave: its attempt, or (attempt null) why it could not start. */
    record Started(Attempt attempt, String error) {}

    /**
     * Starts one attempt of each run and returns one outcome per launch, in order. This is how the runner starts
     * attempts; an executor that can start several together overrides it (Slurm: one job array). The default starts
     * them one by one with {@link #launch}.
     */
    default List<Started> launchAll(List<Launch> launches) {
        List<Started> out = new ArrayList<>();
        for (Launch l : launches) {
            try {
                out.add(new Started(launch(l.dir(), l.run()), null));
            } catch (IOException | RuntimeException e) {
                out.add(new Started(null, e.getMessage()));
            }
        }
        return out;
    }

    /**
     * The attempt an earlier executor process left behind for this run (still running, or ended but not yet
     * collected), or null when there is none.
     */
    Attempt reattach(RunDir dir, PlannedRun run) throws IOException;

    /** Forgets the attempt's process/job records once the runner has counted its outcome. */
    void collected(RunDir dir);

    /** How long the runner waits between polls. */
    long pollMillis();

    /** A running or ended attempt. */
    interface Attempt {
        /** Null while running; the exit code once ended (non-zero = failed; -1 when the code could not be known). */
        Integer poll() throws IOException;

        /** A short description for logs: pid or job id, and why it ended when it ended abnormally. */
        String describe();

        /** The file the trainer's output goes to (read for a failed attempt's last lines), or null when there is none. */
        default Path log() {
            return null;
        }
    }
}
