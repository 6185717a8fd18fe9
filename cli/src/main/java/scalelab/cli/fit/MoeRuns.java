package scalelab.cli.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.Observation;
import scalelab.fitting.moe.MoeObservation;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.RunTable;

/**
 * A runs file's rows as the MoE fitters see them, for labs whose routed-MoE ladders were trained elsewhere: columns
 * {@code experts} and {@code top_k} mark an MoE row (empty, or experts = 1, is dense), {@code granularity} (G = dense
 * FFN width / expert width, default 1) and {@code total_params} (default: params, i.e. active) are optional. {@code params}
 * is the active parameter count, in which compute is counted.
 */
final class MoeRuns {
    private MoeRuns() {}

    static boolean hasMoeColumns(FitInputs in) {
        return in.rows().stream().anyMatch(r -> r.extra().containsKey("experts"));
    }

    static List<MoeObservation> of(FitInputs in) {
        if (!hasMoeColumns(in)) {
            throw new InputFormatException(in.file(), 0, "experts", "an MoE forecast needs the columns experts and top_k "
                    + "(and optionally granularity, total_params) on the MoE rows");
        }
        List<MoeObservation> out = new ArrayList<>();
        for (RunTable.Row r : in.rows()) {
            Observation o = r.observation();
            int experts = integer(in, r, "experts", 1);
            int topK = integer(in, r, "top_k", 1);
            double g = number(in, r, "granularity", 1);
            double total = number(in, r, "total_params", o.params());
            String family = experts == 1 ? "dense" : String.format(Locale.ROOT, "moe-e%d-k%d-g%s", experts, topK,
                    g == Math.rint(g) ? Long.toString((long) g) : Double.toString(g));
            try {
                out.add(new MoeObservation(o.params(), total, o.tokens(), o.flops(), o.loss(), experts, topK, g, family));
            } catch (IllegalArgumentException e) {
                throw new InputFormatException(in.file(), r.line(), null, e.getMessage());
            }
        }
        return out;
    }

    private static int integer(FitInputs in, RunTable.Row r, String column, int absent) {
        double v = number(in, r, column, absent);
        if (v != Math.rint(v) || v < 1 || v > 1e6) {
            throw new InputFormatException(in.file(), r.line(), column, column + " must be a whole number ≥ 1, got " + v);
        }
        return (int) v;
    }

    private static double number(FitInputs in, RunTable.Row r, String column, double absent) {
        String text = r.extra().get(column);
        if (text == null || text.isBlank()) {
            return absent;
        }
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new InputFormatException(in.file(), r.line(), column, "not a number: '" + text + "'");
        }
        if (!Double.isFinite(v) || v <= 0) {
            throw new InputFormatException(in.file(), r.line(), column, column + " must be a finite positive number, got " + text);
        }
        return v;
    }
}
