package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Units;

class GranularityLawFitterTest {

    /** Krajewski-shaped law: finer experts (larger G) lower the N term. */
    static final GranularityLaw TRUE_LAW = new GranularityLaw(Units.MILLIONS_BILLIONS, 1.6, 1.2, 1.3, 1.5, 0.30, 0.27, 0.6);

    static List<MoeObservation> ladder() {
        return SyntheticMoeLadder.ladder(new int[] {1, 16}, 2, new double[] {1.0, 2.0, 4.0, 8.0},
                t -> t.isDense() ? 3.0 : TRUE_LAW.loss(t.activeParams(), t.tokens(), t.granularity()), 0, 7);
    }

    @Test
    void recoversGranularityLawIgnoringDenseRuns() {
        GranularityLawFitter.GranularityFit fit = GranularityLawFitter.defaults().fit(ladder());
        System.out.println(fit.describe());
        assertEquals(FitStatus.CONVERGED, fit.status(), fit.message());
        assertEquals(80, fit.observationCount());
        GranularityLaw l = fit.law();
        assertEquals(TRUE_LAW.alpha(), l.alpha(), 1e-3);
        assertEquals(TRUE_LAW.beta(), l.beta(), 1e-3);
        assertEquals(TRUE_LAW.gamma(), l.gamma(), 1e-3);
        assertEquals(TRUE_LAW.g(), l.g(), 1e-2 * TRUE_LAW.g());
        assertEquals(TRUE_LAW.c(), l.c(), 1e-3);
        MoeTarget target = new MoeTarget(16, 2, 16.0, 3e8, 6e9);
        double truth = TRUE_LAW.loss(3e8, 6e9, 16.0);
        assertEquals(truth, fit.predict(target), 1e-4 * truth);
        var e = assertThrows(IllegalArgumentException.class, () -> fit.predict(new MoeTarget(1, 1, 1.0, 3e8, 6e9)));
        assertTrue(e.getMessage().contains("experts=16"), e.getMessage());
    }

    @Test
    void needsSeveralGranularitiesAtOneExpertCount() {
        List<MoeObservation> oneG = ladder().stream().filter(r -> r.granularity() == 1.0).toList();
        var e1 = assertThrows(IllegalArgumentException.class, () -> GranularityLawFitter.defaults().fit(oneG));
        assertTrue(e1.getMessage().contains("two or more granularities"), e1.getMessage());
        List<MoeObservation> twoE = new java.util.ArrayList<>(ladder());
        twoE.add(MoeObservation.moe(1e7, 5e7, 1e9, 3.0, 8, 2, "moe8"));
        var e2 = assertThrows(IllegalArgumentException.class, () -> GranularityLawFitter.defaults().fit(twoE));
        assertTrue(e2.getMessage().contains("experts=[8, 16]"), e2.getMessage());
    }
}
