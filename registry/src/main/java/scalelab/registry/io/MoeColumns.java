package scalelab.registry.io;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import scalelab.registry.MoeConfig;

/**
 * The MoE columns of a runs file, read the same way by {@code runs import} and by {@code forecast}/{@code backtest}
 * on a file: {@code experts} (E, a whole number ≥ 1; empty or 1 is a dense row), {@code top_k} (1 ≤ K ≤ E, required on
 * an MoE row), {@code granularity} (G = dense FFN width ÷ expert width, finite and positive, default 1; or the widths
 * themselves, {@code expert_width} and {@code ffn_width}, from which G is computed — both given, they must agree) and
 * {@code balance} (the balancing method's name, optional); {@code total_params} (all parameters, at least
 * {@code params}, which counts the active ones). A dense row has none of the MoE columns (or experts = 1, with top_k
 * and granularity empty or 1). Every problem names the file, line and column.
 */
public final class MoeColumns {
    /** The columns, in the order an export writes them. */
    public static final List<String> NAMES = List.of("experts", "top_k", "granularity", "balance");

    private MoeColumns() {}

    /** True if the file has an {@code experts} column (on any row). */
    public static boolean present(RunTable table) {
        return table.rows().stream().anyMatch(r -> r.extra().containsKey("experts"));
    }

    /** The row's expert configuration, or null for a dense row. */
    public static MoeConfig read(Path file, RunTable.Row row) {
        Double experts = number(file, row, "experts");
        Double topK = number(file, row, "top_k");
        Double granularity = number(file, row, "granularity");
        Double expertWidth = number(file, row, "expert_width");
        Double ffnWidth = number(file, row, "ffn_width");
        String balance = text(row, "balance");
        if (experts != null) {
            wholeNumber(file, row, "experts", experts);
        }
        if ((expertWidth != null || ffnWidth != null) && experts != null && experts > 1) {
            // A lab may record widths rather than G: G = dense FFN width ÷ expert width (Krajewski et al. 2024).
            if (expertWidth == null || ffnWidth == null) {
                throw new InputFormatException(file, row.line(), expertWidth == null ? "expert_width" : "ffn_width",
                        "granularity from widths needs both expert_width and ffn_width (the dense FFN width an expert divides): "
                                + "G = ffn_width / expert_width");
            }
            double g = ffnWidth / expertWidth;
            if (granularity != null && Math.abs(granularity - g) > 1e-9 * g) {
                throw new InputFormatException(file, row.line(), "granularity", String.format(Locale.ROOT, "%s disagrees with "
                        + "ffn_width / expert_width = %s / %s = %.6g", row.extra().get("granularity"), row.extra().get("ffn_width"),
                        row.extra().get("expert_width"), g));
            }
            granularity = g;
        }
        if (experts == null || experts == 1) {
            String dense = experts == null ? "a dense row (no experts)" : "a dense row (experts = 1)";
            if (topK != null && !(experts != null && topK == 1)) {
                throw new InputFormatException(file, row.line(), "top_k", dense + " takes no top_k, got " + row.extra().get("top_k"));
            }
            if (granularity != null && !(experts != null && granularity == 1)) {
                throw new InputFormatException(file, row.line(), "granularity", dense + " takes no granularity, got "
                        + row.extra().get("granularity"));
            }
            if (expertWidth != null || ffnWidth != null) {
                String column = expertWidth != null ? "expert_width" : "ffn_width";
                throw new InputFormatException(file, row.line(), column, dense + " takes no " + column + ", got "
                        + row.extra().get(column));
            }
            if (balance != null && !balance.equals("none")) {
                throw new InputFormatException(file, row.line(), "balance", dense + " takes no balance, got '" + balance + "'");
            }
            return null;
        }
        if (topK == null) {
            throw new InputFormatException(file, row.line(), "top_k", "an MoE row (experts = " + experts.intValue()
                    + ") needs top_k, the experts each token is routed to");
        }
        wholeNumber(file, row, "top_k", topK);
        if (topK > experts) {
            throw new InputFormatException(file, row.line(), "top_k", "must lie in [1, experts = " + experts.intValue()
                    + "], got " + row.extra().get("top_k"));
        }
        try {
            return new MoeConfig(experts.intValue(), topK.intValue(), granularity == null ? 1.0 : granularity, balance);
        } catch (IllegalArgumentException e) {
            throw new InputFormatException(file, row.line(), "balance", e.getMessage());
        }
    }

    /** The row's {@code total_params}, or {@code params} (active) when the column is empty; never below params. */
    public static double totalParams(Path file, RunTable.Row row) {
        double active = row.observation().params();
        Double total = numberOrNull(file, row, "total_params");
        if (total == null) {
            return active;
        }
        if (total < active) {
            throw new InputFormatException(file, row.line(), "total_params",
                    "must be a finite number at least params (" + active + "), got " + row.extra().get("total_params"));
        }
        return total;
    }

    private static String text(RunTable.Row row, String column) {
        String t = row.extra().get(column);
        return t == null || t.isBlank() ? null : t.strip().toLowerCase(Locale.ROOT);
    }

    /** A finite positive number, or null when the cell is empty or the column absent. */
    private static Double number(Path file, RunTable.Row row, String column) {
        Double v = numberOrNull(file, row, column);
        if (v != null && v <= 0) {
            throw new InputFormatException(file, row.line(), column, "must be positive, got " + row.extra().get(column));
        }
        return v;
    }

    private static Double numberOrNull(Path file, RunTable.Row row, String column) {
        String t = row.extra().get(column);
        if (t == null || t.isBlank()) {
            return null;
        }
        try {
            return Decimals.parse(t.strip());
        } catch (NumberFormatException e) {
            throw new InputFormatException(file, row.line(), column, e.getMessage());
        }
    }

    private static void wholeNumber(Path file, RunTable.Row row, String column, double v) {
        if (v != Math.rint(v) || v < 1 || v > 1e6) {
            throw new InputFormatException(file, row.line(), column, "must be a whole number ≥ 1, got " + row.extra().get(column));
        }
    }
}
