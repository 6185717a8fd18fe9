package scalelab.ladder;

/** A run's state as read from its directory in the ladder work directory. */
public enum RunState {
    /** result.json holds a finished result for this spec hash. */
    FINISHED,
    /** every attempt of the last `ladder run` failed (a new `ladder run` tries again). */
    FAILED,
    /** a trainer process or Slurm job was recorded and has not ended as far as the files show. */
    RUNNING,
    /** started before (attempts or checkpoints exist) but neither running nor finished: resumes on the next run. */
    INTERRUPTED,
    /** never started. */
    PENDING
}
