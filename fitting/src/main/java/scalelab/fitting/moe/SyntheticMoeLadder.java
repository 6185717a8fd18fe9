package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Synthetic dense + MoE IsoFLOP ladders from a known law, optionally with seeded multiplicative noise: the ground
 * truth for tests of the MoE fitters and for {@link MoeFitBenchmark}.
 */
public final class SyntheticMoeLadder {

    /** FLOP budgets of the ladder (4 budgets over 30×). */
    public static final double[] BUDGETS = {1e16, 3e16, 1e17, 3e17};
    /** Active sizes per budget relative to the 20-tokens-per-parameter size (×16 spread). */
    public static final double[] SIZE_OFFSETS = {0.25, 0.5, 1.0, 2.0, 4.0};

    private SyntheticMoeLadder() {
    }

    /**
     * For each expert count and budget, five active sizes spread ×16 around N ≈ sqrt(C/6/20) (20 tokens per parameter),
     * D = C/(6N); loss from {@code law}, times (1 + noise·z), z standard normal from {@code seed}. Total parameters
     * are counted as N_act·E/top-k (expert share of parameters taken as 1: only a label here, no law uses it).
     * Families are named "dense" and "moe-e{E}-k{K}[-g{G}]".
     */
    public static List<MoeObservation> ladder(int[] expertCounts, int topK, double[] granularities,
                                       ToDoubleFunction<MoeTarget> law, double noise, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MoeObservation> runs = new ArrayList<>();
        for (int e : expertCounts) {
            for (double g : granularities) {
                int k = e == 1 ? 1 : Math.min(topK, e);
                double gran = e == 1 ? 1.0 : g;
                String family = e == 1 ? "dense" : "moe-e" + e + "-k" + k + (gran == 1.0 ? "" : "-g" + gran);
                if (e == 1 && g != granularities[0]) {
                    continue;
                }
                for (double c : BUDGETS) {
                    double center = Math.sqrt(c / 6.0 / 20.0);
                    for (double off : SIZE_OFFSETS) {
                        double n = center * off;
                        double d = c / (6.0 * n);
                        MoeTarget t = new MoeTarget(e, k, gran, n, d);
                        double loss = law.applyAsDouble(t) * (1.0 + noise * gaussian(rnd));
                        runs.add(new MoeObservation(n, n * e / k, d, c, loss, e, k, gran, family));
                    }
                }
            }
        }
        return runs;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble(), u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
