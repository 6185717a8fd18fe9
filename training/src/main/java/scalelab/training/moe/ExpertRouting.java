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
     * @param augmentations shortest-path moves the balanced assignment needed (0 for top-k routing)
     * @param expertBias [E] for the balanced assignment: biases β_e ≥ 0 (the LP's dual prices) such that every token's
     *                   top-k of s_te − β_e is its assigned set, up to ties; empty for top-k routing
     */
    public record Assignment(int tokens, int experts, int topK, int capacity, int[] expert, int[] slot, int[] load,
                             int[] demand, int dropped, int augmentations, double[] expertBias) {

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
            return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, 0, 0, new double[0]);
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
        return new Assignment(tokens, experts, topK, capacity, expert, slot, load, demand, dropped, 0, new double[0]);
    }

    /**
     * Balanced assignment: each token gets k distinct experts, each expert at most C = ⌈N·k/E⌉ choices, maximising the
     * total router score — a small transportation problem, solved exactly as a min-cost flow.
     *
     * <p>Start from every token's own top-k (optimal without capacities, so no move between experts has negative
     * cost), then repeatedly move one unit from an overloaded expert to an expert with room along the cheapest path in
     * the E-node graph whose edge a → b costs the least score lost by moving some token from a to b
     * (min over tokens t at a, not at b, of s_ta − s_tb; a path may displace a chain of tokens). This is successive
     * shortest paths: each augmentation keeps the partial assignment optimal for its loads, so the final one is
     * optimal. Edge costs come from one lazily-cleaned min-heap per expert pair, paths from Bellman–Ford on E nodes
     * (costs go negative once tokens have moved). Work: (total overload) × O(E³) plus heap upkeep — a few ms for
     * N = 2048, E ≤ 16 on the host; no coefficient to tune.
     *
     * <p>Scores should be router logits (or log-probabilities: a per-token constant does not change the optimum).
     *
     * @param scores [N·E] router scores, row-major
     */
    public static Assignment balanced(float[] scores, int tokens, int experts, int topK) {
        check(scores.length, tokens, experts, topK);
        int capacity = (int) Math.ceil(tokens * (double) topK / experts);
        int[] expert = new int[tokens * topK];
        int[] demand = new int[experts];
        int[] load = new int[experts];
        int[] best = new int[topK];
        for (int t = 0; t < tokens; t++) {
            topIndices(scores, t * experts, experts, topK, best);
            for (int j = 0; j < topK; j++) {
                expert[t * topK + j] = best[j];
                demand[best[j]]++;
                load[best[j]]++;
            }
        }
        MoveGraph graph = new MoveGraph(scores, tokens, experts, topK, expert);
        int augmentations = 0;
        int[] slot = new int[tokens * topK];
        while (true) {
            boolean overloaded = false;
            for (int e = 0; e < experts; e++) {
                overloaded |= load[e] > capacity;
            }
            if (!overloaded || !graph.augment(load, capacity)) {
                break;
            }
            augmentations++;
        }
        int dropped = 0;
        int[] filled = new int[experts];
        // Any overload left means no path existed (only possible for k = 2 when every token of an overloaded expert
        // already holds each expert with room): drop its lowest-scoring choices.
        long[] order = new long[expert.length];
        for (int i = 0; i < expert.length; i++) {
            order[i] = descendingKey(scores[(i / topK) * experts + expert[i]], i);
        }
        Arrays.sort(order);
        for (long key : order) {
            int i = (int) key;
            int e = expert[i];
            if (filled[e] < capacity) {
                slot[i] = e * capacity + filled[e]++;
            } else {
                slot[i] = -1;
                dropped++;
            }
        }
        return new Assignment(tokens, experts, topK, capacity, expert, slot, filled, demand, dropped, augmentations,
                graph.biases());
    }

    /** The residual graph of the assignment: which token can move from expert a to expert b, and at what cost. */
    private static final class MoveGraph {
        private final float[] scores;
        private final int experts;
        private final int topK;
        private final int[] expert;
        private final MinHeap[] heaps; // heaps[a * E + b]: tokens at a, keyed by s_ta − s_tb
        private final double[] cost;
        private final int[] mover;
        private final double[] dist;
        private final int[] pred;
        private final int[] predToken;

        MoveGraph(float[] scores, int tokens, int experts, int topK, int[] expert) {
            this.scores = scores;
            this.experts = experts;
            this.topK = topK;
            this.expert = expert;
            heaps = new MinHeap[experts * experts];
            for (int i = 0; i < heaps.length; i++) {
                heaps[i] = new MinHeap();
            }
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < topK; j++) {
                    addMoves(t, expert[t * topK + j]);
                }
            }
            cost = new double[experts * experts];
            mover = new int[experts * experts];
            dist = new double[experts];
            pred = new int[experts];
            predToken = new int[experts];
        }

        private boolean holds(int t, int e) {
            for (int j = 0; j < topK; j++) {
                if (expert[t * topK + j] == e) {
                    return true;
                }
            }
            return false;
        }

        /** Token t now sits at a: it may move from a to every expert it does not hold. */
        private void addMoves(int t, int a) {
            for (int b = 0; b < experts; b++) {
                if (!holds(t, b)) {
                    // in double: a float difference rounds, and rounded near-tie costs make negative cycles
                    heaps[a * experts + b].push((double) scores[t * experts + a] - scores[t * experts + b], t);
                }
            }
        }

        /** Cheapest valid move a → b (discarding entries made stale by earlier moves), or +∞. */
        private double edge(int a, int b) {
            MinHeap heap = heaps[a * experts + b];
            while (heap.size() > 0) {
                int t = heap.topToken();
                if (holds(t, a) && !holds(t, b)) {
                    mover[a * experts + b] = t;
                    return heap.topKey();
                }
                heap.pop();
            }
            return Double.POSITIVE_INFINITY;
        }

        /**
         * Dual prices of the final assignment: with no negative cycle left, shortest distances d from a virtual source
         * joined to every expert satisfy d_b ≤ d_a + (s_ta − s_tb) for every possible move, i.e. s_ta − β_a ≥ s_tb − β_b
         * with β = −d: each token holds its top-k of s − β. Shifted so the smallest bias is 0.
         */
        double[] biases() {
            for (int a = 0; a < experts; a++) {
                for (int b = 0; b < experts; b++) {
                    cost[a * experts + b] = a == b ? Double.POSITIVE_INFINITY : edge(a, b);
                }
                dist[a] = 0;
            }
            for (int round = 0; round < experts; round++) {
                boolean changed = false;
                for (int a = 0; a < experts; a++) {
                    for (int b = 0; b < experts; b++) {
                        double c = cost[a * experts + b];
                        if (c != Double.POSITIVE_INFINITY && dist[a] + c < dist[b] - 1e-12) {
                            dist[b] = dist[a] + c;
                            changed = true;
                        }
                    }
                }
                if (!changed) {
                    break;
                }
            }
            double[] bias = new double[experts];
            double min = Double.POSITIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                bias[e] = -dist[e];
                min = Math.min(min, bias[e]);
            }
            for (int e = 0; e < experts; e++) {
                bias[e] -= min;
            }
            return bias;
        }

        /** One unit along the cheapest path from an overloaded expert to one with room; false if none exists. */
        boolean augment(int[] load, int capacity) {
            for (int a = 0; a < experts; a++) {
                for (int b = 0; b < experts; b++) {
                    cost[a * experts + b] = a == b ? Double.POSITIVE_INFINITY : edge(a, b);
                }
                dist[a] = load[a] > capacity ? 0 : Double.POSITIVE_INFINITY;
                pred[a] = -1;
            }
            for (int round = 0; round < experts; round++) {
                boolean changed = false;
                for (int a = 0; a < experts; a++) {
                    if (dist[a] == Double.POSITIVE_INFINITY) {
                        continue;
                    }
                    for (int b = 0; b < experts; b++) {
                        double c = cost[a * experts + b];
                        if (c != Double.POSITIVE_INFINITY && dist[a] + c < dist[b] - 1e-12) {
                            dist[b] = dist[a] + c;
                            pred[b] = a;
                            predToken[b] = mover[a * experts + b];
                            changed = true;
                        }
                    }
                }
                if (!changed) {
                    break;
                }
            }
            int target = -1;
            for (int e = 0; e < experts; e++) {
                if (load[e] < capacity && dist[e] < Double.POSITIVE_INFINITY && (target < 0 || dist[e] < dist[target])) {
                    target = e;
                }
            }
            if (target < 0) {
                return false;
            }
            // Collect the path back to its overloaded start, then move tokens from the start outwards. A predecessor
            // cycle (a negative cycle left by rounding) or a start with no overload would corrupt the loads and loop
            // forever: stop instead, and let the caller drop what is left over.
            int[] path = new int[experts + 1];
            boolean[] onPath = new boolean[experts];
            int length = 0;
            int source = target;
            while (pred[source] >= 0) {
                if (onPath[source]) {
                    return false;
                }
                onPath[source] = true;
                path[length++] = source;
                source = pred[source];
            }
            if (length == 0 || load[source] <= capacity) {
                return false;
            }
            for (int i = length - 1; i >= 0; i--) {
                int b = path[i];
                move(predToken[b], pred[b], b);
            }
            load[source]--;
            load[target]++;
            return true;
        }

        private void move(int t, int from, int to) {
            for (int j = 0; j < topK; j++) {
                if (expert[t * topK + j] == from) {
                    expert[t * topK + j] = to;
                    break;
                }
            }
            addMoves(t, to);
            // The token's other experts may now move it to the expert it left.
            for (int j = 0; j < topK; j++) {
                int c = expert[t * topK + j];
                if (c != to) {
                    heaps[c * experts + from].push((double) scores[t * experts + c] - scores[t * experts + from], t);
                }
            }
        }
    }

    /** Binary min-heap of (cost, token) pairs. */
    private static final class MinHeap {
        private double[] keys = new double[16];
        private int[] tokens = new int[16];
        private int size;

        int size() {
            return size;
        }

        double topKey() {
            return keys[0];
        }

        int topToken() {
            return tokens[0];
        }

        void push(double key, int token) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                tokens = Arrays.copyOf(tokens, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (keys[parent] <= key) {
                    break;
                }
                keys[i] = keys[parent];
                tokens[i] = tokens[parent];
                i = parent;
            }
            keys[i] = key;
            tokens[i] = token;
        }

        void pop() {
            double key = keys[--size];
            int token = tokens[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && keys[child + 1] < keys[child]) {
                    child++;
                }
                if (keys[child] >= key) {
                    break;
                }
                keys[i] = keys[child];
                tokens[i] = tokens[child];
                i = child;
            }
            if (size > 0) {
                keys[i] = key;
                tokens[i] = token;
            }
        }
    }


    /** Indices of the k largest values in values[row .. row+n), descending, ties to the lower index. */
    private static void topIndices(float[] values, int row, int n, int k, int[] out) {
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
