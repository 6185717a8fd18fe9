package scalelab.fitting;

/**
 * Marin's law of compute-optimal loss: L(C) = L∞ + A·C^−α, fitted to per-budget minima (parabola vertices, or best
 * runs for the forecaster's asymptote-recent), with the asymptote L∞ an explicit parameter: pinned by hand (Marin pins
 * 1.6 for its held-out loss) or fitted.
 *
 * @param asymptote  L∞
 * @param coefficient A
 * @param exponent   α (positive: loss falls with compute)
 * @param pinned     whether L∞ was given rather than fitted
 * @param sse        sum of squared loss residuals at the fitted points
 */
public record AsymptoteLaw(double asymptote, double coefficient, double exponent, boolean pinned, double sse) {

    public double at(double compute) {
        return asymptote + coefficient * Math.pow(compute, -exponent);
    }

    /** L∞ given: least squares of ln(L − L∞) on ln C. Every loss must exceed L∞. */
    public static AsymptoteLaw fitPinned(double[] compute, double[] loss, double asymptote) {
        if (compute.length < 2) {
            throw new FitInputException("the asymptote law with L∞ pinned needs at least 2 budgets, got " + compute.length);
        }
        for (double l : loss) {
            if (!(l > asymptote)) {
                throw new FitInputException("pinned asymptote L∞ = " + asymptote + " is not below every vertex loss (min "
                        + min(loss) + ")");
            }
        }
        return logFit(compute, loss, asymptote, true);
    }

    /**
     * L∞ fitted: profile the loss-space squared error over L∞ ∈ [0, min L) (for each L∞ the rest is a log-log
     * regression), a grid then golden-section refinement. Needs 3 budgets; with exactly 3 the law interpolates.
     */
    public static AsymptoteLaw fitFree(double[] compute, double[] loss) {
        if (compute.length < 3) {
            throw new FitInputException("the asymptote law with L∞ fitted has 3 parameters and needs at least 3 budgets, got "
                    + compute.length);
        }
        double hi = min(loss) * (1 - 1e-9);
        int grid = 400;
        int bestI = 0;
        double bestSse = Double.POSITIVE_INFINITY;
        for (int i = 0; i <= grid; i++) {
            double linf = hi * i / grid * (1 - 1e-6);
            double sse = logFit(compute, loss, linf, false).sse();
            if (sse < bestSse) {
                bestSse = sse;
                bestI = i;
            }
        }
        double a = hi * Math.max(0, bestI - 1) / grid * (1 - 1e-6), b = hi * Math.min(grid, bestI + 1) / grid * (1 - 1e-6);
        double refinedAsymptote = GoldenSection.minimize(x -> logFit(compute, loss, x, false).sse(), a, b, 1e-12, 100);
        AsymptoteLaw refined = logFit(compute, loss, refinedAsymptote, false);
        AsymptoteLaw gridBest = logFit(compute, loss, hi * bestI / grid * (1 - 1e-6), false);
        return refined.sse() <= gridBest.sse() ? refined : gridBest;
    }

    private static AsymptoteLaw logFit(double[] compute, double[] loss, double asymptote, boolean pinned) {
        double[] excess = new double[loss.length];
        for (int i = 0; i < loss.length; i++) {
            excess[i] = loss[i] - asymptote;
        }
        PowerLaw p = PowerLaw.fitLogLog(compute, excess, null);
        double sse = 0;
        for (int i = 0; i < loss.length; i++) {
            double r = asymptote + p.at(compute[i]) - loss[i];
            sse += r * r;
        }
        return new AsymptoteLaw(asymptote, p.coefficient(), -p.exponent(), pinned, sse);
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }
}
