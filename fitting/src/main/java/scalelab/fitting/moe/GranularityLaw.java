package scalelab.fitting.moe;

import scalelab.fitting.Units;

/**
 * The fine-grained MoE law of Krajewski et al. 2024 ("Scaling Laws for Fine-Grained Mixture of Experts"), for MoE
 * runs at a fixed expansion rate with granularity G:
 * <pre>
 *   L(N, D, G) = c + (g·G^-γ + a)·n^-α + b·d^-β,   n = N/units.params, d = D/units.tokens
 * </pre>
 * Here N is the active parameter count (our compute convention); the paper's expert count is held fixed, so this law
 * speaks only about MoE runs at the ladder's expansion rate, not about dense runs.
 */
public record GranularityLaw(Units units, double c, double g, double a, double b, double alpha, double beta, double gamma) {

    public GranularityLaw {
        if (units == null) {
            throw new IllegalArgumentException("units are required");
        }
        for (double v : new double[] {c, g, a, b, alpha, beta, gamma}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("granularity law parameters must be finite");
            }
        }
    }

    public double loss(double activeParams, double tokens, double granularity) {
        double n = activeParams / units.paramsScale();
        double d = tokens / units.tokensScale();
        return c + (g * Math.pow(granularity, -gamma) + a) * Math.pow(n, -alpha) + b * Math.pow(d, -beta);
    }
}
