package scalelab.registry;

import java.time.Instant;

/**
 * A prediction checked against an actual loss.
 *
 * @param runId          the registry run the actual loss came from, or null for a loss given by hand ({@code --loss})
 * @param absoluteError  |actual − predicted|
 * @param relativeError  |actual − predicted| / actual
 * @param insideInterval whether actual lies in [intervalLow, intervalHigh]; null when the prediction has no interval
 */
public record PredictionCheck(Long id, long predictionId, Long runId, double actualLoss, double predictedLoss,
                              double absoluteError, double relativeError, Boolean insideInterval, Verdict verdict,
                              Instant checkedAt) {

    public enum Verdict {
        /** The actual loss lies inside the preregistered interval. */
        WITHIN_INTERVAL,
        /** The actual loss lies outside the preregistered interval: the prediction missed. */
        OUTSIDE_INTERVAL,
        /** The prediction had no interval: only the point error can be judged. */
        NO_INTERVAL
    }

    /** Compares {@code actualLoss} with the prediction (not yet stored: id and checkedAt null). */
    public static PredictionCheck of(Prediction p, Long runId, double actualLoss) {
        if (!Double.isFinite(actualLoss) || actualLoss <= 0) {
            throw new IllegalArgumentException("actual loss must be a finite positive number, got " + actualLoss);
        }
        double abs = Math.abs(actualLoss - p.predictedLoss());
        Boolean inside = p.hasInterval() ? actualLoss >= p.intervalLow() && actualLoss <= p.intervalHigh() : null;
        Verdict v = inside == null ? Verdict.NO_INTERVAL : inside ? Verdict.WITHIN_INTERVAL : Verdict.OUTSIDE_INTERVAL;
        return new PredictionCheck(null, p.id(), runId, actualLoss, p.predictedLoss(), abs, abs / actualLoss, inside, v, null);
    }
}
