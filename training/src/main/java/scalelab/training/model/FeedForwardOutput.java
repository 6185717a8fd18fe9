package scalelab.training.model;

import ai.djl.ndarray.NDArray;

/**
 * @param output  [B, T, d]
 * @param auxLoss scalar auxiliary loss to add to the LM loss (already scaled by its coefficient), or null when the
 *                layer has none (dense MLP, quantile balancing)
 */
public record FeedForwardOutput(NDArray output, NDArray auxLoss) {

    public static FeedForwardOutput withoutAuxLoss(NDArray output) {
        return new FeedForwardOutput(output, null);
    }
}
