package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.FitStatus;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Units;

class SharedExponentFitterTest {

    /** Dense surface in normalised units (N/1e6, D/1e9). */
    static final LossSurface DENSE = new LossSurface(1.7, 2.2, 1.4, 0.32, 0.28);
    static final double M8 = 2.5, K8 = 1.15, M32 = 4.0, K32 = 1.3;

    /** MoE family surface built to be exactly dense at (m·N, k·D). */
    static LossSurface moeSurface(double m, double k) {
        return new LossSurface(DENSE.E(), DENSE.A() * Math.pow(m, -DENSE.alpha()), DENSE.B() * Math.pow(k, -DENSE.beta()),
                DENSE.alpha(), DENSE.beta());
    }

    static double lossOf(MoeTarget t) {
        LossSurface s = switch (t.experts()) {
            case 1 -> DENSE;
            case 8 -> moeSurface(M8, K8);
            case 32 -> moeSurface(M32, K32);
            default -> throw new IllegalArgumentException("no synthetic family for E=" + t.experts());
        };
        return s.loss(t.activeParams() / 1e6, t.tokens() / 1e9);
    }

    static List<MoeObservation> ladder(double noise, long seed) {
        return SyntheticMoeLadder.ladder(new int[] {1, 8, 32}, 2, new double[] {1.0}, SharedExponentFitterTest::lossOf, noise, seed);
    }

    @Test
    void recoversKnownMultipliersAndComputeOptimalLoss() {
        SharedExponentFitter.SharedExponentFit fit = SharedExponentFitter.defaults().fit(ladder(0, 3));
        System.out.println(fit.describe());
        assertEquals(FitStatus.CONVERGED, fit.status(), fit.message());
        assertEquals(DENSE.alpha(), fit.alpha(), 1e-4);
        assertEquals(DENSE.beta(), fit.beta(), 1e-4);
        assertEquals(M8, fit.paramsMultiplier("moe-e8-k2"), 1e-3 * M8);
        assertEquals(K8, fit.tokensMultiplier("moe-e8-k2"), 1e-3 * K8);
        assertEquals(M32 * K32, fit.computeMultiplier("moe-e32-k2"), 2e-3 * M32 * K32);
        // Equal-compute meaning of the multiplier: the MoE optimum at C is dense's optimum at m·k·C.
        double c = 1e20;
        ComputeOptimal moe = fit.optimalAt("moe-e32-k2", c);
        ComputeOptimal dense = fit.optimalAt("dense", fit.computeMultiplier("moe-e32-k2") * c);
        assertEquals(dense.loss(), moe.loss(), 1e-9);
        ComputeOptimal truth = moeSurface(M32, K32).fromUnits(Units.MILLIONS_BILLIONS).optimalAt(c);
        assertEquals(truth.loss(), moe.loss(), 1e-5 * truth.loss());
        assertEquals(truth.params(), moe.params(), 1e-2 * truth.params());
    }

    @Test
    void predictsLadderFamilyThirtyTimesOutUnderNoiseAndRefusesUnknownConfiguration() {
        SharedExponentFitter.SharedExponentFit fit = SharedExponentFitter.defaults().fit(ladder(0.002, 11));
        assertNotEquals(FitStatus.FAILED, fit.status(), fit.message());
        double c = 30 * 3e17;
        double n = Math.sqrt(c / 6 / 20);
        MoeTarget target = new MoeTarget(8, 2, 1.0, n, c / (6 * n));
        double truth = lossOf(target);
        assertEquals(truth, fit.predict(target), 0.005 * truth);
        assertEquals(M8, fit.paramsMultiplier("moe-e8-k2"), 0.3 * M8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fit.predict(new MoeTarget(16, 2, 1.0, n, c / (6 * n))));
        assertTrue(e.getMessage().contains("E=16"), e.getMessage());
    }

    @Test
    void sharedTokenTermGivesUnitTokenMultiplier() {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 8}, 2, new double[] {1.0},
                t -> (t.experts() == 1 ? DENSE : moeSurface(M8, 1.0)).loss(t.activeParams() / 1e6, t.tokens() / 1e9), 0, 5);
        SharedExponentFitter.SharedExponentFit fit = new SharedExponentFitter(Units.MILLIONS_BILLIONS,
                FitObjective.huber(1e-3), SharedExponentFitter.TokenTerm.SHARED).fit(runs);
        assertEquals(FitStatus.CONVERGED, fit.status(), fit.message());
        assertEquals(1.0, fit.tokensMultiplier("moe-e8-k2"), 1e-12);
        assertEquals(M8, fit.paramsMultiplier("moe-e8-k2"), 1e-3 * M8);
        assertEquals(6, fit.parameterCount()); // α, β, E, A_dense, A_moe, B
    }

    @Test
    void badLaddersGetClearErrors() {
        List<MoeObservation> moeOnly = ladder(0, 1).stream().filter(r -> !r.isDense()).toList();
        var e1 = assertThrows(IllegalArgumentException.class, () -> SharedExponentFitter.defaults().fit(moeOnly));
        assertTrue(e1.getMessage().contains("dense reference family"), e1.getMessage());

        List<MoeObservation> denseOnly = ladder(0, 1).stream().filter(MoeObservation::isDense).toList();
        var e2 = assertThrows(IllegalArgumentException.class, () -> SharedExponentFitter.defaults().fit(denseOnly));
        assertTrue(e2.getMessage().contains("at least one MoE family"), e2.getMessage());

        List<MoeObservation> thin = new ArrayList<>(denseOnly);
        thin.add(MoeObservation.moe(1e7, 5e7, 1e9, 3.0, 8, 2, "moe8"));
        thin.add(MoeObservation.moe(2e7, 1e8, 1e9, 2.9, 8, 2, "moe8"));
        var e3 = assertThrows(IllegalArgumentException.class, () -> SharedExponentFitter.defaults().fit(thin));
        assertTrue(e3.getMessage().contains("'moe8' has 2 runs"), e3.getMessage());

        List<MoeObservation> mixed = new ArrayList<>(ladder(0, 1));
        mixed.add(MoeObservation.moe(1e7, 5e7, 1e9, 3.0, 16, 2, "moe-e8-k2"));
        var e4 = assertThrows(IllegalArgumentException.class, () -> SharedExponentFitter.defaults().fit(mixed));
        assertTrue(e4.getMessage().contains("mixes configurations"), e4.getMessage());
    }
}
