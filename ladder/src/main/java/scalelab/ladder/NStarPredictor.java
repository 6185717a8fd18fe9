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

    /**
     * N*(C) and what the user should know about it: "" when the fit behind it is clean, else why the centre is
     * doubtful (a fit that ended on a grid edge or with a clamped coefficient).
     */
    record Centre(DoubleUnaryOperator nStar, String warning) {
        public Centre {
            java.util.Objects.requireNonNull(nStar, "nStar");
            warning = warning == null ? "" : warning;
        }
    }

    /** {@link #apply} with its warning; a predictor with nothing to warn about need not override this. */
    default Centre centre(List<FinishedRun> runs) {
        return new Centre(apply(runs), "");
    }
}
