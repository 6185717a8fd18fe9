package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import scalelab.fitting.forecast.Forecast;

/** How a forecast prints: one text layout and one JSON object, shared by {@code forecast}, {@code predict} and the quickstart. */
public final class ForecastOutput {
    private ForecastOutput() {}

    /** The forecast as a JSON object (numbers as numbers; NaN as null). */
    public static ObjectNode json(ObjectMapper mapper, Forecast f) {
        ObjectNode o = mapper.createObjectNode();
        num(o, "loss", f.loss());
        num(o, "lo", f.lo());
        num(o, "hi", f.hi());
        o.put("level", f.level());
        o.put("compute", f.target().compute());
        num(o, "params", f.params());
        num(o, "tokens", f.tokens());
        o.put("compute_optimal", !f.target().atGivenSize());
        o.put("ratio", f.ratio());
        o.put("method", f.method());
        o.put("status", f.status().name().toLowerCase(Locale.ROOT));
        ArrayNode w = o.putArray("weights");
        for (Forecast.Weight x : f.weights()) {
            ObjectNode e = w.addObject();
            e.put("method", x.method());
            e.put("weight", x.weight());
            num(e, "backtest_rms_pct", x.rmsErrorPct());
        }
        ArrayNode panel = o.putArray("panel");
        for (Forecast.PanelEntry p : f.panel()) {
            ObjectNode e = panel.addObject();
            e.put("method", p.method());
            num(e, "loss", p.loss());
            e.put("backtest_forecasts", p.backtestForecasts());
            num(e, "backtest_rms_pct", p.backtestRmsPct());
            if (p.note() != null) {
                e.put("note", p.note());
            }
        }
        ArrayNode loo = o.putArray("leave_one_out");
        for (Forecast.LeftOut x : f.leaveOneOut()) {
            ObjectNode e = loo.addObject();
            e.put("budget", x.budget());
            num(e, "loss", x.loss());
        }
        num(o, "leave_one_out_spread_pct", f.looSpreadPct());
        ArrayNode warnings = o.putArray("warnings");
        f.warnings().forEach(warnings::add);
        ArrayNode assumptions = o.putArray("assumptions");
        f.assumptions().forEach(assumptions::add);
        ObjectNode interval = o.putObject("interval");
        interval.put("construction", f.interval().describe(f.level()));
        interval.put("model_error_pct", f.interval().modelErrorPct());
        interval.put("bootstrap_pct", f.interval().bootstrapPct());
        interval.put("quantile", f.interval().quantile());
        interval.put("degrees_of_freedom", f.interval().degreesOfFreedom());
        interval.put("backtest_cuts", f.interval().backtestCuts());
        interval.put("bootstrap_samples", f.interval().bootstrapSamples());
        interval.put("widened_to_leave_one_out", f.interval().widened());
        ObjectNode evidence = o.putObject("evidence");
        evidence.put("sha256", f.evidenceSha256());
        evidence.put("summary", f.evidenceSummary());
        return o;
    }

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
        out.printf(Locale.ROOT, "%-18s %9s %10s %9s  %s%n", "panel", "forecast", "backtests", "rms err%", "note");
        for (Forecast.PanelEntry p : f.panel()) {
            out.printf(Locale.ROOT, "%-18s %9s %10d %9s  %s%n", p.method(), Formats.num(p.loss()), p.backtestForecasts(),
                    Double.isFinite(p.backtestRmsPct()) ? String.format(Locale.ROOT, "%.2f", p.backtestRmsPct()) : "—",
                    p.note() == null ? "" : p.note());
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

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }
}
