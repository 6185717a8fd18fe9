package scalelab.training.model;

import ai.djl.ndarray.NDArray;

/**
 * The feed-forward half of a transformer block: the dense GELU MLP, or a mixture-of-experts layer. Built by
 * {@link FeedForwardFactory} from the model config; its parameters live in the model's {@link ParameterStore}.
 */
public interface FeedForward {

    /**
     * @param x normalised block input [B, T, d]
     * @return the output [B, T, d] and, for layers that balance load, an auxiliary loss scalar added to the LM loss
     */
    FeedForwardOutput forward(NDArray x);

    /** Share of routed token-slots each expert received in the last forward pass (sums to 1); empty for a dense MLP. */
    default double[] expertTokenShares() {
        return new double[0];
    }
}
