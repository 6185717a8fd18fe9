package scalelab.fitting.moe;

/**
 * The loss on residuals r = observed − predicted (in loss units) that a fit minimises: least squares, or Huber with
 * threshold δ (quadratic inside |r| ≤ δ, linear outside) to limit the pull of outlier runs.
 */
public record FitObjective(Kind kind, double huberDelta) {

    public enum Kind { LEAST_SQUARES, HUBER }

    public FitObjective {
        if (kind == null) {
            throw new IllegalArgumentException("objective kind is required");
        }
        if (kind == Kind.HUBER && (!(huberDelta > 0) || !Double.isFinite(huberDelta))) {
            throw new IllegalArgumentException("Huber δ must be a finite positive number (loss units), got " + huberDelta);
        }
    }

    public static FitObjective leastSquares() {
        return new FitObjective(Kind.LEAST_SQUARES, Double.NaN);
    }

    public static FitObjective huber(double delta) {
        return new FitObjective(Kind.HUBER, delta);
    }

    /** ρ(r): r² for least squares, Huber's 2·ρ_δ(r) (= r² inside δ) so both agree on small residuals. */
    public double rho(double r) {
        double a = Math.abs(r);
        if (kind == Kind.LEAST_SQUARES || a <= huberDelta) {
            return r * r;
        }
        return 2.0 * huberDelta * a - huberDelta * huberDelta;
    }

    /** IRLS weight ρ'(r)/(2r): 1 inside δ, δ/|r| outside. */
    double irlsWeight(double r) {
        double a = Math.abs(r);
        return kind == Kind.LEAST_SQUARES || a <= huberDelta ? 1.0 : huberDelta / a;
    }

    public String describe() {
        return kind == Kind.LEAST_SQUARES ? "least squares" : "Huber δ=" + huberDelta;
    }
}
