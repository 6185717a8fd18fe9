package scalelab.fitting.moe;

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
}
