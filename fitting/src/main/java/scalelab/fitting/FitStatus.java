package scalelab.fitting;

/** How a fit ended. Anything but CONVERGED comes with a message and should be shown to the user. */
public enum FitStatus {
    CONVERGED,
    /** An exponent ended on the edge of its search box: the true optimum may lie outside. */
    EXPONENT_ON_GRID_EDGE,
    /** A coefficient (E, A or B) was held at its bound (zero) by the non-negativity constraint. */
    COEFFICIENT_CLAMPED,
    FAILED
}
