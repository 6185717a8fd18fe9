package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Approach 3 with Epoch AI's protocol on their full reconstruction, 5 highest losses dropped. */
class Approach3Test {
    @Test
    void reproducesEpochRefit() {
        List<Observation> obs = Approach3.dropHighestLosses(TestData.load("chinchilla-raw-with-outliers.csv"), 5);
        assertEquals(240, obs.size());
        FitResult r = Approach3.fit(obs);
        assertEquals(FitStatus.CONVERGED, r.status());
        LossSurface s = r.surface();
        assertEquals(1.8172, s.E(), 1e-3 * 1.8172);
        assertEquals(477.84, s.A(), 2e-3 * 477.84);
        assertEquals(2143.86, s.B(), 2e-3 * 2143.86);
        assertEquals(0.3473, s.alpha(), 1e-3);
        assertEquals(0.3672, s.beta(), 1e-3);
        assertEquals(1.01827e-3, r.objectiveValue(), 1e-4 * 1.01827e-3);
        assertEquals(Units.RAW, r.units());
    }

    /**
     * Issue 16: Approach 3 on a few small-budget runs converges to a runaway surface (here A ≈ 5e83, α ≈ 9.4; the issue
     * saw A = 2.49e147, α = 33.8) that used to show as CONVERGED. The optimiser did converge; the parameters are not
     * identified, and the status says so.
     */
    @Test
    void aConvergedButAbsurdSurfaceIsFlaggedUnreliable() {
        List<Observation> few = TestData.load("chinchilla-isoflops.csv").subList(0, 12);
        FitResult r = Approach3.fit(few);
        assertTrue(r.surface().alpha() > FitStatus.MAX_PLAUSIBLE_EXPONENT || r.surface().A() > FitStatus.MAX_PLAUSIBLE_COEFFICIENT,
                "the fixture still produces a runaway surface: " + r.surface());
        assertEquals(FitStatus.UNRELIABLE, r.status(), r.message());
        assertTrue(r.message().contains("do not extrapolate") && r.message().contains("α = "), r.message());
    }

    @Test
    void theIssuesSurfaceIsUnreliableAndChinchillasIsNot() {
        List<Observation> obs = TestData.load("chinchilla-isoflops.csv");
        String why = FitStatus.unreliability(new LossSurface(1.9, 2.49e147, 410, 33.8, 0.28), obs);
        assertTrue(why != null && why.contains("exponent above") && why.contains("coefficient above")
                && why.contains("A and α are not identified"), why);
        assertNull(FitStatus.unreliability(new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28), obs), "Hoffmann et al.'s fit");
        // Not identified without being large: a term that no run's loss can see.
        String unseen = FitStatus.unreliability(new LossSurface(1.9, 1e-3, 410, 1.0, 0.28), obs);
        assertTrue(unseen != null && unseen.contains("A·N^-α term"), unseen);
    }
}
