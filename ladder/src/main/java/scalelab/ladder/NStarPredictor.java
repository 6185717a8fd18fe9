package scalelab.ladder;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

/**
 * Adaptive centring: given the finished runs of one family (budgets already done), returns N*(C), the predicted
 * compute-optimal active parameter count at any budget C. The lead binds this to the VPNLS fit; the ladder module
 * ships no default (a simple parabola-vertex + power-law predictor lives in the tests only).
 */
public interface NStarPredictor extends Function<List<NStarPredictor.FinishedRun>, DoubleUnaryOperator> {

    /** One finished run as the predictor sees it: N = active non-embedding params, D = tokens, loss = final loss. */
    record FinishedRun(String family, double budget, long activeParams, long tokens, double finalLoss) {}
}
