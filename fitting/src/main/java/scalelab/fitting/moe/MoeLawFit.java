package scalelab.fitting.moe;

import scalelab.fitting.FitStatus;

/** A fitted MoE scaling law: predicts losses and says how its fit ended. */
public interface MoeLawFit {

    /** Short name of the law, e.g. "joint (Ludziejewski et al. 2025)". */
    String lawName();

    FitStatus status();

    /** Why the status is what it is; empty for a clean convergence. */
    String message();

    /**
     * Predicted final loss of a run of configuration {@code target}.
     *
     * @throws IllegalArgumentException if this law cannot speak about that configuration (e.g. a family not in the ladder)
     */
    double predict(MoeTarget target);

    /** Whether {@link #predict} accepts this configuration. */
    boolean canPredict(MoeTarget target);

    /** Fitted quantities (coefficients and exponents) counted for AIC/BIC. */
    int parameterCount();

    int observationCount();

    /** Σ (observed − predicted)² over the runs fitted, in loss units, whatever the objective was. */
    double residualSumOfSquares();

    /** Exponents then linear coefficients, in the order {@link #parameterNames()} gives. */
    double[] parameters();

    String[] parameterNames();

    /** One line per fitted quantity plus the status: printable in a report. */
    String describe();

    /** Akaike information criterion under Gaussian residuals, n·ln(RSS/n) + 2k (RSS floored at 1e-300). */
    default double aic() {
        int n = observationCount();
        return n * Math.log(Math.max(residualSumOfSquares(), 1e-300) / n) + 2.0 * parameterCount();
    }

    /** Bayesian information criterion, n·ln(RSS/n) + k·ln n. */
    default double bic() {
        int n = observationCount();
        return n * Math.log(Math.max(residualSumOfSquares(), 1e-300) / n) + parameterCount() * Math.log(n);
    }
}
