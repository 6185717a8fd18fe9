package scalelab.reports.model;

/** A closed interval [low, high], e.g. a bootstrap percentile interval; low ≤ high, both finite. */
public record Interval(double low, double high) {
    public Interval {
        if (!Double.isFinite(low) || !Double.isFinite(high) || low > high) {
            throw new IllegalArgumentException("interval needs finite low ≤ high, got [" + low + ", " + high + "]");
        }
    }

    public boolean contains(double v) {
        return v >= low && v <= high;
    }
}
