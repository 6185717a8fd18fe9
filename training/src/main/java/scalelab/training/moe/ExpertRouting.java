package scalelab.training.moe;

import java.util.Arrays;

/**
 * Discrete routing decisions of an MoE layer, computed on the host from the router's outputs (a few thousand tokens ×
 * a handful of experts per batch: cheap next to the expert matrix multiplies, and the balanced assignment is a
 * sequential algorithm that no tensor op expresses).
 *
 * <p>Every result places each kept (token, expert) pair in a slot of a dense dispatch buffer of {@code experts ×
 * capacity} rows, expert {@code e} owning rows {@code [e·capacity, (e+1)·capacity)}, so the experts run as one batched
 * matrix multiply.
 */
public final class ExpertRouting {

    /** Price iterations of the balanced assignment before falling back to the greedy repair. */
    static final int MAX_PRICE_ROUNDS = 50;
    private static final double PRICE_TOLERANCE = 1e-7;

    private ExpertRouting() {
    }

    /**
     * The routing of one batch.
     *
     * @param tokens   N
     * @param experts  E
     * @param topK     k
     * @param capacity rows per expert in the dispatch buffer
     * @param expert   [N·k] expert chosen for token t's j-th choice, at {@code t·k + j} (also for dropped choices:
     *                 the gate value is still read from it)
     * @param slot     [N·k] dispatch-buffer row of that choice, or -1 when it was dropped (over capacity)
     * @param load     [E] choices each expert processes (after capacity)
     * @param demand   [E] choices each expert received before capacity (the f_e of the auxiliary loss)
     * @param dropped  number of dropped choices
     * @param priceRounds price iterations the balanced assignment used (0 for top-k routing)
     */
    public record Assignment(int tokens, int experts, int topK, int capacity, int[] expert, int[] slot, int[] load,
                             int[] demand, int dropped, int priceRounds) {

        /** Token index feeding each dispatch-buffer row (padding rows read token 0; their output is never used). */
        public long[] dispatchTokens() {
            long[] rows = new long[experts * capacity];
            for (int i = 0; i < slot.length; i++) {
                if (slot[i] >= 0) {
                    rows[slot[i]] = i / topK;
                }
            }
            return rows;
        }

        /** Buffer row of every choice, dropped choices pointing at row {@code experts·capacity} (a zero row). */
        public long[] combineRows() {
            long[] rows = new long[slot.length];
            long zeroRow = (long) experts * capacity;
            for (int i = 0; i < slot.length; i++) {
                rows[i] = slot[i] >= 0 ? slot[i] : zeroRow;
            }
            return rows;
        }

        /** Fraction of the N·k choices dropped for lack of capacity. */
        public double droppedFraction() {
            return dropped / (double) (tokens * topK);
        }

        /** Fraction of dispatch-buffer rows that are padding (computed but unused). */
        public double paddingFraction() {
            long rows = (long) experts * capacity;
            return rows == 0 ? 0 : (rows - (tokens * (long) topK - dropped)) / (double) rows;
        }
    }

    /**
     * Top-k routing by router probability. With {@code capacityFactor > 0} each expert takes at most
     * ⌈capacityFactor·N·k/E⌉ choices: first choices before second choices, and within a rank the most confident tokens
     * first (batch-prioritised routing, so what is dropped does not depend on a token's position in the batch). With
     * {@code capacityFactor == 0} (dropless) the capacity is the largest load and nothing is dropped.
     *
     * @param probs [N·E] router probabilities, row-major
     */
    public static Assignment topK(float[] probs, int tokens, int experts, int topK, double capacityFactor) {
        check(probs.length, tokens, experts, topK);
        int[] expert = new int[tokens * topK];
        int[] demand = new int[experts];
        int[] best = new int[topK];
        for (int t = 0; t < tokens; t++) {
            topIndices(probs, t * experts, experts, topK, best);
            for (int j = 0; j < topK; j++) {
                expert[t * topK + j] = best[j];
                demand[best[j]]++;
            }
        }
        int[] slot = new int[tokens * topK];
        int[] load = new int[experts];
        if (capacityFactor == 0) {
            int capacity = Arrays.stream(demand).max().orElse(1);
            for (int i = 0; i < expert.length; i++) {
                slot[i] = expert[i] * capacity + load[expert[i]]++;
            }
            return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, 0, 0);
        }
        int capacity = Math.max(1, (int) Math.ceil(capacityFactor * tokens * topK / experts));
        int dropped = 0;
        long[] order = new long[tokens];
        for (int j = 0; j < topK; j++) {
            for (int t = 0; t < tokens; t++) {
                order[t] = descendingKey(probs[t * experts + expert[t * topK + j]], t);
            }
            Arrays.sort(order);
            for (long key : order) {
                int i = (int) key * topK + j;
                int e = expert[i];
                if (load[e] < capacity) {
                    slot[i] = e * capacity + load[e]++;
                } else {
                    slot[i] = -1;
                    dropped++;
                }
            }
        }
        return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, dropped, 0);
    }

    /**
     * Balanced assignment: each token gets k distinct experts, each expert at most C = ⌈N·k/E⌉ tokens, maximising the
     * total router score. This is a transportation LP; its dual has one price λ_e ≥ 0 per expert and, at the optimum,
     * every token takes the k experts with the highest reduced score s_te − λ_e. We solve the dual by exact coordinate
     * minimisation: with the other prices fixed, expert e's demand is the number of tokens whose margin
     * s_te − (k-th best reduced score among the other experts) exceeds λ_e, so its optimal price is the C-th largest
     * margin — a quantile, hence the name. A few sweeps converge on router scores (continuous, untied); any residual
     * overload (ties, or the sweep cap) is removed by a greedy repair that keeps an expert's highest reduced scores and
     * gives displaced choices to the token's best expert with room. O(rounds·N·E²) on the host, no coefficient.
     *
     * <p>Scores should be the router logits (or log-probabilities: a per-token constant does not change the optimum).
     *
     * @param scores [N·E] router scores, row-major
     */
    public static Assignment balanced(float[] scores, int tokens, int experts, int topK) {
        check(scores.length, tokens, experts, topK);
        int capacity = (int) Math.ceil(tokens * (double) topK / experts);
        double[] price = new double[experts];
        double[] margin = new double[tokens];
        double[] top = new double[topK];
        int rounds = 0;
        if (topK < experts) {
            for (rounds = 1; rounds <= MAX_PRICE_ROUNDS; rounds++) {
                double change = 0;
                for (int e = 0; e < experts; e++) {
                    for (int t = 0; t < tokens; t++) {
                        margin[t] = scores[t * experts + e] - kthBestReducedExcluding(scores, t * experts, experts, price, e, top);
                    }
                    double next = quantilePrice(margin, capacity);
                    change = Math.max(change, Math.abs(next - price[e]));
                    price[e] = next;
                }
                if (change < PRICE_TOLERANCE) {
                    break;
                }
            }
            rounds = Math.min(rounds, MAX_PRICE_ROUNDS);
        }
        return assignByPrices(scores, tokens, experts, topK, capacity, price, rounds);
    }

    /** Every token takes its top-k reduced scores; overloaded experts keep their best, the rest move or drop. */
    private static Assignment assignByPrices(float[] scores, int tokens, int experts, int topK, int capacity,
                                             double[] price, int rounds) {
        double[] reduced = new double[tokens * experts];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) {
                reduced[t * experts + e] = scores[t * experts + e] - price[e];
            }
        }
        int[] expert = new int[tokens * topK];
        int[] demand = new int[experts];
        int[] best = new int[topK];
        for (int t = 0; t < tokens; t++) {
            topIndices(reduced, t * experts, experts, topK, best);
            for (int j = 0; j < topK; j++) {
                expert[t * topK + j] = best[j];
                demand[best[j]]++;
            }
        }
        int[] slot = new int[tokens * topK];
        int[] load = new int[experts];
        boolean overloaded = Arrays.stream(demand).anyMatch(n -> n > capacity);
        if (!overloaded) {
            for (int i = 0; i < expert.length; i++) {
                slot[i] = expert[i] * capacity + load[expert[i]]++;
            }
            return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, 0, rounds);
        }
        // Repair: keep choices by descending reduced score while the expert has room.
        long[] order = new long[expert.length];
        for (int i = 0; i < expert.length; i++) {
            order[i] = descendingKey(reduced[(i / topK) * experts + expert[i]], i);
        }
        Arrays.sort(order);
        Arrays.fill(slot, -1);
        for (long key : order) {
            int i = (int) key;
            int e = expert[i];
            if (load[e] < capacity) {
                slot[i] = e * capacity + load[e]++;
            }
        }
        int dropped = 0;
        for (int i = 0; i < expert.length; i++) {
            if (slot[i] >= 0) {
                continue;
            }
            int t = i / topK;
            int alternative = -1;
            for (int e = 0; e < experts; e++) {
                if (load[e] < capacity && !usesExpert(expert, slot, t, topK, e)
                        && (alternative < 0 || reduced[t * experts + e] > reduced[t * experts + alternative])) {
                    alternative = e;
                }
            }
            if (alternative >= 0) {
                expert[i] = alternative;
                slot[i] = alternative * capacity + load[alternative]++;
            } else {
                dropped++; // only room left is at an expert this token already uses
            }
        }
        return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, dropped, rounds);
    }

    private static boolean usesExpert(int[] expert, int[] slot, int token, int topK, int e) {
        for (int j = 0; j < topK; j++) {
            int i = token * topK + j;
            if (slot[i] >= 0 && expert[i] == e) {
                return true;
            }
        }
        return false;
    }

    /** Smallest price ≥ 0 at which at most {@code capacity} margins exceed it (midway between neighbours). */
    private static double quantilePrice(double[] margin, int capacity) {
        int n = margin.length;
        if (n <= capacity) {
            return 0;
        }
        double[] work = margin.clone();
        // After selection, work[capacity - 1] is the capacity-th largest and everything after it is <= it.
        selectDescending(work, capacity - 1);
        double kth = work[capacity - 1];
        double next = Double.NEGATIVE_INFINITY;
        for (int i = capacity; i < n; i++) {
            next = Math.max(next, work[i]);
        }
        double p = 0.5 * (kth + next);
        return p > 0 ? p : 0;
    }

    /** Hoare quickselect: puts the (index+1)-th largest at {@code index}, larger before, smaller-or-equal after. */
    static void selectDescending(double[] a, int index) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            double pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    double tmp = a[i];
                    a[i] = a[j];
                    a[j] = tmp;
                    i++;
                    j--;
                }
            }
            if (index <= j) {
                hi = j;
            } else if (index >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    /** k-th largest of scores[row + j] − price[j] over j ≠ excluded; {@code top} is scratch of length k. */
    private static double kthBestReducedExcluding(float[] scores, int row, int experts, double[] price, int excluded, double[] top) {
        int k = top.length;
        Arrays.fill(top, Double.NEGATIVE_INFINITY);
        for (int j = 0; j < experts; j++) {
            if (j == excluded) {
                continue;
            }
            double v = scores[row + j] - price[j];
            if (v > top[k - 1]) {
                int p = k - 1;
                while (p > 0 && top[p - 1] < v) {
                    top[p] = top[p - 1];
                    p--;
                }
                top[p] = v;
            }
        }
        return top[k - 1];
    }

    /** Indices of the k largest values in values[row .. row+n), descending, ties to the lower index. */
    private static void topIndices(float[] values, int row, int n, int k, int[] out) {
        topIndices(i -> values[row + i], n, k, out);
    }

    private static void topIndices(double[] values, int row, int n, int k, int[] out) {
        topIndices(i -> values[row + i], n, k, out);
    }

    private static void topIndices(java.util.function.IntToDoubleFunction value, int n, int k, int[] out) {
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (contains(out, j, i)) {
                    continue;
                }
                if (best < 0 || value.applyAsDouble(i) > value.applyAsDouble(best)) {
                    best = i;
                }
            }
            out[j] = best;
        }
    }

    private static boolean contains(int[] a, int length, int v) {
        for (int i = 0; i < length; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    /** Sort key putting larger values first, ties by ascending index (values may be negative). */
    private static long descendingKey(double value, int index) {
        // Map to an unsigned-order-preserving int: flip sign bit for positives, all bits for negatives.
        int f = Float.floatToIntBits((float) value);
        int ordered = f >= 0 ? f : f ^ 0x7fffffff;
        long descending = -(long) ordered;
        return (descending << 32) | (index & 0xffffffffL);
    }

    private static void check(int length, int tokens, int experts, int topK) {
        if (tokens < 1 || experts < 2 || topK < 1 || topK > experts) {
            throw new IllegalArgumentException("routing needs tokens >= 1, experts >= 2 and 1 <= top_k <= experts, got "
                    + tokens + ", " + experts + ", " + topK);
        }
        if (length != tokens * experts) {
            throw new IllegalArgumentException("router output has " + length + " values, expected tokens*experts = " + tokens * experts);
        }
    }
}
