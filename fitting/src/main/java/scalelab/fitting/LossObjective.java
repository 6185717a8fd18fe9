package scalelab.fitting;

import java.util.Locale;

/**
 * The objective a fit minimises over residuals r = predicted − observed: least squares Σ w·r², or Huber
 * Σ w·ρ_δ(r) with ρ_δ(r) = r²/2 for |r| ≤ δ and δ·(|r| − δ/2) beyond (robust to outlying runs).
 */
public record LossObjective(Kind kind, double delta) {
    public enum Kind { MSE, HUBER }

    public static final LossObjective MSE = new LossObjective(Kind.MSE, Double.NaN);

    public LossObjective {
        if (kind == Kind.HUBER && !(delta > 0 && Double.isFinite(delta))) {
            throw new IllegalArgumentException("Huber delta must be a finite positive number, got " + delta);
        }
    }

    public static LossObjective huber(double delta) {
        return new LossObjective(Kind.HUBER, delta);
    }

    public double rho(double r) {
        if (kind == Kind.MSE) {
            return r * r;
        }
        double a = Math.abs(r);
        return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    }

    /** dρ/dr. */
    public double psi(double r) {
        if (kind == Kind.MSE) {
            return 2 * r;
        }
        return Math.abs(r) <= delta ? r : Math.copySign(delta, r);
    }

    /**
     * What the fit's objective value is: "sum of squares" (Σ w·r², not a mean: the CLI spells it {@code --objective mse}) or
     * "sum of huber(delta=0.001)".
     */
    public String describe() {
        return kind == Kind.MSE ? "sum of squares" : String.format(Locale.ROOT, "sum of huber(delta=%s)", delta);
    }
}
