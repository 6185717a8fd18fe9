package scalelab.fitting.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.Observation;

/** asymptote-recent: Marin's law on each budget's best run, over the top decade of budgets only. */
class RecentMinimaLawTest {
    private static double law(double c) {
        return 1.8 + 900 * Math.pow(c, -0.15);
    }

    /**
     * Budgets ×2 apart; each has 3 runs whose best loss is {@code law(C)·factor(C)}, the other two higher on one side
     * only (an asymmetric IsoFLOP curve, whose parabola vertex falls below the best run).
     */
    private static Ladder ladder(double[] budgets, java.util.function.DoubleUnaryOperator factor) {
        List<Observation> obs = new ArrayList<>();
        for (double c : budgets) {
            double nStar = Math.sqrt(c / 120);
            double best = law(c) * factor.applyAsDouble(c);
            double[] n = {nStar, 2 * nStar, 4 * nStar};
            double[] l = {best, best * 1.002, best * 1.03};
            for (int i = 0; i < 3; i++) {
                obs.add(Observation.inBudget(n[i], c / (6 * n[i]), c, l[i]));
            }
        }
        return new Ladder(obs, BudgetGrouping.byLabel(obs));
    }

    private static double[] budgets(int k) {
        double[] b = new double[k];
        for (int i = 0; i < k; i++) {
            b[i] = 1e17 * Math.pow(2, i);
        }
        return b;
    }

    @Test
    void itFollowsTheBestRunsOfTheTopDecadeAndIgnoresBudgetsBelowIt() {
        double[] b = budgets(8); // 1e17 … 1.28e19: the top decade holds 1.6e18 … 1.28e19 (4 budgets)
        ForecastMethod m = PanelMethods.byName("asymptote-recent", null);
        double clean = m.fit(ladder(b, c -> 1)).optimalLoss(1e20);
        assertEquals(law(1e20), clean, 1e-6 * law(1e20), "the best runs lie on the law: it is recovered");
        // Budgets more than a decade below the largest fall much faster (short runs): no change to the forecast ...
        double steep = m.fit(ladder(b, c -> c < 1.28e18 ? 1.3 : 1)).optimalLoss(1e20);
        assertEquals(clean, steep, 1e-9 * clean);
        // ... while the law fitted to every budget's vertex is pulled off it.
        double all = PanelMethods.byName("asymptote-fitted", null).fit(ladder(b, c -> c < 1.28e18 ? 1.3 : 1)).optimalLoss(1e20);
        assertTrue(Math.abs(all - law(1e20)) > 0.01 * law(1e20), "vertex law on all budgets: " + all + " vs " + law(1e20));
    }

    @Test
    void aSparseTopDecadeReachesDownToTheThreeLargestBudgetsAndTwoBudgetsAreAClearError() {
        double[] b = {1e15, 1e16, 1e17, 2e18, 1e19}; // the top decade (1e18 … 1e19) holds 2: 1e17 joins them
        ForecastMethod m = PanelMethods.byName("asymptote-recent", null);
        ForecastMethod.Fitted f = m.fit(ladder(b, c -> c < 1e17 ? 1.3 : 1));
        assertEquals(law(1e20), f.optimalLoss(1e20), 1e-6 * law(1e20), "fitted on 1e17, 2e18, 1e19 only");
        assertTrue(f.note().contains("interpolates"), f.note());
        FitInputException e = assertThrows(FitInputException.class, () -> m.fit(ladder(new double[] {1e18, 1e19}, c -> 1)));
        assertTrue(e.getMessage().contains("needs at least 3 budgets") && e.getMessage().contains("has 2"), e.getMessage());
    }

    @Test
    void itIsInTheDefaultPanelAndStatesItsWindow() {
        ForecastMethod m = PanelMethods.defaultPanel(null, false).stream().filter(x -> x.name().equals("asymptote-recent"))
                .findFirst().orElseThrow();
        assertTrue(!m.hasSurface() && m.forComputeOptimal());
        assertTrue(m.assumptions().contains("best run") && m.assumptions().contains("1.0 decade") && m.assumptions().contains("3 largest"), m.assumptions());
    }
}
