package scalelab.fitting.moe;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An MoE configuration at a given size and data budget: what a law is asked to predict. Written on the command line as
 * {@code moe:experts=E,top_k=K,active=N_act,tokens=D[,granularity=G]}; numbers accept scientific notation and the
 * suffixes K, M, B, T (10^3, 10^6, 10^9, 10^12). experts=1 is a dense target.
 */
public record MoeTarget(int experts, int topK, double granularity, double activeParams, double tokens) {

    public static final String PREFIX = "moe:";
    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    public MoeTarget {
        if (experts < 1) {
            throw new IllegalArgumentException("target experts must be at least 1, got " + experts);
        }
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("target top_k must be between 1 and experts (" + experts + "), got " + topK);
        }
        for (var e : Map.of("granularity", granularity, "active", activeParams, "tokens", tokens).entrySet()) {
            if (!Double.isFinite(e.getValue()) || e.getValue() <= 0) {
                throw new IllegalArgumentException("target " + e.getKey() + " must be a finite positive number, got " + e.getValue());
            }
        }
    }

    /** Nominal training compute of the target, C = 6·N_act·D (forecasts count it as the ladder runs' labels do). */
    public double flops() {
        return 6.0 * activeParams * tokens;
    }

    public boolean isDense() {
        return experts == 1;
    }

    /** The canonical target string ({@link #parse} of it gives this target back). */
    public String describe() {
        String s = PREFIX + "experts=" + experts + ",top_k=" + topK + ",active=" + num(activeParams) + ",tokens=" + num(tokens);
        return granularity == 1.0 ? s : s + ",granularity=" + num(granularity);
    }

    /**
     * Parses {@code moe:experts=E,top_k=K,active=N_act,tokens=D[,granularity=G]}.
     *
     * @throws IllegalArgumentException naming the missing, unknown, repeated or malformed field
     */
    public static MoeTarget parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("target is missing: expected " + PREFIX + "experts=E,top_k=K,active=N,tokens=D");
        }
        String t = text.strip();
        if (!t.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
            throw new IllegalArgumentException("target '" + text + "' must start with '" + PREFIX
                    + "' (expected " + PREFIX + "experts=E,top_k=K,active=N,tokens=D)");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String body = t.substring(PREFIX.length());
        if (body.isBlank()) {
            throw new IllegalArgumentException("target '" + text + "' has no fields after '" + PREFIX + "'");
        }
        for (String part : body.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("target field '" + part.strip() + "' is not of the form name=value");
            }
            String name = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = part.substring(eq + 1).strip();
            if (!name.equals("experts") && !name.equals("top_k") && !name.equals("active") && !name.equals("tokens")
                    && !name.equals("granularity")) {
                throw new IllegalArgumentException("target field '" + name
                        + "' is unknown (known: experts, top_k, active, tokens, granularity)");
            }
            if (fields.put(name, value) != null) {
                throw new IllegalArgumentException("target field '" + name + "' is given twice");
            }
        }
        for (String required : new String[] {"experts", "top_k", "active", "tokens"}) {
            if (!fields.containsKey(required)) {
                throw new IllegalArgumentException("target field '" + required + "' is missing in '" + text + "'");
            }
        }
        int experts = parseCount("experts", fields.get("experts"));
        int topK = parseCount("top_k", fields.get("top_k"));
        if (topK > experts) {
            throw new IllegalArgumentException("target field 'top_k' (" + topK + ") exceeds 'experts' (" + experts + ")");
        }
        double active = parseAmount("active", fields.get("active"));
        double tokens = parseAmount("tokens", fields.get("tokens"));
        double granularity = fields.containsKey("granularity") ? parseAmount("granularity", fields.get("granularity")) : 1.0;
        return new MoeTarget(experts, topK, granularity, active, tokens);
    }

    private static int parseCount(String field, String value) {
        double v = parseAmount(field, value);
        if (v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("target field '" + field + "' must be a whole number, got '" + value + "'");
        }
        return (int) v;
    }

    private static double parseAmount(String field, String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("target field '" + field + "' has no value");
        }
        double scale = 1.0;
        String digits = value;
        char last = Character.toUpperCase(value.charAt(value.length() - 1));
        switch (last) {
            case 'K' -> scale = 1e3;
            case 'M' -> scale = 1e6;
            case 'B' -> scale = 1e9;
            case 'T' -> scale = 1e12;
            default -> { }
        }
        if (scale != 1.0) {
            digits = value.substring(0, value.length() - 1);
        }
        // Plain decimal or scientific notation only (Double.parseDouble would also take "1e9f", "0x1p3", "NaN").
        if (!NUMBER.matcher(digits).matches()) {
            throw new IllegalArgumentException("target field '" + field + "' must be a number (e.g. 1.6e10 or 16B), got '" + value + "'");
        }
        double v = Double.parseDouble(digits) * scale;
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException("target field '" + field + "' must be a finite positive number, got '" + value + "'");
        }
        return v;
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
