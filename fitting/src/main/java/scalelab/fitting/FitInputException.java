package scalelab.fitting;

/**
 * The data cannot be fitted as asked (too few points, a budget with too few runs for a parabola, ...).
 * {@link #observationIndex()} points at the offending observation (0-based, in the order given) so the caller can
 * name the file line, or is −1 when the problem is not one observation's.
 */
public final class FitInputException extends IllegalArgumentException {
    private final int observationIndex;

    public FitInputException(String message, int observationIndex) {
        super(message);
        this.observationIndex = observationIndex;
    }

    public FitInputException(String message) {
        this(message, -1);
    }

    public int observationIndex() {
        return observationIndex;
    }
}
