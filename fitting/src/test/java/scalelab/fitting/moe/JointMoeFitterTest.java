package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Units;

class JointMoeFitterTest {

    /** A joint law with MoE helping both terms a little and bending the N exponent: E^δ < 1, γ < 0. */
    static final JointMoeLaw TRUE_LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);
    static final int[] EXPERTS = {1, 4, 8, 32};

    static List<MoeObservation> ladder(double noise, long seed) {
        return SyntheticMoeLadder.ladder(EXPERTS, 2, new double[] {1.0},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()), noise, seed);
    }

    /** The held-out point: E = 8 at 30× the largest ladder budget, at ~20 tokens per active parameter. */
    static MoeTarget heldOut() {
        double c = 30 * 3e17;
        double n = Math.sqrt(c / 6 / 20);
        return new MoeTarget(8, 2, 1.0, n, c / (6 * n));
    }

    @Test
    void recoversParametersFromNoiseFreeLadder() {
        long t0 = System.nanoTime();
        JointMoeFitter.JointMoeFit fit = JointMoeFitter.defaults().fit(ladder(0, 1));
        System.out.println(fit.describe() + "\n  evals=" + fit.evaluations() + " ms=" + (System.nanoTime() - t0) / 1e6);
        assertEquals(FitStatus.CONVERGED, fit.status(), fit.message());
        JointMoeLaw l = fit.law();
        assertEquals(TRUE_LAW.alpha(), l.alpha(), 1e-3);
        assertEquals(TRUE_LAW.beta(), l.beta(), 1e-3);
        assertEquals(TRUE_LAW.gamma(), l.gamma(), 1e-3);
        assertEquals(TRUE_LAW.delta(), l.delta(), 1e-2);
        assertEquals(TRUE_LAW.zeta(), l.zeta(), 1e-3);
        assertEquals(TRUE_LAW.omega(), l.omega(), 1e-2);
        assertEquals(TRUE_LAW.c(), l.c(), 1e-3);
        assertEquals(TRUE_LAW.a(), l.a(), 1e-2 * TRUE_LAW.a());
        assertEquals(TRUE_LAW.b(), l.b(), 1e-2 * TRUE_LAW.b());
        MoeTarget t = heldOut();
        double truth = TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts());
        assertEquals(truth, fit.predict(t), 1e-4 * truth);
    }

    @Test
    void predictsThirtyTimesLargerPointWithinHalfPercentUnderNoise() {
        JointMoeFitter.JointMoeFit fit = JointMoeFitter.defaults().fit(ladder(0.002, 42));
        System.out.println(fit.describe());
        assertNotEquals(FitStatus.FAILED, fit.status(), fit.message());
        MoeTarget t = heldOut();
        double truth = TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts());
        double rel = Math.abs(fit.predict(t) - truth) / truth;
        System.out.println("30x held-out relative error = " + rel);
        assertTrue(rel < 0.005, "relative error " + rel);
        assertEquals(TRUE_LAW.alpha(), fit.law().alpha(), 0.05);
        assertEquals(TRUE_LAW.beta(), fit.law().beta(), 0.05);
    }

    @Test
    void badInputGetsClearErrors() {
        List<MoeObservation> oneExpertCount = ladder(0, 1).stream().filter(r -> r.experts() == 8).toList();
        var e1 = assertThrows(IllegalArgumentException.class, () -> JointMoeFitter.defaults().fit(oneExpertCount));
        assertTrue(e1.getMessage().contains("two or more expert counts") && e1.getMessage().contains("experts=8"), e1.getMessage());
        List<MoeObservation> few = ladder(0, 1).subList(0, 10);
        var e2 = assertThrows(IllegalArgumentException.class, () -> JointMoeFitter.defaults().fit(few));
        assertTrue(e2.getMessage().contains("needs at least 11 runs, got 10"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JointMoeFitter.defaults().fit(null));
    }

    @Test
    void huberObjectiveShrugsOffAnOutlierRun() {
        List<MoeObservation> runs = new java.util.ArrayList<>(ladder(0, 1));
        MoeObservation r = runs.get(7);
        runs.set(7, new MoeObservation(r.activeParams(), r.totalParams(), r.tokens(), r.flops(), r.loss() * 1.08,
                r.experts(), r.topK(), r.granularity(), r.family()));
        MoeTarget t = heldOut();
        double truth = TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts());
        double huberErr = Math.abs(new JointMoeFitter(Units.MILLIONS_BILLIONS, FitObjective.huber(1e-3)).fit(runs).predict(t) - truth) / truth;
        double lsqErr = Math.abs(JointMoeFitter.defaults().fit(runs).predict(t) - truth) / truth;
        System.out.println("outlier: huber rel err " + huberErr + ", least squares " + lsqErr);
        assertTrue(huberErr < 0.002, "Huber error " + huberErr);
        assertTrue(huberErr < lsqErr, "Huber " + huberErr + " vs least squares " + lsqErr);
    }

    @Test
    void computeMultiplierMatchesClosedFormWhenExponentsDoNotBend() {
        // γ = ζ = 0: every expert count shares α, β, so the multiplier is E^(-δ/α)·E^(-ω/β) at every C.
        JointMoeLaw flat = new JointMoeLaw(Units.MILLIONS_BILLIONS, 1.7, 2.2, 1.4, 0.32, 0.28, 0, -0.15, 0, -0.06);
        double expected = Math.pow(16, 0.15 / 0.32) * Math.pow(16, 0.06 / 0.28);
        assertEquals(expected, flat.computeMultiplierAt(16, 1e18), 1e-6 * expected);
        assertEquals(expected, flat.computeMultiplierAt(16, 1e23), 1e-6 * expected);
        assertEquals(1.0, flat.computeMultiplierAt(1, 1e20), 1e-9);
        // With γ < 0 the N exponent shrinks with E, so the advantage of E = 32 decays with compute.
        assertTrue(TRUE_LAW.computeMultiplierAt(32, 1e24) < TRUE_LAW.computeMultiplierAt(32, 1e18));
        assertEquals(TRUE_LAW.loss(1e8, 2e9, 8), TRUE_LAW.surfaceAt(8).loss(1e8, 2e9), 1e-12);
    }
}
