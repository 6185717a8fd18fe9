package scalelab.training.model;

import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;

/**
 * THE place where a block's feed-forward layer is built from the config: the dense GELU MLP, or (experts > 1) the
 * mixture-of-experts layer of {@code scalelab.training.moe}. Everything else (model, trainer, checkpoints, FLOP
 * accounting, listeners) is agnostic: it sums {@link FeedForwardOutput#auxLoss()} into the loss and reports
 * {@link FeedForward#expertTokenShares()}.
 */
public final class FeedForwardFactory {
    private FeedForwardFactory() {}

    /** Whether this build can construct the feed-forward layer {@code spec} asks for (MoE: top-1 or top-2 routing). */
    public static boolean supports(RunSpec spec) {
        return !spec.model().isMoe() || spec.model().topK() <= 2;
    }

    /**
     * @param layer     block index (parameter names are "layer{i}.mlp.*")
     * @param std       init std of input-side matrices
     * @param outputStd init std of output-side matrices (residual projections)
     */
    public static FeedForward create(RunSpec spec, ParameterStore params, int layer, double std, double outputStd) {
        ModelConfig model = spec.model();
        String prefix = "layer" + layer + ".mlp";
        if (model.isMoe()) {
            // router, experts, aux/quantile balancing from spec.balance(), spec.capacityFactor(), spec.auxLossCoef()
            return new MoeMlp(spec, params, prefix, std, outputStd);
        }
        return new DenseMlp(params, prefix, model.dModel(), model.dFf(), std, outputStd);
    }
}
