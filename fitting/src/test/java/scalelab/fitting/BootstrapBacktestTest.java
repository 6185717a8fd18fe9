package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BootstrapBacktestTest {
    static final List<Observation> CHINCHILLA = TestData.load("chinchilla-isoflops.csv");
    static final BudgetGrouping BUDGETS = BudgetGrouping.byLabel(CHINCHILLA);

    static Bootstrap.Result boot(Bootstrap.Resample mode, long seed) {
        return Bootstrap.run(CHINCHILLA, BUDGETS, o -> Vpnls.fit(o, Vpnls.Options.defaults()), "vpnls", mode, 100, seed, 5.76e23, 0.9);
    }

    @Test
    void bootstrapIsSeededAndCoversThePointFit() {
        Bootstrap.Result a = boot(Bootstrap.Resample.RUNS, 42), b = boot(Bootstrap.Resample.RUNS, 42), c = boot(Bootstrap.Resample.RUNS, 43);
        assertEquals(a.intervals(), b.intervals());
        assertNotEquals(a.intervals().get("alpha"), c.intervals().get("alpha"));
        assertEquals(100 - a.failures(), a.surfaces().size());
        FitResult point = Vpnls.fit(CHINCHILLA, Vpnls.Options.defaults());
        for (String k : List.of("E", "A", "B", "alpha", "beta", "a", "b", "params_opt", "tokens_opt", "loss_opt")) {
            Bootstrap.Interval i = a.intervals().get(k);
            assertTrue(i.low() <= i.median() && i.median() <= i.high(), k);
        }
        assertTrue(a.intervals().get("alpha").low() < point.surface().alpha() && point.surface().alpha() < a.intervals().get("alpha").high());
        double l = point.optimalAt(5.76e23).loss();
        assertTrue(a.intervals().get("loss_opt").low() < l && l < a.intervals().get("loss_opt").high());
    }

    @Test
    void failedAndBoundHittingReplicatesAreCountedNotHidden() {
        Bootstrap.Result none = Bootstrap.run(CHINCHILLA, BUDGETS, o -> {
            throw new FitInputException("replicate refused");
        }, "vpnls", Bootstrap.Resample.RUNS, 20, 1, 5.76e23, 0.9);
        assertTrue(none.allFailed());
        assertEquals(20, none.failures());
        assertEquals("replicate refused", none.firstFailure());
        assertTrue(Double.isNaN(none.intervals().get("loss_opt").median()));

        // A box that ends below Chinchilla's α puts every replicate on the edge: kept, and counted as unconverged.
        Vpnls.Options narrow = Vpnls.Options.defaults().withBox(0.01, 0.3, 0.01, 1.5);
        Bootstrap.Result edge = Bootstrap.run(CHINCHILLA, BUDGETS, o -> Vpnls.fit(o, narrow), "vpnls", Bootstrap.Resample.RUNS,
                20, 1, 5.76e23, 0.9);
        assertEquals(0, edge.failures());
        assertEquals(20, edge.unconverged());
        assertEquals(null, edge.firstFailure());
        Bootstrap.Result free = boot(Bootstrap.Resample.RUNS, 42);
        assertTrue(free.unconverged() < free.samples() / 10, "Chinchilla refits converge: " + free.unconverged());
    }

    @Test
    void resamplingWholeBudgetsIsWiderThanResamplingRuns() {
        Bootstrap.Result runs = boot(Bootstrap.Resample.RUNS, 1), budgets = boot(Bootstrap.Resample.BUDGETS, 1);
        Bootstrap.Interval r = runs.intervals().get("loss_opt"), b = budgets.intervals().get("loss_opt");
        assertTrue(b.high() - b.low() > r.high() - r.low(), "budgets " + b + " vs runs " + r);
    }

    @Test
    void backtestOverEveryCut() {
        Backtest.Report top = Backtest.run(CHINCHILLA, BUDGETS,
                List.of(Backtest.Method.VPNLS_MSE, Backtest.Method.APPROACH2, Backtest.Method.ASYMPTOTE_FITTED),
                Backtest.Target.TOP, Vpnls.Options.defaults(), null, 2);
        assertEquals(3 * 7, top.entries().size());
        for (Backtest.Entry e : top.entries()) {
            assertEquals(3e21, e.targetBudget());
            assertEquals(e.targetBudget() / e.cut(), e.ratio(), 1e-9);
            assertEquals(2.2057, e.observed(), 1e-4); // lowest observed loss at 3e21
            if (e.ok()) {
                assertEquals(100 * (e.predicted() - e.observed()) / e.observed(), e.relativeErrorPct(), 1e-9);
            }
        }
        // asymptote-fitted has 3 parameters: no prediction from 2 budgets, said so.
        Backtest.Entry first = top.entries().stream().filter(e -> e.method().equals("asymptote-fitted") && e.budgetsUsed() == 2).findFirst().orElseThrow();
        assertTrue(!first.ok() && first.note().startsWith("no prediction"), first.note());
        // VPNLS from 8 budgets extrapolates 3x within 2%.
        Backtest.Entry last = top.entries().stream().filter(e -> e.method().equals("vpnls-mse") && e.budgetsUsed() == 8).findFirst().orElseThrow();
        assertTrue(Math.abs(last.relativeErrorPct()) < 2, last.toString());
        // Tribuo's MAE equals the mean absolute loss error computed by hand.
        Backtest.Summary s = top.summaries().get(0);
        double mae = top.entries().stream().filter(e -> e.method().equals("vpnls-mse")).mapToDouble(e -> Math.abs(e.predicted() - e.observed())).average().orElseThrow();
        assertEquals(mae, s.maeLoss(), 1e-9);
        assertEquals(7, s.predictions());

        Backtest.Report next = Backtest.run(CHINCHILLA, BUDGETS, List.of(Backtest.Method.VPNLS_MSE), Backtest.Target.NEXT,
                Vpnls.Options.defaults(), null, 2);
        for (Backtest.Entry e : next.entries()) {
            int cut = indexOf(e.cut()), target = indexOf(e.targetBudget());
            assertEquals(cut + 1, target);
        }
    }

    static int indexOf(double c) {
        for (int i = 0; i < BUDGETS.budgets().size(); i++) {
            if (BUDGETS.budgets().get(i).compute() == c) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void asymptoteLawRecoversAKnownLaw() {
        double[] c = {1e18, 3e18, 1e19, 3e19, 1e20, 3e20};
        double[] l = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            l[i] = 1.7 + 2000 * Math.pow(c[i], -0.17);
        }
        AsymptoteLaw free = AsymptoteLaw.fitFree(c, l);
        assertEquals(1.7, free.asymptote(), 1e-4);
        assertEquals(0.17, free.exponent(), 1e-4);
        AsymptoteLaw pinned = AsymptoteLaw.fitPinned(c, l, 1.7);
        assertEquals(2000, pinned.coefficient(), 1e-6 * 2000);
        assertTrue(pinned.pinned());
        assertEquals(1.7 + 2000 * Math.pow(1e22, -0.17), pinned.at(1e22), 1e-9);
    }
}
