package scalelab.fitting;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Whether one IsoFLOP budget locates its optimum: the one test of an "interior minimum" that the ladder's shape report,
 * the forecaster's warnings and the forecast gate share. A budget has one when its lowest observed loss lies at an inner
 * size (a measured run on each side is worse) and its parabola in ln N curves upward with the vertex inside the sampled
 * sizes. Either test alone is fooled: a noisy end run can pull the vertex inside while the smallest size is still the
 * best run, and a flat, noisy curve can have its lowest run inside while the parabola's vertex lies off the grid.
 */
public final class IsoFlopMinimum {
    private IsoFlopMinimum() {}

    /** What a budget shows; {@link #INTERIOR} is the only verdict that locates the optimum. */
    public enum Verdict {
        INTERIOR("U-shaped: lowest loss inside the size range"),
        TOO_FEW_SIZES("fewer than 3 distinct sizes: no minimum can be located"),
        LOWEST_AT_SMALLEST("lowest loss at the smallest size: the sizes are too large for this budget, or the runs are under-trained"),
        LOWEST_AT_LARGEST("lowest loss at the largest size: the sizes are too small for this budget"),
        NO_CURVATURE("the parabola through the sizes does not curve upward: no minimum"),
        VERTEX_OUTSIDE("lowest run inside, but the parabola's vertex lies outside the sizes: the curve is too flat or noisy to place the optimum");

        private final String meaning;

        Verdict(String meaning) {
            this.meaning = meaning;
        }

        public String meaning() {
            return meaning;
        }

        /**
         * Whether the budget's best run has a worse run on each side, so its loss is (near) the budget's minimum; at an
         * end of the sizes the true minimum lies beyond the grid and the best run overstates it. Weaker than
         * {@link #INTERIOR}, which also places the optimum's size.
         */
        public boolean bestRunBracketed() {
            return this == INTERIOR || this == NO_CURVATURE || this == VERTEX_OUTSIDE;
        }
    }

    /** The verdict for budget {@code b} of {@code observations}. */
    public static Verdict of(List<Observation> observations, BudgetGrouping.Budget b) {
        double minN = Double.POSITIVE_INFINITY, maxN = Double.NEGATIVE_INFINITY;
        Set<Double> sizes = new HashSet<>();
        for (int i : b.members()) {
            Observation o = observations.get(i);
            sizes.add(o.params());
            minN = Math.min(minN, o.params());
            maxN = Math.max(maxN, o.params());
        }
        Observation best = b.bestRun(observations);
        double bestN = best == null ? Double.NaN : best.params();
        if (sizes.size() < Approach2.MIN_RUNS_PER_BUDGET) {
            return Verdict.TOO_FEW_SIZES;
        }
        if (bestN == minN) {
            return Verdict.LOWEST_AT_SMALLEST;
        }
        if (bestN == maxN) {
            return Verdict.LOWEST_AT_LARGEST;
        }
        BudgetParabola p = Approach2.parabola(observations, b);
        if (!p.curvaturePositive()) {
            return Verdict.NO_CURVATURE;
        }
        return p.vertexInside() ? Verdict.INTERIOR : Verdict.VERTEX_OUTSIDE;
    }

    /** The budgets of {@code grouping} without an interior minimum, in order, each with its verdict. */
    public static Map<BudgetGrouping.Budget, Verdict> lacking(List<Observation> observations, BudgetGrouping grouping) {
        Map<BudgetGrouping.Budget, Verdict> out = new LinkedHashMap<>();
        for (BudgetGrouping.Budget b : grouping.budgets()) {
            Verdict v = of(observations, b);
            if (v != Verdict.INTERIOR) {
                out.put(b, v);
            }
        }
        return out;
    }

    /** The budget's compute as printed in warnings, beside its verdict. */
    public static String describe(BudgetGrouping.Budget b, Verdict v) {
        return String.format(Locale.ROOT, "%.3e (%s)", b.compute(), v.meaning());
    }
}
