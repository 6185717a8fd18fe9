package scalelab.reports.model;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.forecast.Forecast;

/**
 * The forecaster's answer at one target, as the report shows it: the point with its interval, the panel side by side,
 * the leave-one-budget-out forecasts, and the band of forecasts along the extrapolated frontier.
 *
 * @param target   what is forecast ("10× the largest budget", a prediction's target name, …)
 * @param band     forecasts (with their intervals) at computes from the ladder's largest budget to the target
 */
public record ForecastView(String target, double compute, double ratio, double loss, double lo, double hi, double level,
                           String method, String status, String interval, String evidence, List<PanelRow> panel,
                           List<LeftOut> leaveOneOut, double looSpreadPct, List<String> warnings, List<String> assumptions,
                           List<BandPoint> band) {

    /** One panel method: its own forecast, its backtest score and its weight in the forecast (0 when not combined). */
    public record PanelRow(String method, double loss, double backtestRmsPct, double weight, String note) {}

    /** The forecast refitted without one budget. */
    public record LeftOut(double budget, double loss) {}

    /** The forecast and its interval at one compute along the frontier. */
    public record BandPoint(double compute, double lo, double loss, double hi) {}

    public ForecastView {
        panel = List.copyOf(panel);
        leaveOneOut = List.copyOf(leaveOneOut);
        warnings = List.copyOf(warnings);
        assumptions = List.copyOf(assumptions);
        band = List.copyOf(band);
    }

    /**
     * This forecast as prediction #{@code id} filed it: its point and interval replace the recomputed ones (equal unless the
     * quality gate widened the interval, which the interval note then says).
     */
    public ForecastView asFiled(double filedLoss, double filedLo, double filedHi, long id) {
        String note = interval;
        if (filedLo != lo || filedHi != hi) {
            note = String.format(java.util.Locale.ROOT, "%s; filed as prediction #%d with [%.4f, %.4f]: the quality gate widened "
                    + "the forecaster's [%.4f, %.4f]", interval, id, filedLo, filedHi, lo, hi);
        }
        return new ForecastView(target, compute, ratio, filedLoss, filedLo, filedHi, level, method, status, note, evidence, panel,
                leaveOneOut, looSpreadPct, warnings, assumptions, band);
    }

    /** The view of forecast {@code f}, with {@code along} the forecasts at computes up to it (for the band). */
    public static ForecastView of(String target, Forecast f, List<Forecast> along) {
        List<PanelRow> panel = new ArrayList<>();
        for (Forecast.PanelEntry p : f.panel()) {
            panel.add(new PanelRow(p.method(), p.loss(), p.backtestRmsPct(), f.weightOf(p.method()), p.note() == null ? "" : p.note()));
        }
        List<LeftOut> loo = f.leaveOneOut().stream().map(x -> new LeftOut(x.budget(), x.loss())).toList();
        List<BandPoint> band = along.stream().map(x -> new BandPoint(x.target().compute(), x.lo(), x.loss(), x.hi())).toList();
        return new ForecastView(target, f.target().compute(), f.ratio(), f.loss(), f.lo(), f.hi(), f.level(), f.method(),
                f.status().name().toLowerCase(java.util.Locale.ROOT), f.interval().describe(f.level()), f.evidenceSummary(),
                panel, loo, f.looSpreadPct(), f.warnings(), f.assumptions(), band);
    }
}
