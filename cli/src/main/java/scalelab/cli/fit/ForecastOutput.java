package scalelab.cli.fit;

import java.io.PrintWriter;
import java.util.Locale;
import scalelab.fitting.forecast.Forecast;

/** How a forecast prints for a reader ({@code forecast}); its JSON is {@link scalelab.registry.io.ForecastJson}. */
public final class ForecastOutput {
    private ForecastOutput() {}

    /** The forecast for a reader. */
    public static void text(PrintWriter out, Forecast f) {
        out.printf(Locale.ROOT, "forecast: %.4f, %.0f%% interval [%.4f, %.4f] (%s)%n", f.loss(), 100 * f.level(), f.lo(), f.hi(),
                f.status().name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "target: %s; %.3g× the ladder's largest budget%s%n", f.target().describe(), f.ratio(),
                f.target().atGivenSize() || Double.isNaN(f.params()) ? ""
                        : String.format(Locale.ROOT, "; N* = %.4g, D* = %.4g", f.params(), f.tokens()));
        out.println("method: " + f.method());
        out.println("interval: " + f.interval().describe(f.level()));
        out.println("evidence: " + f.evidenceSummary() + " (sha256 " + f.evidenceSha256().substring(0, 16) + "…)");
        // weight 0: scored, but its backtests told it apart from the best (README, "How the forecaster chooses")
        out.printf(Locale.ROOT, "%-18s %9s %10s %9s %7s  %s%n", "panel", "forecast", "backtests", "rms err%", "weight", "note");
        for (Forecast.PanelEntry p : f.panel()) {
            double weight = Double.isFinite(p.backtestRmsPct()) ? f.weightOf(p.method()) : Double.NaN;
            out.printf(Locale.ROOT, "%-18s %9s %10d %9s %7s  %s%n", p.method(), Formats.num(p.loss()), p.backtestForecasts(),
                    Double.isFinite(p.backtestRmsPct()) ? String.format(Locale.ROOT, "%.2f", p.backtestRmsPct()) : "—",
                    Double.isFinite(weight) ? String.format(Locale.ROOT, "%.2f", weight) : "—", p.note() == null ? "" : p.note());
        }
        if (!f.leaveOneOut().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Forecast.LeftOut x : f.leaveOneOut()) {
                sb.append(String.format(Locale.ROOT, " %.2e→%s", x.budget(), Formats.num(x.loss())));
            }
            out.printf(Locale.ROOT, "leave one budget out (spread %.2f%%):%s%n", f.looSpreadPct(), sb);
        }
        for (String a : f.assumptions()) {
            out.println("assumes " + a);
        }
        for (String w : f.warnings()) {
            out.println("warning: " + w);
        }
    }
}
