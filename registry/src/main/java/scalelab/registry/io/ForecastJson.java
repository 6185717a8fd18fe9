package scalelab.registry.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import scalelab.fitting.forecast.Forecast;
import scalelab.registry.ForecastGate;

/**
 * A forecast as JSON: the object {@code scalelab forecast --format json} prints and, on one line, what a ledger entry's
 * hashed forecast field holds (method or combination, evidence, interval construction, panel, leave-one-out,
 * assumptions, warnings).
 */
public final class ForecastJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ForecastJson() {}

    /** The forecast as a JSON object (numbers as numbers; NaN as null). */
    public static ObjectNode object(ObjectMapper mapper, Forecast f) {
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
        interval.put("effective_cuts", f.interval().effectiveCuts());
        if (Double.isFinite(f.interval().recencyDecades())) {
            interval.put("recency_decades", f.interval().recencyDecades());
        }
        interval.put("bootstrap_samples", f.interval().bootstrapSamples());
        interval.put("widened_to_leave_one_out", f.interval().widened());
        ObjectNode evidence = o.putObject("evidence");
        evidence.put("sha256", f.evidenceSha256());
        evidence.put("summary", f.evidenceSummary());
        return o;
    }

    /** The same object on one line (the ledger's forecast field). */
    public static String line(Forecast f) {
        try {
            return MAPPER.writeValueAsString(object(MAPPER, f));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The forecast with the quality gate's verdict on it ({@code gate}: verdict, whether it was filed over a refusal,
     * the interval filed, every check and the figures behind them), on one line: a gated ledger entry's forecast field.
     * The forecast's own {@code lo} and {@code hi} stay the forecaster's; the gate's interval is the one filed.
     */
    public static String line(Forecast f, ForecastGate.Result gate, boolean forced) {
        ObjectNode o = object(MAPPER, f);
        ObjectNode g = o.putObject("gate");
        g.put("verdict", gate.verdict().name().toLowerCase(Locale.ROOT));
        g.put("forced", forced && gate.verdict() == ForecastGate.Verdict.REFUSE);
        num(g, "lo", gate.lo());
        num(g, "hi", gate.hi());
        g.put("widened", gate.widened());
        ArrayNode checks = g.putArray("checks");
        for (ForecastGate.Check c : gate.checks()) {
            ObjectNode e = checks.addObject();
            e.put("check", c.name());
            e.put("verdict", c.verdict().name().toLowerCase(Locale.ROOT));
            e.put("finding", c.finding());
        }
        ArrayNode without = g.putArray("budgets_without_minimum");
        gate.budgetsWithoutMinimum().forEach(without::add);
        num(g, "leave_one_out_spread_pct", gate.looSpreadPct());
        num(g, "backtest_ratio", gate.backtestRatio());
        num(g, "backtest_error_pct", gate.backtestErrorPct());
        num(g, "target_ratio", gate.targetRatio());
        num(g, "expected_error_pct", gate.expectedErrorPct());
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
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
