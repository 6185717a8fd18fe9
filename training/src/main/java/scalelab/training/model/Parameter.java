package scalelab.training.model;

import ai.djl.ndarray.NDArray;

/**
 * One trainable tensor of the model.
 *
 * @param name  unique, stable name (checkpoints are keyed by it)
 * @param array the values, requiring gradient
 * @param kind  what the tensor is, which decides weight decay and FLOP counting
 */
public record Parameter(String name, NDArray array, Kind kind) {

    public enum Kind {
        /** A weight matrix every token multiplies through (projections, MLP, router, untied output head). */
        MATMUL,
        /** A lookup table (token embedding, learned positions): no multiply, unless tied to the head. */
        LOOKUP,
        /** A per-feature vector (LayerNorm γ, β). */
        VECTOR
    }

    /** AdamW decays matrices only (matmul weights and lookup tables), never norm gains/biases. */
    public boolean decays() {
        return kind != Kind.VECTOR;
    }

    public long size() {
        return array.getShape().size();
    }
}
