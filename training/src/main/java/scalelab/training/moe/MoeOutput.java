package scalelab.training.moe;

import ai.djl.ndarray.NDArray;

/**
 * One forward pass of {@link MoeFeedForward}. Both arrays live on the input's manager.
 *
 * @param output  [.., d] the expert mixture (the MLP branch only: the caller adds the residual, so a dropped token
 *                passes through on the residual alone)
 * @param auxLoss scalar to add to the LM loss: coefficient · E·Σ_e f_e·P_e with AUX balancing, 0 with QUANTILE
 * @param stats   routing statistics of this pass
 */
public record MoeOutput(NDArray output, NDArray auxLoss, RoutingStats stats) {
}
