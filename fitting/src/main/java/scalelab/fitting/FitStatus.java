package scalelab.fitting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How a fit ended. Anything but CONVERGED comes with a message and should be shown to the user. */
public enum FitStatus {
    CONVERGED,
    /** An exponent ended on the edge of its search box: the true optimum may lie outside. */
    EXPONENT_ON_GRID_EDGE,
    /** A coefficient (E, A or B) was held at its bound (zero) by the non-negativity constraint. */
    COEFFICIENT_CLAMPED,
    /**
     * The optimiser converged, but to parameters the data do not identify or no scaling law has: an exponent above
     * {@link #MAX_PLAUSIBLE_EXPONENT}, a coefficient above {@link #MAX_PLAUSIBLE_COEFFICIENT}, or a term that is a
     * negligible part of every run's loss (e.g. Approach 3's A = 2.49e147, α = 33.8). It describes the runs, but do not
     * extrapolate from it.
     */
    UNRELIABLE,
    FAILED;

    /** Published exponents are 0.05–0.8; a term falling faster than N^-2 has vanished within a decade of the data. */
    public static final double MAX_PLAUSIBLE_EXPONENT = 2.0;
    /** Raw-unit A and B of published fits are of order 1e2–1e4; 1e20 leaves ample room and catches runaways. */
    public static final double MAX_PLAUSIBLE_COEFFICIENT = 1e20;
    /** A term below this fraction of the loss at every run is not seen by the data: its coefficient and exponent trade off freely. */
    public static final double NEGLIGIBLE_TERM = 1e-6;

    /**
     * Why a converged surface (raw units) should not be trusted, or null when nothing is wrong. The fitters call this
     * after converging and report {@link #UNRELIABLE} with this message.
     */
    public static String unreliability(LossSurface raw, List<Observation> observations) {
        List<String> why = new ArrayList<>();
        if (raw.alpha() > MAX_PLAUSIBLE_EXPONENT || raw.beta() > MAX_PLAUSIBLE_EXPONENT) {
            why.add(String.format(Locale.ROOT, "exponent above %.1f (α = %.4g, β = %.4g)", MAX_PLAUSIBLE_EXPONENT, raw.alpha(), raw.beta()));
        }
        if (raw.A() > MAX_PLAUSIBLE_COEFFICIENT || raw.B() > MAX_PLAUSIBLE_COEFFICIENT) {
            why.add(String.format(Locale.ROOT, "coefficient above %.0e (A = %.4g, B = %.4g)", MAX_PLAUSIBLE_COEFFICIENT, raw.A(), raw.B()));
        }
        boolean paramsSeen = false, tokensSeen = false;
        for (Observation o : observations) {
            paramsSeen |= raw.A() * Math.pow(o.params(), -raw.alpha()) > NEGLIGIBLE_TERM * o.loss();
            tokensSeen |= raw.B() * Math.pow(o.tokens(), -raw.beta()) > NEGLIGIBLE_TERM * o.loss();
        }
        // A term clamped at exactly 0 is COEFFICIENT_CLAMPED's business, not this one's.
        if (!paramsSeen && raw.A() > 0) {
            why.add("the A·N^-α term is below " + NEGLIGIBLE_TERM + " of every run's loss, so A and α are not identified");
        }
        if (!tokensSeen && raw.B() > 0) {
            why.add("the B·D^-β term is below " + NEGLIGIBLE_TERM + " of every run's loss, so B and β are not identified");
        }
        return why.isEmpty() ? null : String.join("; ", why) + ": do not extrapolate from this fit";
    }
}
