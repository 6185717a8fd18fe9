package scalelab.ladder;

import java.util.List;

/**
 * A ladder as written in its YAML file (see examples/README.md for the format): what to train at which budgets, and
 * the rules that turn a width into a full run. {@link LadderPlanner} resolves it into runs.
 *
 * @param name      ladder name (work directory and status key)
 * @param corpus    corpus folder, or "default"
 * @param tokenizer "byte" or "gpt2"
 * @param vocabSize vocabulary size implied by the tokenizer (256 byte, 50257 gpt2)
 * @param seqLen    training context length T
 * @param seed      seed of every run
 * @param families  model families trained at every budget (dense and/or MoE)
 * @param budgets   compute budgets in FLOPs, strictly increasing
 * @param sizes     which widths to train at each budget
 * @param rules     depth, heads, batch and learning rate from width
 * @param schedule  optimiser schedule shared by all runs
 * @param eval      evaluation set settings recorded with the ladder
 * @param targets   runs the ladder is meant to predict
 * @param source    where each key was written (for error messages naming the line)
 */
public record LadderSpec(String name, String corpus, String tokenizer, int vocabSize, int seqLen, long seed,
                         List<Family> families, List<Double> budgets, Sizes sizes, Rules rules, Schedule schedule,
                         Eval eval, List<Target> targets, SpecSource source) {

    public LadderSpec {
        families = List.copyOf(families);
        budgets = List.copyOf(budgets);
        targets = List.copyOf(targets);
    }

    /**
     * A model family. Dense: experts = top_k = granularity = 1, balance "none". MoE: experts &gt; 1 routed MLPs of
     * width 4·d/granularity, top_k of them per token, balanced by "aux" or "quantile".
     */
    public record Family(String name, int experts, int topK, String balance, int granularity, double capacityFactor,
                         double auxLossCoef) {
        public boolean isMoe() {
            return experts > 1;
        }
    }

    /**
     * Widths per budget: either the explicit list {@code widths} (same at every budget), or automatic: {@code count}
     * sizes log-spaced in N from N*(C)/span to N*(C)·span, N*(C) = nStarCoefficient · C^nStarExponent, each N mapped
     * to the nearest width that is a multiple of {@code widthStep} within [minWidth, maxWidth].
     */
    public record Sizes(List<Integer> widths, int count, double span, double nStarCoefficient, double nStarExponent,
                        int widthStep, int minWidth, int maxWidth) {
        /** Tokens per parameter of the default N* rule, D = 20·N (Chinchilla's). */
        public static final double DEFAULT_TOKENS_PER_PARAM = 20.0;

        public Sizes {
            widths = List.copyOf(widths);
        }

        public boolean automatic() {
            return widths.isEmpty();
        }

        /** The expected compute-optimal N (active, non-embedding) at budget C under the configured rule. */
        public double nStar(double budget) {
            return nStarCoefficient * Math.pow(budget, nStarExponent);
        }
    }

    /**
     * Architecture and optimiser rules from width d (Marin's recipe scaled to CPU sizes): layers = max(minDepth,
     * round(d / depthDivisor)); heads = d / headDim; batch B (sequences) = the power of two in [minBatch, maxBatch]
     * (or, with batchMultiple &gt; 0, the multiple of batchMultiple) closest to D / (T · targetSteps); the learning rate
     * by {@link LearningRate}, for ladder runs and targets alike.
     *
     * @param batchMultiple 0: batches are powers of two (steps then vary up to √2× either side of targetSteps); k &gt; 0:
     *                      multiples of k, so every run trains close to targetSteps
     */
    public record Rules(int depthDivisor, int minDepth, int headDim, int minBatch, int maxBatch, long targetSteps,
                        LearningRate lr, int batchMultiple) {}

    /**
     * The learning-rate rule: lr = coefficient · (B / batchRef)^batchExponent · (d / widthRef)^widthExponent
     * · (D / tokensRef)^tokensExponent, for batch B (sequences), width d and training tokens D. The defaults
     * (references 1, exponents ½, −1 and 0) are Marin's lr = coefficient · √B / d; a negative tokensExponent is the
     * token-horizon correction (Delphi: lr ∝ (T₀/T)^0.3), which gives a target trained 10× longer a smaller rate.
     */
    public record LearningRate(double coefficient, double batchRef, double batchExponent, double widthRef,
                               double widthExponent, double tokensRef, double tokensExponent) {

        /** Marin's rule lr = coefficient · √B / d (no token-horizon term). */
        public static LearningRate marin(double coefficient) {
            return new LearningRate(coefficient, 1, 0.5, 1, -1, 1, 0);
        }

        /** The learning rate of a run of width d, batch B sequences and D training tokens. */
        public double at(int width, int batch, long tokens) {
            double lr = scaled(coefficient, batch / batchRef, batchExponent);
            lr = scaled(lr, width / widthRef, widthExponent);
            return scaled(lr, tokens / tokensRef, tokensExponent);
        }

        /**
         * v · x^e, with the exponents of the default rule computed exactly as √x and ÷x: a ladder without a
         * token-horizon term plans the same learning rates, hence the same run keys, as before the rule had one.
         */
        private static double scaled(double v, double x, double e) {
            if (e == 0) {
                return v;
            } else if (e == 1) {
                return v * x;
            } else if (e == -1) {
                return v / x;
            } else if (e == 0.5) {
                return v * Math.sqrt(x);
            }
            return v * Math.pow(x, e);
        }
    }

    /**
     * Optimiser schedule: "cosine" or "wsd", warmup fraction, AdamW weight decay, global-norm clip, and the learning
     * rate at the last step as a fraction of the peak.
     */
    public record Schedule(String type, double warmupFraction, double weightDecay, double gradClip, double finalLrFraction) {}

    /** Evaluation settings: the held-out set's name and how many tokens each evaluation reads. */
    public record Eval(String set, long tokens) {}

    /**
     * A run the ladder is meant to predict, at {@code budget} FLOPs; with {@code width} &gt; 0 a fixed size, else the
     * compute-optimal size.
     */
    public record Target(String name, double budget, int width, String family) {}

    /** Maps a spec key (JSON pointer such as "/budgets/2") to "file:line" for error messages. */
    public interface SpecSource {
        LadderSpecException error(String pointer, String message);

        static SpecSource unnamed(String name) {
            return (pointer, message) -> new LadderSpecException(name + ": " + pointer + ": " + message);
        }
    }
}
