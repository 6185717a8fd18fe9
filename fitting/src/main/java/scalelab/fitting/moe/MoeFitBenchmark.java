package scalelab.fitting.moe;

import java.util.List;
import java.util.Locale;
import scalelab.fitting.Units;

/**
 * Speed figures of the MoE fitters on a synthetic 80-run ladder (dense + E = 4, 8, 32 over four budgets spanning 30×,
 * 0.2% noise): milliseconds per fit of each law after JIT warm-up, seconds for a bootstrap, and the 30× held-out
 * error of the joint law. Pure computation; a CLI {@code bench} command prints {@link Figures#describe()}.
 */
public final class MoeFitBenchmark {

    /** The ground truth of the benchmark ladder (same shape as the tests' joint law). */
    public static final JointMoeLaw TRUE_LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);

    public record Figures(int runs, int repeats, double jointFitMs, double sharedFitMs, double granularityFitMs,
                          int bootstrapSamples, double jointBootstrapSeconds, double sharedBootstrapSeconds,
                          double jointHeldOutRelativeError) {
        public String describe() {
            return String.format(Locale.ROOT, """
                    MoE fit benchmark: %d runs, mean of %d fits after warm-up
                      joint N-D-E law (6 exponents, VP + LM):        %8.2f ms/fit
                      shared-exponent family surfaces (2 exponents): %8.2f ms/fit
                      granularity law (3 exponents, 80 MoE runs):    %8.2f ms/fit
                      bootstrap, %d resamples: joint %.2f s, shared-exponent %.2f s
                      joint law, held-out point at 30x the largest budget: |rel err| = %.3f%%""",
                    runs, repeats, jointFitMs, sharedFitMs, granularityFitMs, bootstrapSamples, jointBootstrapSeconds,
                    sharedBootstrapSeconds, 100 * jointHeldOutRelativeError);
        }
    }

    private MoeFitBenchmark() {
    }

    public static Figures run(int repeats, int bootstrapSamples, long seed) {
        if (repeats < 1 || bootstrapSamples < 10) {
            throw new IllegalArgumentException("need at least 1 repeat and 10 bootstrap resamples");
        }
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 8, 32}, 2, new double[] {1.0},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()), 0.002, seed);
        List<MoeObservation> granular = SyntheticMoeLadder.ladder(new int[] {16}, 2, new double[] {1, 2, 4, 8},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()) - 0.01 * Math.log(t.granularity()), 0.002, seed);
        JointMoeFitter joint = JointMoeFitter.defaults();
        SharedExponentFitter shared = SharedExponentFitter.defaults();
        GranularityLawFitter gran = GranularityLawFitter.defaults();
        for (int i = 0; i < 5; i++) {
            joint.fit(runs);
            shared.fit(runs);
            gran.fit(granular);
        }
        double jointMs = timeMs(() -> joint.fit(runs), repeats);
        double sharedMs = timeMs(() -> shared.fit(runs), repeats);
        double granMs = timeMs(() -> gran.fit(granular), repeats);
        double c = 30 * SyntheticMoeLadder.BUDGETS[SyntheticMoeLadder.BUDGETS.length - 1];
        double n = Math.sqrt(c / 6 / 20);
        MoeTarget target = new MoeTarget(8, 2, 1.0, n, c / (6 * n));
        long t0 = System.nanoTime();
        MoeBootstrap.predictionInterval(joint, runs, target, bootstrapSamples, 0.9, seed);
        double jointBoot = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        MoeBootstrap.predictionInterval(shared, runs, target, bootstrapSamples, 0.9, seed);
        double sharedBoot = (System.nanoTime() - t0) / 1e9;
        double truth = TRUE_LAW.loss(target.activeParams(), target.tokens(), target.experts());
        double err = Math.abs(joint.fit(runs).predict(target) - truth) / truth;
        return new Figures(runs.size(), repeats, jointMs, sharedMs, granMs, bootstrapSamples, jointBoot, sharedBoot, err);
    }

    private static double timeMs(Runnable r, int repeats) {
        long t0 = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e6 / repeats;
    }
}
