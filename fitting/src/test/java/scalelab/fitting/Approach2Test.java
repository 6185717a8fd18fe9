package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Approach 2's bias on noise-free synthetic data, against VPNLS, and its diagnostics. */
class Approach2Test {
    static final LossSurface CHINCHILLA_PAPER = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
    static final double[] BUDGETS = {6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21};

    static List<Observation> ladder(double width, double offset, double drift) {
        return IsoFlopSimulator.sample(CHINCHILLA_PAPER, new IsoFlopSimulator.Design(BUDGETS, 15, width, offset, drift, 0, 1));
    }

    @Test
    void noiseFreeSixteenFoldGridVpnlsExactApproach2Biased() {
        List<Observation> obs = ladder(16, 0, 0);
        LossSurface v = Vpnls.fit(obs, Vpnls.Options.defaults()).surface();
        LossSurface t = CHINCHILLA_PAPER;
        assertEquals(t.E(), v.E(), 1e-3 * t.E());
        assertEquals(t.A(), v.A(), 1e-3 * t.A());
        assertEquals(t.B(), v.B(), 1e-3 * t.B());
        assertEquals(t.alpha(), v.alpha(), 1e-3 * t.alpha());
        assertEquals(t.beta(), v.beta(), 1e-3 * t.beta());

        FitResult a2 = Approach2.fit(obs, BudgetGrouping.byLabel(obs));
        // Intercept error: N* predicted at the middle budget vs the truth (~4% per Czech et al. 2026 at ±16×).
        double c = 1e20;
        double interceptError = Math.abs(a2.optimalAt(c).params() / t.optimalAt(c).params() - 1);
        double exponentError = Math.abs(a2.paramsExponent() - t.paramsExponent());
        assertTrue(interceptError > 0.01 || exponentError > 0.005,
                "Approach 2 should be measurably off: intercept " + interceptError + ", exponent " + exponentError);
        assertTrue(interceptError > 0.01, "intercept error " + interceptError);
        assertTrue(a2.warnings().stream().anyMatch(w -> w.contains("likely biased") && w.contains("decades")), a2.warnings().toString());
        // VPNLS on the same data is essentially exact at that budget.
        double vpnlsError = Math.abs(Vpnls.fit(obs, Vpnls.Options.defaults()).optimalAt(c).params() / t.optimalAt(c).params() - 1);
        assertTrue(vpnlsError < 1e-3, "VPNLS N* error " + vpnlsError);
    }

    @Test
    void narrowCentredGridIsMuchLessBiasedAndNotWarned() {
        List<Observation> obs = ladder(2, 0, 0);
        FitResult a2 = Approach2.fit(obs, BudgetGrouping.byLabel(obs));
        double err = Math.abs(a2.optimalAt(1e20).params() / CHINCHILLA_PAPER.optimalAt(1e20).params() - 1);
        assertTrue(err < 0.01, "±2× grid intercept error " + err);
        assertTrue(a2.warnings().stream().noneMatch(w -> w.contains("likely biased")), a2.warnings().toString());
        for (BudgetParabola p : a2.approach2().budgets()) {
            assertTrue(p.curvaturePositive() && p.vertexInside() && p.used());
            assertEquals(Math.log10(4), p.widthDecades(), 1e-9);
            assertTrue(Math.abs(p.offCentre()) < 0.1);
        }
    }

    @Test
    void offCentreAndDriftingDesignsAreDiagnosed() {
        List<Observation> off = ladder(4, 0.25, 0);
        FitResult a = Approach2.fit(off, BudgetGrouping.byLabel(off));
        assertTrue(a.warnings().stream().anyMatch(w -> w.contains("off the grid centre")), a.warnings().toString());
        List<Observation> drift = ladder(4, -0.15, 0.1);
        FitResult d = Approach2.fit(drift, BudgetGrouping.byLabel(drift));
        assertTrue(d.warnings().stream().anyMatch(w -> w.contains("drifts")), d.warnings().toString());
    }

    @Test
    void budgetWithTooFewRunsNamesItsFirstRun() {
        List<Observation> obs = new ArrayList<>(ladder(4, 0, 0));
        obs.add(Observation.inBudget(1e9, 1e10, 6e19 * 1.5, 2.5));
        obs.add(Observation.inBudget(2e9, 0.5e10, 6e19 * 1.5, 2.5));
        FitInputException e = assertThrows(FitInputException.class, () -> Approach2.fit(obs, BudgetGrouping.byLabel(obs)));
        assertEquals(obs.size() - 2, e.observationIndex());
        assertTrue(e.getMessage().contains("parabola needs at least 3"), e.getMessage());
    }

    @Test
    void realChinchillaBudgetWithVertexOutsideIsExcludedAndReported() {
        List<Observation> obs = TestData.load("chinchilla-isoflops.csv");
        FitResult a2 = Approach2.fit(obs, BudgetGrouping.byLabel(obs));
        BudgetParabola b1e20 = a2.approach2().budgets().stream().filter(p -> p.compute() == 1e20).findFirst().orElseThrow();
        assertFalse(b1e20.vertexInside());
        assertFalse(b1e20.used());
        assertTrue(a2.warnings().stream().anyMatch(w -> w.contains("1.000e+20") && w.contains("outside")));
        // The data directory's README fits put a = β/(α+β) above ½ on this reconstruction (0.527 least squares, 0.525
        // Huber, 0.514 Epoch's refit): N* grows faster than D*. Approach 2 lands on the same side, a = 0.510, b = 0.490 —
        // the paper's own Approach 2 numbers swapped (a = 0.49, b = 0.51 on the original runs). Each exponent is checked
        // on its own, closely enough (±0.005) that a and b exchanged fail.
        assertEquals(0.510, a2.paramsExponent(), 0.005, "a in N* ∝ C^a");
        assertEquals(0.490, a2.tokensExponent(), 0.005, "b in D* ∝ C^b");
        assertTrue(a2.paramsExponent() > a2.tokensExponent(), "a > b, as the README's surface fits imply");
    }

    @Test
    void groupingByClusteringRecoversTheLabelledBudgets() {
        for (String f : List.of("chinchilla-isoflops.csv", "fineweb-c4-isoflops.csv")) {
            assertClusteringMatchesLabels(TestData.load(f));
        }
    }

    static void assertClusteringMatchesLabels(List<Observation> obs) {
        List<Observation> unlabelled = obs.stream().map(o -> Observation.of(o.params(), o.tokens(), o.loss())).toList();
        BudgetGrouping clustered = BudgetGrouping.cluster(unlabelled, BudgetGrouping.DEFAULT_GAP_DECADES);
        BudgetGrouping labelled = BudgetGrouping.byLabel(obs);
        assertEquals(labelled.budgets().size(), clustered.budgets().size());
        for (int i = 0; i < labelled.budgets().size(); i++) {
            assertEquals(new java.util.HashSet<>(labelled.budgets().get(i).members()),
                    new java.util.HashSet<>(clustered.budgets().get(i).members()));
            assertEquals(labelled.budgets().get(i).compute(), clustered.budgets().get(i).compute(), 0.1 * labelled.budgets().get(i).compute());
        }
    }
}
