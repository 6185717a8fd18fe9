package scalelab.training;

import java.nio.file.Path;

/**
 * Receives a run's metrics as they happen (the registry binds one; {@link ProgressBar} is another). Steps are counted
 * from 1 (the number of optimiser updates done); tokens are training tokens processed so far. All methods default to
 * doing nothing, and are called on the training thread: keep them quick.
 */
public interface TrainingListener {

    /** Before the first step; {@code startStep} > 0 when resuming from a checkpoint. */
    default void onStart(RunSpec spec, long startStep, long totalSteps) {}

    /** After every optimiser step; {@code trainLoss} is the LM loss in nats/token (auxiliary losses excluded). */
    default void onStep(long step, long tokens, double trainLoss, double learningRate, double tokensPerSecond) {}

    /** After each evaluation on the fixed held-out set. */
    default void onEval(long step, long tokens, double evalLossNatsPerToken, double evalBitsPerByte) {}

    /** After every step of an MoE model: each expert's share of routed tokens in one layer (sums to 1). */
    default void onExpertShares(long step, int layer, double[] shares) {}

    /** After a checkpoint has been written (atomically). */
    default void onCheckpoint(long step, Path file) {}

    /** Once, with the result that was also written to {@code result.json}. */
    default void onFinish(TrainingResult result) {}
}
