package scalelab.training;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Random;
import scalelab.training.model.TransformerLM;
import scalelab.training.optim.AdamW;

/** Training throughput of one model size: the same step (forward, backward, AdamW) the trainer runs, on random tokens. */
public final class TrainingBenchmark {
    private TrainingBenchmark() {}

    /**
     * @param medianStepSeconds median wall time of one optimiser step
     * @param tokensPerSecond   batch·seqLen / medianStepSeconds
     * @param flopsPerSecond    tokensPerSecond × {@link ModelConfig#trainingFlopsPerToken()}
     * @param mfu               flopsPerSecond / peak
     */
    public record Throughput(ModelConfig model, int batchSize, int timedSteps, double medianStepSeconds,
                             double tokensPerSecond, double flopsPerSecond, double mfu) {}

    public static Throughput measure(ModelConfig model, int batchSize, int timedSteps, double peakFlopsPerSecond) {
        return measure(model, "none", batchSize, timedSteps, peakFlopsPerSecond);
    }

    /**
     * @param balance "none" for a dense model; "aux" or "quantile" for an MoE model (aux with the Switch coefficient
     *                0.01), routed dropless. FLOPs count active parameters, so MoE MFU is against the work a token needs.
     */
    public static Throughput measure(ModelConfig model, String balance, int batchSize, int timedSteps, double peakFlopsPerSecond) {
        if (timedSteps < 1) {
            throw new IllegalArgumentException("timed steps must be positive, got " + timedSteps);
        }
        RunSpec spec = new RunSpec("bench", model, batchSize, timedSteps + 2L, 1e-4, 0.1, 0.0, "cosine", 1.0, 1,
                "unused", "byte", 0, balance, 0, "aux".equals(balance) ? 0.01 : 0);
        Random random = new Random(42);
        long[] windows = new long[batchSize * (model.seqLen() + 1)];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = random.nextInt(model.vocabSize());
        }
        double[] seconds = new double[timedSteps];
        try (NDManager root = NDManager.newBaseManager();
             TransformerLM lm = new TransformerLM(spec, root);
             AdamW optimizer = new AdamW(lm.parameters(), root, spec.weightDecay(), spec.gradClip())) {
            for (int w = 0; w < 2; w++) {
                Trainer.step(lm, optimizer, windows, batchSize, 1e-4, root); // warm-up: allocator, kernel selection
            }
            for (int s = 0; s < timedSteps; s++) {
                long t0 = System.nanoTime();
                Trainer.step(lm, optimizer, windows, batchSize, 1e-4, root);
                seconds[s] = (System.nanoTime() - t0) / 1e9;
            }
        }
        Arrays.sort(seconds);
        double median = seconds[timedSteps / 2];
        double tokensPerSecond = spec.tokensPerStep() / median;
        double flops = tokensPerSecond * model.trainingFlopsPerToken();
        return new Throughput(model, batchSize, timedSteps, median, tokensPerSecond, flops,
                peakFlopsPerSecond > 0 ? flops / peakFlopsPerSecond : 0);
    }
}
