package scalelab.registry;

/**
 * One point of a run's loss curve.
 *
 * @param evalLoss held-out loss at this step, or NaN when the step was not evaluated (stored as SQL NULL)
 */
public record CurvePoint(long step, long tokens, double trainLoss, double evalLoss) {
    public CurvePoint {
        if (step < 0 || tokens < 0) {
            throw new IllegalArgumentException("step and tokens must be non-negative, got step " + step + ", tokens " + tokens);
        }
    }

    public boolean evaluated() {
        return !Double.isNaN(evalLoss);
    }
}
