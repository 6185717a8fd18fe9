package scalelab.training.moe;

/**
 * What the router did in one forward pass of an MoE layer, for per-step utilisation logging.
 *
 * @param choicesPerExpert (token, expert) choices each expert processed, after capacity; sums to N·k − dropped
 * @param tokens           N, tokens in the batch
 * @param topK             k
 * @param droppedFraction  fraction of the N·k choices dropped for lack of capacity (those tokens keep only the
 *                         residual path for that choice)
 * @param paddingFraction  fraction of the dispatch buffer that was padding (computed but unused: wall time, not FLOPs)
 * @param capacity         rows per expert in the dispatch buffer
 * @param balanceFactor    E·Σ_e f_e·P_e before the coefficient (1 when balanced; logged for both balancing methods)
 * @param augmentations    shortest-path moves of the balanced assignment (0 with top-k routing)
 */
public record RoutingStats(int[] choicesPerExpert, int tokens, int topK, double droppedFraction, double paddingFraction,
                           int capacity, double balanceFactor, int augmentations) {

    public RoutingStats {
        choicesPerExpert = choicesPerExpert.clone();
    }

    @Override
    public int[] choicesPerExpert() {
        return choicesPerExpert.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("shares=[");
        double[] shares = shares();
        for (int e = 0; e < shares.length; e++) {
            sb.append(e == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.3f", shares[e]));
        }
        return sb.append(String.format(java.util.Locale.ROOT,
                "] tokens=%d k=%d dropped=%.3f padding=%.3f capacity=%d balance=%.4f augmentations=%d",
                tokens, topK, droppedFraction, paddingFraction, capacity, balanceFactor, augmentations)).toString();
    }

    /** Share of the processed choices each expert took (sums to 1; 1/E each when perfectly balanced). */
    public double[] shares() {
        double total = 0;
        for (int c : choicesPerExpert) {
            total += c;
        }
        double[] shares = new double[choicesPerExpert.length];
        for (int e = 0; e < shares.length; e++) {
            shares[e] = total == 0 ? 0 : choicesPerExpert[e] / total;
        }
        return shares;
    }

    /** Smallest expert share × E: 1 when perfectly balanced, 0 when an expert is idle. */
    public double minShareTimesExperts() {
        double min = Double.POSITIVE_INFINITY;
        for (double s : shares()) {
            min = Math.min(min, s);
        }
        return min * choicesPerExpert.length;
    }

    /** Largest expert share × E: 1 when perfectly balanced, E when one expert takes everything. */
    public double maxShareTimesExperts() {
        double max = 0;
        for (double s : shares()) {
            max = Math.max(max, s);
        }
        return max * choicesPerExpert.length;
    }
}
