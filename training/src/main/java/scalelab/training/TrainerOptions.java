package scalelab.training;

import java.nio.file.Path;
import java.util.function.DoubleSupplier;

/**
 * How a run is executed (not part of the spec: none of these change the trained model).
 *
 * @param runDir          where checkpoints, curves and result.json go
 * @param checkpointEvery steps between checkpoints (0 = every tenth of the run); one is always written at the end
 * @param evalEvery       steps between held-out evaluations (0 = every tenth of the run); always at the end, and
 *                        at {@link #settleStep} just before it
 * @param evalTokens      held-out tokens per evaluation (the first this many of the validation split)
 * @param peakFlops       supplies the matmul peak for MFU
 */
public record TrainerOptions(Path runDir, long checkpointEvery, long evalEvery, long evalTokens, DoubleSupplier peakFlops) {

    /** Held-out tokens per evaluation by default: the same for every run of a ladder. */
    public static final long DEFAULT_EVAL_TOKENS = 1L << 16;

    public TrainerOptions {
        if (checkpointEvery < 0 || evalEvery < 0) {
            throw new IllegalArgumentException("checkpoint and eval intervals must be >= 0");
        }
        if (evalTokens < 2) {
            throw new IllegalArgumentException("eval tokens must be at least 2, got " + evalTokens);
        }
    }

    public static TrainerOptions defaults(Path runDir) {
        return new TrainerOptions(runDir, 0, 0, DEFAULT_EVAL_TOKENS, PeakFlops::cachedOrMeasure);
    }

    public TrainerOptions withIntervals(long checkpointEvery, long evalEvery) {
        return new TrainerOptions(runDir, checkpointEvery, evalEvery, evalTokens, peakFlops);
    }

    public TrainerOptions withRunDir(Path dir) {
        return new TrainerOptions(dir, checkpointEvery, evalEvery, evalTokens, peakFlops);
    }

    public TrainerOptions withEvalTokens(long tokens) {
        return new TrainerOptions(runDir, checkpointEvery, evalEvery, tokens, peakFlops);
    }

    long checkpointInterval(long steps) {
        return checkpointEvery > 0 ? checkpointEvery : Math.max(1, steps / 10);
    }

    long evalInterval(long steps) {
        return evalInterval(steps, evalEvery);
    }

    private static long evalInterval(long steps, long evalEvery) {
        return evalEvery > 0 ? evalEvery : Math.max(1, steps / 10);
    }

    /**
     * The step of the evaluation just before the end: 2% of the run (at least one step) before it. With the learning
     * rate annealed to (near) zero the loss should not move between it and the end; their difference is how settled
     * a run's reported loss is, apart from what the run still learns in its last tenth.
     */
    public static long settleStep(long steps) {
        return steps - Math.max(1, Math.round(steps / 50.0));
    }

    /**
     * Held-out evaluations an uninterrupted run of {@code steps} steps makes with this {@code evalEvery} (0 = the
     * default interval): one at every multiple of the interval before the end, one at {@link #settleStep} and one at
     * the end. Planners use it to cost evaluation, which is not part of the training FLOPs.
     */
    public static long evaluations(long steps, long evalEvery) {
        long interval = evalInterval(steps, evalEvery);
        long settle = settleStep(steps);
        return (steps + interval - 1) / interval + (settle >= 1 && settle % interval != 0 ? 1 : 0);
    }
}
