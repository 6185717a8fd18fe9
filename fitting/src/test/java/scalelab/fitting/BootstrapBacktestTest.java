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
