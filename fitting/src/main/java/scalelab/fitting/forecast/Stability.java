package scalelab.fitting.forecast;

import java.util.List;
import java.util.Locale;

/**
 * How far leave-one-budget-out refits move a forecast, and the interval that calls for: a forecast one budget moves by
 * more than a standard error of its model and by over {@link #UNSTABLE_SPREAD} is unstable, and its interval is widened
 * to cover every leave-one-out forecast.
 *
 * @param spread   max |leave-one-out − point| / point (NaN without leave-one-out forecasts)
 * @param unstable whether the forecast is unstable
 * @param lo       the interval's lower end, widened when unstable
 * @param hi       the interval's upper end, likewise
 */
record Stability(double spread, boolean unstable, double lo, double hi) {
    /** Leave-one-budget-out spread (relative) above which a forecast is called unstable, whatever its model error. */
    static final double UNSTABLE_SPREAD = 0.01;

    /** Judges {@code loo} against the point and its model error, adding the warning to {@code warnings} when unstable. */
    static Stability of(List<Forecast.LeftOut> loo, double point, double model, double lo, double hi, List<String> warnings) {
        double spread = loo.stream().mapToDouble(Forecast.LeftOut::loss).filter(Double::isFinite)
                .map(v -> Math.abs(v - point) / point).max().orElse(Double.NaN);
        boolean unstable = Double.isFinite(spread) && spread > Math.max(model, UNSTABLE_SPREAD);
        if (unstable) {
            warnings.add(String.format(Locale.ROOT, "unstable: leaving one budget out moves the forecast by up to %.2f%%, "
                    + "more than its model error (%.2f%%, one standard error); the interval was widened to cover every "
                    + "leave-one-out forecast", 100 * spread, 100 * model));
            for (Forecast.LeftOut x : loo) {
                if (Double.isFinite(x.loss())) {
                    lo = Math.min(lo, x.loss());
                    hi = Math.max(hi, x.loss());
                }
            }
        }
        return new Stability(spread, unstable, lo, hi);
    }

    /** The spread in percent, NaN when there was no leave-one-out. */
    double spreadPct() {
        return Double.isFinite(spread) ? 100 * spread : Double.NaN;
    }
}
