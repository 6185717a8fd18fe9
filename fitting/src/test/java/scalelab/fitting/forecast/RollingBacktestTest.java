package scalelab.fitting.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.Observation;
import scalelab.fitting.TestData;
import scalelab.fitting.Vpnls;

class RollingBacktestTest {
    private static final List<Observation> CHINCHILLA = TestData.load("chinchilla-isoflops.csv").stream()
            .sorted(Observation.CANONICAL_ORDER).toList();
    private static final Ladder LADDER = new Ladder(CHINCHILLA, BudgetGrouping.byLabel(CHINCHILLA));

    @Test
    void everyCutForecastsTheLargestBudgetAndIsJudgedAgainstItsLowestRun() {
        List<RollingBacktest.Entry> top = RollingBacktest.run(LADDER, List.of(PanelMethods.byName("vpnls-mse", null),
                PanelMethods.byName("approach2", null), PanelMethods.byName("asymptote-fitted", null)), RollingBacktest.Mode.TOP, 2);
        assertEquals(3 * 7, top.size(), "three methods, cuts at budgets 2 … 8 of 9");
        for (RollingBacktest.Entry e : top) {
            assertEquals(3e21, e.target());
            assertEquals(e.target() / e.cut(), e.ratio(), 1e-9);
            assertEquals(2.2057, e.observed(), 1e-4); // the lowest observed loss at 3e21
            if (e.ok()) {
                assertEquals(100 * (e.predicted() - e.observed()) / e.observed(), e.relativeErrorPct(), 1e-9);
            }
        }
        // the free-asymptote law has 3 parameters: no forecast from 2 budgets' vertices, and the entry says why
        RollingBacktest.Entry first = top.stream().filter(e -> e.method().equals("asymptote-fitted") && e.cutIndex() == 1).findFirst().orElseThrow();
        assertTrue(!first.ok() && first.note().startsWith("no forecast") && first.note().contains("needs at least 3 budgets"), first.note());
        // the forecast is VPNLS refitted on the budgets up to the cut, its optimum sought in the ladder's FLOP labels
        RollingBacktest.Entry last = top.stream().filter(e -> e.method().equals("vpnls-mse") && e.cutIndex() == 7).findFirst().orElseThrow();
        List<scalelab.fitting.Observation> upTo = LADDER.upTo(7).observations();
        double direct = scalelab.fitting.FlopConvention.measure(upTo)
                .optimalAt(Vpnls.fit(upTo, Vpnls.Options.defaults()).surface(), 3e21).loss();
        assertEquals(direct, last.predicted(), 1e-12);
        assertTrue(Math.abs(last.relativeErrorPct()) < 2, "VPNLS from 8 budgets extrapolates 3× within 2%: " + last);
    }

    @Test
    void nextAndAllModesHoldOutTheBudgetsTheySay() {
        List<RollingBacktest.Entry> next = RollingBacktest.run(LADDER, List.of(PanelMethods.byName("vpnls-mse", null)),
                RollingBacktest.Mode.NEXT, 2);
        assertEquals(7, next.size());
        for (RollingBacktest.Entry e : next) {
            assertEquals(LADDER.budget(e.cutIndex() + 1), e.target());
        }
        List<RollingBacktest.Entry> all = RollingBacktest.run(LADDER, List.of(PanelMethods.byName("approach2", null)),
                RollingBacktest.Mode.ALL, 3);
        assertEquals(6 + 5 + 4 + 3 + 2 + 1, all.size(), "cuts at budgets 3 … 8, each forecasting every larger budget");
    }
}
