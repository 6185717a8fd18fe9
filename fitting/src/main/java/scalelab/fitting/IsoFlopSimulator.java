package scalelab.fitting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic IsoFLOP ladders sampled from a known surface, to measure a fitter's bias: per budget, model sizes
 * log-spaced over N*(C)·10^offset · [1/width, width], D = C/(6N), loss = L(N, D) + Gaussian noise.
 */
public final class IsoFlopSimulator {
    private IsoFlopSimulator() {}

    /**
     * @param budgets            the compute budgets C (FLOPs)
     * @param pointsPerBudget    model sizes per budget (≥ 3)
     * @param widthFactor        sizes span N_centre/width … N_centre·width (16 → a ±16× grid)
     * @param centreOffsetDecades constant shift of the grid centre from the true N*(C), in decades
     * @param offsetDriftPerDecade extra shift per decade of compute above the smallest budget (drifting offset)
     * @param noiseSd            standard deviation of additive Gaussian loss noise (0 → noise-free)
     * @param seed               random seed (used only when noiseSd > 0)
     */
    public record Design(double[] budgets, int pointsPerBudget, double widthFactor, double centreOffsetDecades,
                         double offsetDriftPerDecade, double noiseSd, long seed) {
        public Design {
            if (pointsPerBudget < 3 || !(widthFactor > 1) || !(noiseSd >= 0) || budgets.length < 2) {
                throw new IllegalArgumentException("need ≥ 2 budgets, ≥ 3 points per budget, width > 1 and noise ≥ 0");
            }
            budgets = budgets.clone();
        }
    }

    public static List<Observation> sample(LossSurface truth, Design design) {
        SplittableRandom rng = new SplittableRandom(design.seed());
        List<Observation> out = new ArrayList<>();
        double c0 = Math.log10(design.budgets()[0]);
        for (double c : design.budgets()) {
            double offset = design.centreOffsetDecades() + design.offsetDriftPerDecade() * (Math.log10(c) - c0);
            double centre = Math.log(truth.optimalAt(c).params()) + offset * Math.log(10);
            double half = Math.log(design.widthFactor());
            int k = design.pointsPerBudget();
            for (int i = 0; i < k; i++) {
                double n = Math.exp(centre - half + 2 * half * i / (k - 1));
                double d = c / (6 * n);
                double loss = truth.loss(n, d);
                if (design.noiseSd() > 0) {
                    loss += design.noiseSd() * gaussian(rng);
                    // A loss is positive; say which draw broke that rather than fail in Observation's check.
                    if (!(loss > 0)) {
                        throw new IllegalArgumentException(String.format(Locale.ROOT, "noise sd %s drove the loss "
                                + "at N = %.3e, C = %.3e to %.4g: lower the noise (or raise E)", design.noiseSd(), n, c, loss));
                    }
                }
                out.add(Observation.inBudget(n, d, c, loss));
            }
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box–Muller; SplittableRandom has no nextGaussian in Java 17.
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
