package scalelab.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.LossSurface;

/** Turns a stored fit and a target into a prediction draft, ready to be filed in the ledger. */
public final class Predictions {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Predictions() {}

    /**
     * The target of a prediction. Give params and tokens (C defaults to 6·N·D), or compute alone (the compute-optimal
     * N*, D* of the fit's surface at C), or compute with one of params/tokens (the other from C = 6·N·D).
     */
    public record Target(String name, String kind, Double params, Double tokens, Double compute) {}

    /** {@link #draft(FitRecord, Target, double, Long, boolean, String, String, Instant)} refusing unconverged fits. */
    public static Prediction draft(FitRecord fit, Target target, double level, Long supersedes, String codeVersion,
                                   String author, Instant now) {
        return draft(fit, target, level, supersedes, false, codeVersion, author, now);
    }

    /**
     * A draft prediction from {@code fit} at {@code target}: predicted loss L(N, D) from the fit's surface; interval
     * = the {@code level} percentile interval of L(N, D) over the fit's bootstrap surfaces, or absent (said so in the
     * note) when the fit has none. A FAILED fit is refused; any other status but CONVERGED is refused unless
     * {@code allowUnconverged}, and then the note (which the entry hash covers) records the status.
     */
    public static Prediction draft(FitRecord fit, Target target, double level, Long supersedes, boolean allowUnconverged,
                                   String codeVersion, String author, Instant now) {
        if (fit.id() == null) {
            throw new IllegalArgumentException("predict from a saved fit (it needs an id the ledger can point to)");
        }
        String caveat = requireUsable("fit " + fit.id() + " (" + fit.method() + ")", fit.status(), message(fit), allowUnconverged);
        LossSurface s = fit.surface();
        if (s == null) {
            throw new IllegalArgumentException("fit " + fit.id() + " (" + fit.method() + ") has no loss surface, so it cannot"
                    + " predict a loss: use a surface fit (e.g. vpnls or approach3)");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must lie in (0, 1), got " + level);
        }
        String kind = target.kind() == null ? "dense" : target.kind().toLowerCase(Locale.ROOT);
        double n;
        double d;
        double c;
        Double tn = target.params(), td = target.tokens(), tc = target.compute();
        for (Double v : new Double[] {tn, td, tc}) {
            if (v != null && (!Double.isFinite(v) || v <= 0)) {
                throw new IllegalArgumentException("target params, tokens and compute must be finite positive numbers, got " + v);
            }
        }
        if (tn != null && td != null) {
            n = tn;
            d = td;
            c = tc != null ? tc : 6.0 * n * d;
        } else if (tc != null && tn != null) {
            n = tn;
            c = tc;
            d = c / (6.0 * n);
        } else if (tc != null && td != null) {
            d = td;
            c = tc;
            n = c / (6.0 * d);
        } else if (tc != null) {
            ComputeOptimal opt = s.optimalAt(tc);
            n = opt.params();
            d = opt.tokens();
            c = tc;
        } else {
            throw new IllegalArgumentException("give the target as --params N --tokens D, or --compute C (compute-optimal allocation)");
        }
        double predicted = s.loss(n, d);
        Double low = null, high = null, lvl = null;
        String note;
        List<LossSurface> boot = fit.bootstrapSurfaces();
        if (boot.isEmpty()) {
            note = "interval absent: fit " + fit.id() + " has no bootstrap surfaces";
        } else {
            double[] losses = boot.stream().mapToDouble(b -> b.loss(n, d)).sorted().toArray();
            low = percentile(losses, (1 - level) / 2);
            high = percentile(losses, (1 + level) / 2);
            lvl = level;
            note = "percentile interval of L(N, D) over " + losses.length + " bootstrap refits of fit " + fit.id();
        }
        if (caveat != null) {
            note = note + "; " + caveat;
        }
        String name = target.name() != null && !target.name().isBlank() ? target.name().trim()
                : String.format(Locale.ROOT, "%s-N%.3g-D%.3g", kind, n, d);
        return new Prediction(null, name, kind, n, d, c, predicted, low, high, lvl, note, fit.method(), fit.id(),
                fit.inputHash(), codeVersion, author, now, supersedes, null, null);
    }

    /**
     * Refuses to preregister from a fit that cannot back a prediction: FAILED always; any status but CONVERGED
     * (exponent on the grid edge, coefficient clamped, a fitter's own status) unless {@code allowUnconverged}. Call it
     * before anything is written, so a refused prediction leaves no trace.
     *
     * @param fit     how to name the fit in messages, e.g. "fit 3 (vpnls)"
     * @param message the fitter's message ("" when none)
     * @return null for a CONVERGED fit, else the one-line caveat the ledger entry must carry
     * @throws IllegalArgumentException naming the fit, its status and message
     */
    public static String requireUsable(String fit, String status, String message, boolean allowUnconverged) {
        String why = message == null || message.isBlank() ? "" : ": " + oneLine(message);
        if ("CONVERGED".equals(status)) {
            return null;
        }
        if ("FAILED".equals(status)) {
            throw new IllegalArgumentException(fit + " FAILED" + why + "; nothing filed: a failed fit cannot back a prediction");
        }
        if (!allowUnconverged) {
            throw new IllegalArgumentException(fit + " did not converge (" + status + why + "); nothing filed: fix the fit,"
                    + " or pass --allow-unconverged to file anyway with the status recorded in the entry");
        }
        return "filed from an unconverged fit: " + fit + " ended " + status + why;
    }

    /** The fitter's message from the stored result JSON ("message", or an MoE fit's "fit_message"), "" when absent. */
    static String message(FitRecord fit) {
        if (fit.resultJson() == null || fit.resultJson().isBlank()) {
            return "";
        }
        try {
            JsonNode o = JSON.readTree(fit.resultJson());
            JsonNode m = o.hasNonNull("message") ? o.get("message") : o.path("fit_message");
            return m.isTextual() ? m.asText() : "";
        } catch (java.io.IOException e) {
            return ""; // the status alone still names the problem; a malformed result JSON is not this caller's to judge
        }
    }

    /** The ledger's text fields are single printable lines. */
    private static String oneLine(String s) {
        return s.strip().replaceAll("\\p{Cntrl}+", " ");
    }

    /** Linear interpolation between order statistics (type 7), q in [0, 1]; {@code sorted} ascending. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
