package scalelab.reports.model;

/** Validation at the edge of the report model: a report must never draw a NaN as if it were a number. */
final class Checks {
    private Checks() {}

    static void positive(String what, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(what + " must be a finite positive number, got " + v);
        }
    }

    static void finite(String what, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(what + " must be finite, got " + v);
        }
    }

    /** NaN means "not known"; anything else must be finite and positive. */
    static void positiveOrNaN(String what, double v) {
        if (!Double.isNaN(v)) {
            positive(what, v);
        }
    }

    static void finiteOrNaN(String what, double v) {
        if (Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite or NaN (unknown), got " + v);
        }
    }
}
