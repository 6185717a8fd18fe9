package scalelab.fitting;

/**
 * L(N, D) = E + A·N^-α + B·D^-β with N and D in raw units (parameters, tokens).
 * Use {@link #inUnits(Units)} / {@link #fromUnits(Units)} to move between raw and normalised coefficients.
 */
public record LossSurface(double E, double A, double B, double alpha, double beta) {

    public LossSurface {
        for (double v : new double[] {E, A, B, alpha, beta}) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("loss surface parameters must be finite: " + this);
            }
        }
    }

    public double loss(double params, double tokens) {
        return E + A * Math.pow(params, -alpha) + B * Math.pow(tokens, -beta);
    }

    /** Exponent a of N*(C) ∝ C^a. */
    public double paramsExponent() {
        return beta / (alpha + beta);
    }

    /** Exponent b of D*(C) ∝ C^b. */
    public double tokensExponent() {
        return alpha / (alpha + beta);
    }

    /** True when L has an interior compute optimum: both power-law terms present and decaying (A, B, α, β > 0). */
    public boolean hasComputeOptimum() {
        return A > 0 && B > 0 && alpha > 0 && beta > 0;
    }

    /** Compute-optimal N*, D*, L* at C FLOPs under C = 6·N·D (closed form; see docs/scaling-science). */
    public ComputeOptimal optimalAt(double compute) {
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("compute must be a finite positive number of FLOPs, got " + compute);
        }
        if (!hasComputeOptimum()) {
            throw new IllegalStateException("no interior compute optimum: needs A, B, α, β > 0 but surface is " + this);
        }
        // Work in logs: G and (C/6)^a overflow/underflow easily in raw units.
        double logG = (Math.log(alpha * A) - Math.log(beta * B)) / (alpha + beta);
        double logC6 = Math.log(compute / 6.0);
        double n = Math.exp(logG + paramsExponent() * logC6);
        double d = Math.exp(tokensExponent() * logC6 - logG);
        return new ComputeOptimal(compute, n, d, loss(n, d));
    }

    /** Coefficients for N/units.paramsScale and D/units.tokensScale, given this surface in raw units. */
    public LossSurface inUnits(Units units) {
        return new LossSurface(E, A * Math.pow(units.paramsScale(), -alpha), B * Math.pow(units.tokensScale(), -beta), alpha, beta);
    }

    /** The raw-unit surface, given this surface's coefficients are for normalised N and D. */
    public LossSurface fromUnits(Units units) {
        return new LossSurface(E, A * Math.pow(units.paramsScale(), alpha), B * Math.pow(units.tokensScale(), beta), alpha, beta);
    }
}
