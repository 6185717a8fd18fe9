package scalelab.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/** Bias-free GELU MLP d → d_ff → d. */
public final class DenseMlp implements FeedForward {
    private final NDArray up;
    private final NDArray down;

    /**
     * @param prefix     parameter name prefix, e.g. "layer3.mlp"
     * @param outputStd  init std of the down projection (scaled by depth, GPT-2 style)
     */
    public DenseMlp(ParameterStore params, String prefix, int dModel, int dFf, double std, double outputStd) {
        this.up = params.matrix(prefix + ".up", dFf, dModel, std);
        this.down = params.matrix(prefix + ".down", dModel, dFf, outputStd);
    }

    @Override
    public FeedForwardOutput forward(NDArray x, boolean training) {
        // activation first in every op: results land on the step's manager, not the parameters' (djl-notes pitfall 5)
        NDArray hidden = Activation.gelu(Linear.linear(x, up).singletonOrThrow());
        return FeedForwardOutput.withoutAuxLoss(Linear.linear(hidden, down).singletonOrThrow());
    }
}
