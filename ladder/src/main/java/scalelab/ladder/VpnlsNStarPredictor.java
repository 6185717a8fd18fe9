package scalelab.ladder;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import scalelab.fitting.FitResult;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;

/**
 * Adaptive centring by the project's unbiased fitter: VPNLS on the finished runs, then N*(C) from the fitted surface.
 * A fit that fails, or has no interior compute optimum, stops the ladder with the fit's message rather than centring
 * the next budget on a meaningless number; one that ended on a grid edge or with a clamped coefficient centres it
 * with a warning the ladder prints.
 */
public final class VpnlsNStarPredictor implements NStarPredictor {

    @Override
    public DoubleUnaryOperator apply(List<FinishedRun> runs) {
        return centre(runs).nStar();
    }

    @Override
    public Centre centre(List<FinishedRun> runs) {
        List<Observation> obs = runs.stream()
                .map(r -> new Observation(r.activeParams(), r.tokens(), r.budget(), r.finalLoss(), Double.toString(r.budget()), 1.0))
                .toList();
        FitResult fit = Vpnls.fit(obs);
        if (fit.status() == FitStatus.FAILED || !fit.hasSurface()) {
            throw new IllegalStateException("adaptive centring: VPNLS fit of " + obs.size() + " finished runs failed: " + fit.message());
        }
        var s = fit.surface();
        if (!s.hasComputeOptimum()) {
            throw new IllegalStateException("adaptive centring: the VPNLS fit of the finished budgets has no compute optimum ("
                    + fit.status() + ": " + fit.message() + "); run without --adaptive or add sizes");
        }
        String warning = fit.status() == FitStatus.CONVERGED ? ""
                : "the VPNLS fit of " + obs.size() + " finished runs is " + fit.status() + " (" + fit.message()
                        + "): this centre may be off; consider more sizes per budget or running without --adaptive";
        // budgets are planned FLOPs (attention counted): the optimum is sought along the runs' own count, not 6·N·D
        return new Centre(c -> fit.optimalAt(c).params(), warning);
    }
}
