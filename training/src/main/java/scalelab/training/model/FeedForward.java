package scalelab.training.model;

import ai.djl.ndarray.NDArray;

/**
 * The feed-forward half of a transformer block: the dense GELU MLP, or a mixture-of-experts layer. Built by
 * {@link FeedForwardFactory} from the model config; its parameters live in the model's {@link ParameterStore}.
 */
public interface FeedForward {

    /**
     * @param x        normalised block input [B, T, d]
     * @param training true for an optimiser step; false for evaluation, where routing must be causal (each token
     *                 routed on its own, never by a batch-level assignment that later positions take part in)
     * @return the output [B, T, d] and, for layers that balance load, an auxiliary loss scalar added to the LM loss
     */
    FeedForwardOutput forward(NDArray x, boolean training);

    /** Share of routed token-slots each expert received in the last training forward pass (sums to 1); empty for a dense MLP. */
    default double[] expertTokenShares() {
        return new double[0];
    }

    /**
     * Non-trainable state that must survive a checkpoint for resumption to be exact (MoE quantile balancing's
     * per-expert routing biases β); empty when there is none.
     */
    default double[] routingState() {
        return new double[0];
    }

    /** Restores what {@link #routingState()} returned. */
    default void restoreRoutingState(double[] state) {
        if (state.length != 0) {
            throw new IllegalArgumentException("this feed-forward layer has no routing state, got " + state.length + " values");
        }
    }
}
