package scalelab.fitting.moe;

import scalelab.fitting.LossSurface;
import scalelab.fitting.Units;

/**
 * The joint MoE scaling law of Ludziejewski et al. 2025 ("Joint MoE Scaling Laws: Mixture of Experts Can Be Memory
 * Efficient"), in active parameters N, tokens D and expert count E:
 * <pre>
 *   L(N, D, E) = c + a·E^δ·n^-(α + γ·ln E) + b·E^ω·d^-(β + ζ·ln E),   n = N/units.params, d = D/units.tokens
 * </pre>
 * The paper writes a·Ê^δ·N^(α+γ ln Ê) with α, γ of the opposite sign; here α, β are the usual positive dense exponents
 * so that E = 1 gives the Chinchilla surface c + a·n^-α + b·d^-β. E enters as is (the paper's saturating transform Ê
 * of the expert count is not applied: see the class notes in the report).
 */
public record JointMoeLaw(Units units, double c, double a, double b, double alpha, double beta, double gamma,
                          double delta, double zeta, double omega) {

    public JointMoeLaw {
        if (units == null) {
            throw new IllegalArgumentException("units are required");
        }
        for (double v : new double[] {c, a, b, alpha, beta, gamma, delta, zeta, omega}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("joint MoE law parameters must be finite");
            }
        }
    }

    public double loss(double activeParams, double tokens, int experts) {
        double lnE = Math.log(experts);
        double lnN = Math.log(activeParams / units.paramsScale());
        double lnD = Math.log(tokens / units.tokensScale());
        return c + a * Math.exp(delta * lnE - (alpha + gamma * lnE) * lnN)
                + b * Math.exp(omega * lnE - (beta + zeta * lnE) * lnD);
    }

    /** Effective exponent of N at this expert count, α + γ·ln E. */
    public double paramsExponent(int experts) {
        return alpha + gamma * Math.log(experts);
    }

    /** Effective exponent of D at this expert count, β + ζ·ln E. */
    public double tokensExponent(int experts) {
        return beta + zeta * Math.log(experts);
    }

    /**
     * At a fixed expert count the law is a Chinchilla surface: E₀ = c, A = a·E^δ, α_E = α + γ·ln E, B = b·E^ω,
     * β_E = β + ζ·ln E. Returned in raw units, so {@code surfaceAt(E).optimalAt(C)} is the compute-optimal
     * N_act*, D*, L* of that expert count at C FLOPs.
     */
    public LossSurface surfaceAt(int experts) {
        if (experts < 1) {
            throw new IllegalArgumentException("experts must be at least 1, got " + experts);
        }
        double lnE = Math.log(experts);
        return new LossSurface(c, a * Math.exp(delta * lnE), b * Math.exp(omega * lnE), paramsExponent(experts),
                tokensExponent(experts)).fromUnits(units);
    }

    /**
     * The equal-compute multiplier of E experts over dense at C: the factor M such that dense trained compute-optimally
     * with M·C FLOPs reaches the loss E experts reach compute-optimally with C. Unlike the shared-exponent multiplier it
     * depends on C when γ or ζ ≠ 0.
     *
     * @throws IllegalStateException if either surface has no interior optimum, or dense cannot reach that loss
     */
    public double computeMultiplierAt(int experts, double compute) {
        double target = surfaceAt(experts).optimalAt(compute).loss();
        LossSurface dense = surfaceAt(1);
        if (!(target > c)) {
            throw new IllegalStateException("loss " + target + " at E=" + experts + " is not above the dense asymptote " + c);
        }
        // L*_dense(C') decreases in C'; bisect on ln C' within ±80 e-folds of C.
        double lo = Math.log(compute) - 80, hi = Math.log(compute) + 80;
        if (dense.optimalAt(Math.exp(hi)).loss() > target || dense.optimalAt(Math.exp(lo)).loss() < target) {
            throw new IllegalStateException("dense does not reach loss " + target + " within e^±80 of C=" + compute);
        }
        for (int i = 0; i < 200 && hi - lo > 1e-13; i++) {
            double mid = 0.5 * (lo + hi);
            if (dense.optimalAt(Math.exp(mid)).loss() > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.exp(0.5 * (lo + hi)) / compute;
    }
}
