package scalelab.reports.model;

/**
 * One point of a run's training curve.
 *
 * @param step      optimizer step
 * @param tokens    tokens seen so far
 * @param trainLoss training loss, or NaN when not logged at this step
 * @param evalLoss  held-out loss, or NaN when not evaluated at this step
 */
public record CurvePoint(long step, double tokens, double trainLoss, double evalLoss) {
    public CurvePoint {
        if (step < 0) {
            throw new IllegalArgumentException("curve step must be ≥ 0, got " + step);
        }
        Checks.positive("curve tokens at step " + step, tokens);
        Checks.positiveOrNaN("train loss at step " + step, trainLoss);
        Checks.positiveOrNaN("eval loss at step " + step, evalLoss);
    }
}
