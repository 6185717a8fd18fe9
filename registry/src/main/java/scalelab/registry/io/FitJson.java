package scalelab.registry.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import scalelab.fitting.Approach2Details;
import scalelab.fitting.Bootstrap;
import scalelab.fitting.BudgetParabola;
import scalelab.fitting.FitResult;
import scalelab.fitting.FitStatus;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.LossSurface;
import scalelab.fitting.PowerLaw;
import scalelab.fitting.Units;

/**
 * The one JSON form of a fit result: what {@code scalelab fit --format json} prints, what {@code allocate --fit}
 * reads and what the registry stores. Top-level E, A, B, alpha, beta are in raw units (parameters, tokens);
 * {@code fit_units} holds the same surface for the normalisation in {@code units}. Non-finite numbers are null.
 */
public final class FitJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper STRICT = StrictInput.json();

    private FitJson() {}

    public static String write(FitResult fit) {
        try {
            return JSON.writeValueAsString(toJson(fit));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode toJson(FitResult fit) {
        ObjectNode o = JSON.createObjectNode();
        o.put("method", fit.method());
        o.put("status", fit.status().name().toLowerCase(Locale.ROOT));
        o.put("message", fit.message());
        o.put("n", fit.n());
        o.put("input_sha256", fit.inputSha256());
        LossSurface s = fit.surface();
        num(o, "E", s == null ? Double.NaN : s.E());
        num(o, "A", s == null ? Double.NaN : s.A());
        num(o, "B", s == null ? Double.NaN : s.B());
        num(o, "alpha", s == null ? Double.NaN : s.alpha());
        num(o, "beta", s == null ? Double.NaN : s.beta());
        num(o, "objective", fit.objectiveValue());
        o.put("objective_name", fit.objectiveName());
        ObjectNode units = o.putObject("units");
        units.put("params_scale", fit.units().paramsScale());
        units.put("tokens_scale", fit.units().tokensScale());
        units.put("description", fit.units().describe());
        if (fit.surfaceInFitUnits() != null) {
            o.set("fit_units", surface(fit.surfaceInFitUnits()));
        } else {
            o.putNull("fit_units");
        }
        ObjectNode opt = o.putObject("optimal");
        num(opt, "a", fit.paramsExponent());
        num(opt, "b", fit.tokensExponent());
        // the C of "optimal" (and of allocate) is counted as the runs' labels count it
        FlopConvention flops = fit.flops();
        ObjectNode count = o.putObject("flops");
        count.put("description", flops.describe());
        count.put("log_kappa_ref", flops.logKappaRef());
        count.put("slope", flops.slope());
        count.put("log_params_ref", flops.logParamsRef());
        count.put("runs", flops.runs());
        count.put("disagreeing", flops.disagreeing());
        ArrayNode w = o.putArray("warnings");
        fit.warnings().forEach(w::add);
        ObjectNode settings = o.putObject("settings");
        fit.settings().forEach(settings::put);
        Approach2Details a2 = fit.approach2();
        if (a2 == null) {
            o.putNull("approach2");
        } else {
            ObjectNode a = o.putObject("approach2");
            a.set("params_law", law(a2.paramsLaw()));
            a.set("tokens_law", law(a2.tokensLaw()));
            a.set("vertex_loss_law", law(a2.vertexLossLaw()));
            ArrayNode budgets = a.putArray("budgets");
            for (BudgetParabola p : a2.budgets()) {
                ObjectNode b = budgets.addObject();
                num(b, "compute", p.compute());
                b.put("runs", p.runs());
                num(b, "p0", p.p0());
                num(b, "p1", p.p1());
                num(b, "p2", p.p2());
                num(b, "vertex_params", p.vertexParams());
                num(b, "vertex_tokens", p.vertexTokens());
                num(b, "vertex_loss", p.vertexLoss());
                b.put("curvature_positive", p.curvaturePositive());
                b.put("vertex_inside", p.vertexInside());
                num(b, "off_centre", p.offCentre());
                num(b, "width_decades", p.widthDecades());
                num(b, "min_observed_loss", p.minObservedLoss());
                b.put("used", p.used());
            }
        }
        return o;
    }

    /** Bootstrap intervals and every replicate's raw-unit surface (the registry stores these for prediction intervals). */
    public static ObjectNode toJson(Bootstrap.Result r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("method", r.method());
        o.put("resample", r.resample().name().toLowerCase(Locale.ROOT));
        o.put("samples", r.samples());
        o.put("seed", r.seed());
        o.put("level", r.level());
        num(o, "target_compute", r.targetCompute());
        o.put("failures", r.failures());
        o.put("unconverged", r.unconverged());
        if (r.firstFailure() != null) {
            o.put("first_failure", r.firstFailure());
        }
        ObjectNode iv = o.putObject("intervals");
        r.intervals().forEach((k, v) -> {
            ObjectNode i = iv.putObject(k);
            num(i, "low", v.low());
            num(i, "median", v.median());
            num(i, "high", v.high());
        });
        ArrayNode surfaces = o.putArray("surfaces");
        for (LossSurface s : r.surfaces()) {
            surfaces.add(surface(s));
        }
        return o;
    }

    public static String write(Bootstrap.Result r) {
        try {
            return JSON.writeValueAsString(toJson(r));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a fit written by {@link #write(FitResult)}; problems name the file and the field. */
    public static FitResult read(Path file) {
        return parse(StrictInput.readUtf8(file), file);
    }

    public static FitResult parse(String text, Path source) {
        JsonNode o;
        try {
            o = STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new InputFormatException(source, line, null, "not valid JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new InputFormatException(source, 0, null, "expected one JSON object (the output of `scalelab fit --format json`)");
        }
        Reader r = new Reader(source);
        String method = r.text(o, "method");
        String statusText = r.text(o, "status");
        FitStatus status;
        try {
            status = FitStatus.valueOf(statusText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InputFormatException(source, 0, "status", "unknown status '" + statusText + "'");
        }
        JsonNode unitsNode = r.object(o, "units");
        Units units;
        try {
            units = new Units(r.number(unitsNode, "params_scale"), r.number(unitsNode, "tokens_scale"));
        } catch (IllegalArgumentException e) {
            throw new InputFormatException(source, 0, "units", e.getMessage());
        }
        LossSurface surface = null, fitUnits = null;
        Approach2Details a2 = null;
        JsonNode a2Node = o.get("approach2");
        if (a2Node != null && a2Node.isObject()) {
            List<BudgetParabola> budgets = new ArrayList<>();
            JsonNode arr = a2Node.get("budgets");
            if (arr == null || !arr.isArray()) {
                throw new InputFormatException(source, 0, "approach2.budgets", "missing or not a list");
            }
            for (JsonNode b : arr) {
                budgets.add(new BudgetParabola(r.number(b, "compute"), b.path("runs").asInt(), r.nullable(b, "p0"),
                        r.nullable(b, "p1"), r.nullable(b, "p2"), r.nullable(b, "vertex_params"),
                        r.nullable(b, "vertex_tokens"), r.nullable(b, "vertex_loss"), b.path("curvature_positive").asBoolean(),
                        b.path("vertex_inside").asBoolean(), r.nullable(b, "off_centre"), r.nullable(b, "width_decades"),
                        r.nullable(b, "min_observed_loss"), b.path("used").asBoolean()));
            }
            a2 = new Approach2Details(budgets, r.law(a2Node, "params_law"), r.law(a2Node, "tokens_law"),
                    r.law(a2Node, "vertex_loss_law"));
        } else {
            try {
                surface = new LossSurface(r.number(o, "E"), r.number(o, "A"), r.number(o, "B"), r.number(o, "alpha"),
                        r.number(o, "beta"));
                JsonNode fu = o.get("fit_units");
                fitUnits = fu != null && fu.isObject() ? new LossSurface(r.number(fu, "E"), r.number(fu, "A"),
                        r.number(fu, "B"), r.number(fu, "alpha"), r.number(fu, "beta")) : surface.inUnits(units);
            } catch (IllegalArgumentException e) {
                throw new InputFormatException(source, 0, null, e.getMessage());
            }
        }
        JsonNode optimal = r.object(o, "optimal");
        List<String> warnings = new ArrayList<>();
        JsonNode w = o.get("warnings");
        if (w != null && w.isArray()) {
            w.forEach(x -> warnings.add(x.asText()));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        JsonNode s = o.get("settings");
        if (s != null && s.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                settings.put(e.getKey(), e.getValue().asText());
            }
        }
        FlopConvention flops = flops(o, r);
        return new FitResult(method, status, o.path("message").asText(""), surface, fitUnits, units,
                o.path("objective_name").asText(""), r.nullable(o, "objective"), (int) r.number(o, "n"),
                o.path("input_sha256").asText(""), warnings, r.number(optimal, "a"), r.number(optimal, "b"), a2, settings,
                flops);
    }

    /** How a stored fit's JSON counts FLOPs (the C of its optimum); 6·N·D for JSON without the field. */
    public static FlopConvention flops(String resultJson) {
        if (resultJson == null || resultJson.isBlank()) {
            return FlopConvention.SIX_ND;
        }
        try {
            return flops(STRICT.readTree(resultJson), new Reader(null));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("stored fit JSON is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Fits written before a fit measured its runs' FLOP count read C as 6·N·D, as they were computed. */
    private static FlopConvention flops(JsonNode o, Reader r) {
        JsonNode count = o.get("flops");
        if (count == null || count.isNull()) {
            return FlopConvention.SIX_ND;
        }
        if (!count.isObject()) {
            throw new InputFormatException(r.source(), 0, "flops", "not an object");
        }
        try {
            return new FlopConvention(r.number(count, "log_kappa_ref"), r.number(count, "slope"),
                    r.number(count, "log_params_ref"), count.path("runs").asInt(), count.path("disagreeing").asInt());
        } catch (IllegalArgumentException e) {
            throw new InputFormatException(r.source(), 0, "flops", e.getMessage());
        }
    }

    private static ObjectNode surface(LossSurface s) {
        ObjectNode o = JSON.createObjectNode();
        num(o, "E", s.E());
        num(o, "A", s.A());
        num(o, "B", s.B());
        num(o, "alpha", s.alpha());
        num(o, "beta", s.beta());
        return o;
    }

    private static ObjectNode law(PowerLaw p) {
        ObjectNode o = JSON.createObjectNode();
        num(o, "coefficient", p.coefficient());
        num(o, "exponent", p.exponent());
        return o;
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }

    /** Field access that fails with the file and field name. */
    private record Reader(Path source) {
        String text(JsonNode o, String k) {
            JsonNode v = o.get(k);
            if (v == null || !v.isTextual()) {
                throw new InputFormatException(source, 0, k, "missing or not a string");
            }
            return v.asText();
        }

        JsonNode object(JsonNode o, String k) {
            JsonNode v = o.get(k);
            if (v == null || !v.isObject()) {
                throw new InputFormatException(source, 0, k, "missing or not an object");
            }
            return v;
        }

        double number(JsonNode o, String k) {
            JsonNode v = o.get(k);
            if (v == null || !v.isNumber()) {
                throw new InputFormatException(source, 0, k, "missing or not a number");
            }
            return v.asDouble();
        }

        double nullable(JsonNode o, String k) {
            JsonNode v = o.get(k);
            return v == null || v.isNull() ? Double.NaN : number(o, k);
        }

        PowerLaw law(JsonNode o, String k) {
            JsonNode l = object(o, k);
            return new PowerLaw(number(l, "coefficient"), number(l, "exponent"));
        }
    }
}
