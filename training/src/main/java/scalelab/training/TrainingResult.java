package scalelab.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The outcome of one training run, written atomically to {@code result.json} in its run directory.
 *
 * @param specHash               {@link RunSpec#specHash()} of the run
 * @param name                   run name
 * @param status                 {@link #COMPLETED}, or {@link #DIVERGED} when the loss became NaN/infinite
 * @param steps                  optimiser steps done
 * @param tokens                 training tokens processed
 * @param finalTrainLoss         LM loss of the last step, nats/token
 * @param finalEvalLoss          held-out loss at the end, nats/token
 * @param bestEvalLoss           lowest held-out loss over all evaluations, nats/token
 * @param finalEvalBitsPerByte   held-out loss at the end in bits per byte of text (comparable across tokenizers)
 * @param evalTokens             held-out tokens each evaluation predicts (at most evalTokenLimit − 1: fewer when the
 *                               validation split is shorter)
 * @param evalTokenLimit         held-out tokens the run was asked to evaluate ({@code --eval-tokens}, a ladder's
 *                               {@code eval.tokens}); 0 in results written before it was recorded
 * @param plannedFlops           {@link RunSpec#flops()}
 * @param countedFlops           FLOPs accumulated step by step: trainingFlopsPerToken × tokens processed
 * @param flopConvention         {@link ModelConfig#FLOP_CONVENTION}
 * @param nonEmbeddingParams     {@link ModelConfig#nonEmbeddingParams()}
 * @param activeParams           {@link ModelConfig#activeParams()} (N of the scaling law)
 * @param totalParams            {@link ModelConfig#totalParams()}
 * @param wallSeconds            wall time of the run including evaluation and checkpoints (summed over resumes)
 * @param trainSeconds           time inside training steps only (forward, backward, update)
 * @param tokensPerSecond        tokens / trainSeconds
 * @param achievedFlopsPerSecond countedFlops / trainSeconds
 * @param peakFlopsPerSecond     this machine's fp32 matmul peak through the same engine ({@link PeakFlops})
 * @param mfu                    achievedFlopsPerSecond / peakFlopsPerSecond
 * @param resumedFromStep        step of the checkpoint the last process resumed from (0 = not resumed)
 */
public record TrainingResult(String specHash, String name, String status, long steps, long tokens,
                             double finalTrainLoss, double finalEvalLoss, double bestEvalLoss, double finalEvalBitsPerByte,
                             long evalTokens, long evalTokenLimit, double plannedFlops, double countedFlops, String flopConvention,
                             long nonEmbeddingParams, long activeParams, long totalParams, double wallSeconds,
                             double trainSeconds, double tokensPerSecond, double achievedFlopsPerSecond,
                             double peakFlopsPerSecond, double mfu, long resumedFromStep) {

    public static final String COMPLETED = "completed";
    public static final String DIVERGED = "diverged";
    public static final String FILE_NAME = "result.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static TrainingResult read(Path file) {
        try {
            return JSON.readValue(file.toFile(), TrainingResult.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable training result: " + e.getMessage(), e);
        }
    }

    /** Writes atomically (temp file, fsync, rename): a reader sees the old file or the whole new one. */
    public void write(Path file) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
