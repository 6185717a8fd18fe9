package scalelab.registry;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.LossSurface;

/** Turns a stored fit and a target into a prediction draft, ready to be filed in the ledger. */
public final class Predictions {
    private Predictions() {}

    /**
     * The target of a prediction. Give params and tokens (C defaults to 6·N·D), or compute alone (the compute-optimal
     * N*, D* of the fit's surface at C), or compute with one of params/tokens (the other from C = 6·N·D).
     */
    public record Target(String name, String kind, Double params, Double tokens, Double compute) {}

    /**
     * A draft prediction from {@code fit} at {@code target}: predicted loss L(N, D) from the fit's surface; interval
     * = the {@code level} percentile interval of L(N, D) over the fit's bootstrap surfaces, or absent (said so in the
     * note) when the fit has none.
     */
    public static Prediction draft(FitRecord fit, Target target, double level, Long supersedes, String codeVersion,
                                   String author, Instant now) {
        if (fit.id() == null) {
            throw new IllegalArgumentException("predict from a saved fit (it needs an id the ledger can point to)");
        }
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
        String name = target.name() != null && !target.name().isBlank() ? target.name().trim()
                : String.format(Locale.ROOT, "%s-N%.3g-D%.3g", kind, n, d);
        return new Prediction(null, name, kind, n, d, c, predicted, low, high, lvl, note, fit.method(), fit.id(),
                fit.inputHash(), codeVersion, author, now, supersedes, null, null);
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
