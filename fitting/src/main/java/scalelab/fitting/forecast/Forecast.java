package scalelab.fitting.forecast;

import java.util.List;

/**
 * A forecast with its evidence: the point, an interval at a stated level that carries model error (from the ladder's
 * own backtests) and sampling noise (bootstrap), the panel it was chosen from, and how far it moves when each budget is
 * left out.
 *
 * @param loss                 the point forecast (nats/token, or whatever the ladder's loss is)
 * @param lo                   lower end of the interval
 * @param hi                   upper end of the interval
 * @param level                the interval's nominal coverage, e.g. 0.9
 * @param target               what was forecast
 * @param params               N of the target: given, or the compute-optimal N* of the most-weighted surface method
 *                             (NaN when no method with a surface fitted)
 * @param tokens               D of the target, likewise
 * @param ratio                target compute ÷ the ladder's largest budget (runs mode: ÷ the largest run's compute)
 * @param method               the method, or the weighted combination, that made the point ("vpnls-near3", or
 *                             "0.61·vpnls-mse + 0.39·vpnls-near3")
 * @param weights              the methods combined, with their weights and backtest scores
 * @param panel                every panel method's own forecast (NaN when it could not fit)
 * @param leaveOneOut          the point forecast refitted with each budget left out (empty when the ladder has too few)
 * @param looSpreadPct         max |leave-one-out − point| / point, in percent (NaN when no leave-one-out)
 * @param status               OK, UNRELIABLE (warnings say why; the interval was widened) or INSUFFICIENT (too little
 *                             backtest evidence: the interval rests on the prior error rate)
 * @param warnings             what a reader must know before trusting the number
 * @param assumptions          each combined method's assumptions
 * @param interval             how the interval was built, in one paragraph, with its parts
 * @param evidenceSha256       SHA-256 over the ladder's runs and every backtest forecast the choice was made on
 * @param evidenceSummary      one line: how many backtest forecasts, at which ratios, and the chosen forecaster's error
 */
public record Forecast(double loss, double lo, double hi, double level, ForecastTarget target, double params, double tokens,
                       double ratio, String method,
                       List<Weight> weights, List<PanelEntry> panel, List<LeftOut> leaveOneOut, double looSpreadPct,
                       Status status, List<String> warnings, List<String> assumptions, IntervalParts interval,
                       String evidenceSha256, String evidenceSummary) {

    public enum Status { OK, UNRELIABLE, INSUFFICIENT }

    /** This forecast with a warning about its input put first (e.g. a file that holds several ladders). */
    public Forecast withInputWarning(String warning) {
        List<String> w = new java.util.ArrayList<>(warnings.size() + 1);
        w.add(warning);
        w.addAll(warnings);
        return new Forecast(loss, lo, hi, level, target, params, tokens, ratio, method, weights, panel, leaveOneOut,
                looSpreadPct, status, w, assumptions, interval, evidenceSha256, evidenceSummary);
    }

    public Forecast {
        weights = List.copyOf(weights);
        panel = List.copyOf(panel);
        leaveOneOut = List.copyOf(leaveOneOut);
        warnings = List.copyOf(warnings);
        assumptions = List.copyOf(assumptions);
    }

    /** Method {@code method}'s share of the point forecast: 0 when it was not combined. */
    public double weightOf(String method) {
        return weights.stream().filter(w -> w.method().equals(method)).mapToDouble(Weight::weight).findFirst().orElse(0);
    }

    /**
     * @param method name
     * @param weight share of the point forecast
     * @param rmsErrorPct the method's backtest RMS relative error (kernel-weighted toward the target's ratio, shrunk
     *                    toward the prior when evidence is thin), in percent
     */
    public record Weight(String method, double weight, double rmsErrorPct) {}

    /**
     * @param backtestForecasts how many backtest forecasts the method made on this ladder
     * @param backtestRmsPct    the score used for selection (see {@link Weight#rmsErrorPct}); NaN when unscored
     */
    public record PanelEntry(String method, double loss, String note, int backtestForecasts, double backtestRmsPct) {}

    /** The point forecast refitted without budget {@code budget} (FLOPs). */
    public record LeftOut(double budget, double loss) {}

    /**
     * The interval's parts, all relative to the point: [L·e^−h, L·e^h] with h = quantile · √(model² + bootstrap²/2)
     * (model a Laplace scale, bootstrap a standard deviation, whose Laplace scale is ÷√2), widened to cover every
     * leave-one-out forecast when the forecast is unstable.
     *
     * @param modelErrorPct    model error expected at the target's ratio: the backtests' mean |error| (a Laplace scale)
     *                         per unit of log10(1 + ratio), scaled to the target's ratio
     * @param bootstrapPct     standard deviation of the forecast over bootstrap refits (runs resampled within budgets)
     * @param quantile         the level's quantile of F(2, 2·dof), P(|e| ≤ q·scale) for a Laplace scale estimated from
     *                         dof absolute errors (the backtest cuts plus the prior's)
     * @param degreesOfFreedom its degrees of freedom
     * @param backtestCuts     cuts whose forecasts measured the model error
     * @param effectiveCuts    their effective number under the recency weights (Kish), which sets shrinkage and dof
     * @param recencyDecades   a cut's weight falls ×1/10 per this many decades below the latest (infinite: all alike)
     * @param bootstrapSamples bootstrap refits that succeeded
     * @param widened          true when the interval was widened to the leave-one-out range
     */
    public record IntervalParts(double modelErrorPct, double bootstrapPct, double quantile, double degreesOfFreedom,
                                int backtestCuts, double effectiveCuts, double recencyDecades, int bootstrapSamples,
                                boolean widened) {
        public String describe(double level) {
            String weighting = Double.isInfinite(recencyDecades) ? "" : String.format(java.util.Locale.ROOT,
                    " weighted ×1/10 per %.3g decades below the latest, %.3g effective", recencyDecades, effectiveCuts);
            return String.format(java.util.Locale.ROOT, "%.0f%% interval: L·exp(±%.3g·√(model %.3g%%² + bootstrap %.3g%%²/2)) "
                            + "(model: mean |error| of %d backtest cuts%s, at this ladder's ratios, scaled by log10(1 + ratio), "
                            + "a Laplace scale; quantile of F(2, 2·%.3g); bootstrap: sd of %d refits)%s", 100 * level, quantile,
                    modelErrorPct, bootstrapPct,
                    backtestCuts, weighting, degreesOfFreedom, bootstrapSamples,
                    widened ? "; widened to cover every leave-one-budget-out forecast" : "");
        }
    }

    /** Whether {@code observed} lies inside the interval. */
    public boolean covers(double observed) {
        return observed >= lo && observed <= hi;
    }
}
