package scalelab.training.moe;

/** How an MoE layer keeps its experts evenly loaded. */
public enum Balancing {
    /** Switch-Transformer auxiliary loss E·Σ_e f_e·P_e (times a coefficient) added to the LM loss; top-k routing. */
    AUX,
    /** Per-batch balanced assignment (every expert gets ⌈k·tokens/E⌉ slots at most), no coefficient to tune. */
    QUANTILE;

    /** Parses the {@code RunSpec.balance()} spelling: "aux" or "quantile". */
    public static Balancing parse(String name) {
        if ("aux".equals(name)) {
            return AUX;
        }
        if ("quantile".equals(name)) {
            return QUANTILE;
        }
        throw new IllegalArgumentException("MoE balance must be aux or quantile, got " + name);
    }
}
