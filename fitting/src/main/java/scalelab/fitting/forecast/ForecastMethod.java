package scalelab.fitting.forecast;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import scalelab.fitting.LossSurface;

/**
 * One method of the forecasting panel: fits a ladder and forecasts the loss at a larger compute (compute-optimal) or,
 * when it fits a surface, at a given N and D. Every method states its assumptions; they are filed with a forecast.
 */
public interface ForecastMethod {

    /** Short stable name, e.g. "vpnls-mse" (used in CLI output, JSON and the ledger). */
    String name();

    /** What the method assumes, in one sentence (a pinned asymptote names its value). */
    String assumptions();

    /** Whether the method fits L(N, D), and so can forecast a run at a given N and D (e.g. an over-trained one). */
    boolean hasSurface();

    /**
     * Whether the forecaster offers this method for compute-optimal targets (every method can be asked by name). False
     * for methods meant for runs at a given N and D that the development suite found no help at compute-optimal ones.
     */
    default boolean forComputeOptimal() {
        return true;
    }

    /**
     * The ladders this method is refitted to for the forecast's sampling term: by default {@code runResamples} (runs
     * drawn with replacement within each budget). A method for which that is no bootstrap overrides it — a law of each
     * budget's best run, which a resample drops about a third of the time, so that the spread would measure the drop.
     */
    default List<Ladder> bootstrapLadders(Ladder ladder, Fitted fitted, List<Ladder> runResamples, long seed) {
        return runResamples;
    }

    /**
     * The fewest budgets the method can fit at all, whatever the runs (its parameter count): a backtest cut on fewer is
     * no evidence about the method, so the forecaster does not count it against it. Failures on cuts with enough
     * budgets (no interior minimum, no convergence) do count.
     */
    default int fewestBudgets() {
        return 1;
    }

    /**
     * Fits the ladder.
     *
     * @throws RuntimeException (typically {@link scalelab.fitting.FitInputException}) when this ladder does not
     *                          support the method: too few budgets, no usable parabola, ...
     */
    Fitted fit(Ladder ladder);

    /**
     * A fitted method.
     *
     * @param surface the fitted L(N, D) in raw units, or null for laws of the compute-optimal loss alone
     * @param optimal compute-optimal loss as a function of compute (FLOPs)
     * @param note    "ok", or what a reader should know (a bound hit, a clamped coefficient)
     */
    record Fitted(LossSurface surface, DoubleUnaryOperator optimal, String note) {
        public double optimalLoss(double compute) {
            return optimal.applyAsDouble(compute);
        }

        /** Loss of a run of N parameters trained on D tokens. */
        public double loss(double params, double tokens) {
            if (surface == null) {
                throw new IllegalStateException("this method fits no surface, so it cannot forecast a given N and D");
            }
            return surface.loss(params, tokens);
        }

        /** Forecast for a target: at its N and D when it has them, else compute-optimal at its compute. */
        public double at(ForecastTarget target) {
            return target.atGivenSize() ? loss(target.params(), target.tokens()) : optimalLoss(target.compute());
        }
    }
}
