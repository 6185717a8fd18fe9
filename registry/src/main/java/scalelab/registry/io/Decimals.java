package scalelab.registry.io;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Numbers as a data file or an option writes them: plain decimal or scientific notation ("1200", "-0.5", ".5",
 * "1.4e12"). {@link Double#parseDouble} also takes Java-isms ("1d", "2f", "0x1p3", "Infinity", "NaN", padding)
 * that are typos or export bugs in a run table, not values.
 */
public final class Decimals {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Pattern INFINITE = Pattern.compile("[+-]?inf(?:inity)?");

    private Decimals() {}

    /** Whether {@code s} (surrounding blanks aside) is a number as a data file writes it — what {@link #parse} accepts but infinities. */
    public static boolean isDecimal(String s) {
        return DECIMAL.matcher(s.trim()).matches();
    }

    /**
     * The finite value of {@code s}.
     *
     * @throws NumberFormatException whose message is the problem, e.g. "not a number: '1d' (expected a decimal such
     *                               as 1.5e9)", "NaN is not a valid value", "infinite value: 'Infinity'"
     */
    public static double parse(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("nan") || lower.equals("+nan") || lower.equals("-nan")) {
            throw new NumberFormatException("NaN is not a valid value");
        }
        if (INFINITE.matcher(lower).matches()) {
            throw new NumberFormatException("infinite value: '" + s + "'");
        }
        if (!DECIMAL.matcher(s).matches()) {
            throw new NumberFormatException("not a number: '" + s + "' (expected a decimal such as 1.5e9)");
        }
        double v = Double.parseDouble(s);
        if (Double.isInfinite(v)) {
            throw new NumberFormatException("infinite value: '" + s + "' (beyond the range of a double)");
        }
        return v;
    }
}
