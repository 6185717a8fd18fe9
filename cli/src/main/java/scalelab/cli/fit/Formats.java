package scalelab.cli.fit;

import java.util.Locale;

/** Output formats of the fit commands. */
final class Formats {
    private Formats() {}

    static void check(String format) {
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("--format must be text or json, got '" + format + "'");
        }
    }

    /** Compact number for tables. */
    static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "—";
    }
}
