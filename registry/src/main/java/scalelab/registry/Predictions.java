package scalelab.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
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

    /**
     * The draft with the forecaster's number in place of its fit's own: the point, the interval and its level, the
     * method (or weighted combination), a note on how the interval was built and the forecast's status, the target's
     * N and D when the forecaster chose them (compute-optimal targets), and {@code forecastJson} — the forecast's
     * evidence, panel, leave-one-budget-out and assumptions — in the entry's hashed, signed forecast field.
     */
    public static Prediction withForecast(Prediction draft, scalelab.fitting.forecast.Forecast f, String forecastJson) {
        boolean chosenSize = !f.target().atGivenSize() && Double.isFinite(f.params()) && Double.isFinite(f.tokens());
        String note = f.interval().describe(f.level()) + "; forecast status " + f.status().name().toLowerCase(java.util.Locale.ROOT)
                + (f.warnings().isEmpty() ? "" : " (" + f.warnings().size() + " warning(s) in the forecast field)");
        if (draft.intervalNote().contains("--allow-unconverged")) {
            note = note + "; " + draft.intervalNote();
        }
        // a name made from the draft's own N and D follows the forecaster's choice of them; a given name stays
        String name = chosenSize && draft.targetName().equals(defaultName(draft.kind(), draft.params(), draft.tokens()))
                ? defaultName(draft.kind(), f.params(), f.tokens()) : draft.targetName();
        return new Prediction(draft.id(), name, draft.kind(), chosenSize ? f.params() : draft.params(),
                chosenSize ? f.tokens() : draft.tokens(), draft.compute(), f.loss(), f.lo(), f.hi(), f.level(), note,
                "forecaster: " + f.method(), draft.fitId(), draft.inputHash(), draft.codeVersion(), draft.author(),
                draft.createdAt(), draft.supersedes(), draft.previousHash(), draft.entryHash()).withForecast(forecastJson);
    }

    /**
     * {@link #withForecast} after the quality gate: the interval filed is the gate's (the forecaster's, widened when it
     * was not honest), and the hashed note ends with the gate's verdict, and whether it was filed over a refusal
     * ({@code forced}). {@code forecastJson} should carry the gate (registry.io.ForecastJson's gated line).
     */
    public static Prediction withGatedForecast(Prediction draft, scalelab.fitting.forecast.Forecast f, ForecastGate.Result gate,
                                               boolean forced, String forecastJson) {
        Prediction p = withForecast(draft, f, forecastJson);
        return new Prediction(p.id(), p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(), p.predictedLoss(),
                gate.lo(), gate.hi(), p.intervalLevel(), p.intervalNote() + "; " + gate.note(forced), p.method(),
                p.fitId(), p.inputHash(), p.codeVersion(), p.author(), p.createdAt(), p.supersedes(), p.previousHash(),
                p.entryHash()).withForecast(p.forecast());
    }

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
        // C, given or derived, is counted as the fitted runs' labels count FLOPs (6·N·D unless they say otherwise)
        scalelab.fitting.FlopConvention count = scalelab.registry.io.FitJson.flops(fit.resultJson());
        if (tn != null && td != null) {
            n = tn;
            d = td;
            c = tc != null ? tc : count.flops(n, d);
        } else if (tc != null && tn != null) {
            n = tn;
            c = tc;
            d = count.tokensAt(n, c);
        } else if (tc != null && td != null) {
            d = td;
            c = tc;
            n = count.paramsAt(d, c);
        } else if (tc != null) {
            ComputeOptimal opt = count.optimalAt(s, tc);
            n = opt.params();
            d = opt.tokens();
            c = tc;
        } else {
            throw new IllegalArgumentException("give the target as --params N --tokens D, or --compute C (compute-optimal allocation)");
        }
        double predicted = s.loss(n, d);
        if (!Double.isFinite(predicted) || predicted <= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "fit %d (%s) predicts loss %s at N = %.4g, D = %.4g:"
                    + " not a finite positive loss, so there is nothing to preregister; nothing filed", fit.id(), fit.method(),
                    predicted, n, d));
        }
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
        String name = target.name() != null && !target.name().isBlank() ? target.name().trim() : defaultName(kind, n, d);
        return new Prediction(null, name, kind, n, d, c, predicted, low, high, lvl, note, fit.method(), fit.id(),
                fit.inputHash(), codeVersion, author, now, supersedes, null, null);
    }

    /** A target's name when none is given: its kind, N and D. */
    static String defaultName(String kind, double params, double tokens) {
        return String.format(Locale.ROOT, "%s-N%.3g-D%.3g", kind, params, tokens);
    }

    // ---------------------------------------------------------------- prediction or projection

    /** Tokens per parameter a target may have without {@code --allow-implausible}. */
    public static final double MIN_TOKENS_PER_PARAM = 0.1;
    public static final double MAX_TOKENS_PER_PARAM = 1e4;
    /** Largest relative difference between a target's C and 6·N·D without {@code --allow-implausible}. */
    public static final double FLOP_TOLERANCE = 0.05;
    /** Largest C / (the fitted data's largest budget) without {@code --allow-implausible}. */
    public static final double MAX_EXTRAPOLATION = 1e4;

    /**
     * What the fitted data cover, as far as telling a prediction from a projection needs.
     *
     * @param runs      finished runs the fit was made on
     * @param maxBudget the largest IsoFLOP budget among them (FLOPs)
     * @param flops     how their FLOP labels relate to 6·N·D: a target's C is checked against this count, not 6·N·D
     */
    public record DataRange(int runs, double maxBudget, scalelab.fitting.FlopConvention flops) {
        public DataRange {
            java.util.Objects.requireNonNull(flops, "flops");
        }

        /** Runs whose labels are 6·N·D (or whose count is unknown). */
        public DataRange(int runs, double maxBudget) {
            this(runs, maxBudget, scalelab.fitting.FlopConvention.SIX_ND);
        }
    }

    /**
     * Overrides the user gave, each recorded in the entry when used.
     *
     * @param allowProjection  file a target the data already cover (C not above their largest budget)
     * @param allowImplausible file a target outside the plausibility bounds (tokens per parameter, C against 6·N·D,
     *                         extrapolation ratio)
     * @param reason           the user's reason, recorded with the override (may be null)
     */
    public record Overrides(boolean allowProjection, boolean allowImplausible, String reason) {
        public static final Overrides NONE = new Overrides(false, false, null);
    }

    public enum Status {
        /** Beyond the fitted data and plausible (or overridden): may be filed. */
        PREDICTION,
        /** Inside (or below) the fitted data: answered, never filed. */
        PROJECTION,
        /** Implausible, or the data's range is unknown: refused with the reasons. */
        REFUSED
    }

    /**
     * The verdict on a draft: what it is, why, and (for {@link Status#PREDICTION}) the draft to file, its note
     * amended with every override used.
     */
    public record Vetting(Status status, List<String> reasons, Prediction draft) {
        public boolean fileable() {
            return status == Status.PREDICTION;
        }

        /** "projection (not filed): ..." or "refused: ...", one line. */
        public String describe() {
            return switch (status) {
                case PREDICTION -> "prediction" + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")");
                case PROJECTION -> "projection (not filed): " + String.join("; ", reasons);
                case REFUSED -> "refused, nothing filed: " + String.join("; ", reasons);
            };
        }
    }

    /**
     * Tells a prediction from a projection and refuses targets the data cannot support. A prediction's C lies above
     * the largest budget the fit saw; anything else is a projection (answered, never filed) unless
     * {@code allowProjection}. A target with tokens per parameter outside [{@value #MIN_TOKENS_PER_PARAM},
     * {@value #MAX_TOKENS_PER_PARAM}], C more than {@value #FLOP_TOLERANCE} (relative) away from the fitted runs' FLOP count
     * (6·N·D unless their labels count otherwise, see {@link Predictions.DataRange#flops}), or C more than
     * {@value #MAX_EXTRAPOLATION}× the largest budget is refused unless {@code allowImplausible}. Overrides used are
     * appended to the draft's interval note, which the entry hash and signature cover.
     *
     * @param range null when the fit records no runs this registry knows: then nothing can be called a prediction
     */
    public static Vetting vet(Prediction draft, DataRange range, Overrides overrides) {
        Overrides o = overrides == null ? Overrides.NONE : overrides;
        List<String> used = new ArrayList<>();
        String because = o.reason() == null || o.reason().isBlank() ? "" : " (" + oneLine(o.reason()) + ")";
        double n = draft.params(), d = draft.tokens(), c = draft.compute();
        String target = String.format(Locale.ROOT, "C = %.4g FLOPs (N = %.4g, D = %.4g)", c, n, d);
        if (range == null || range.runs() == 0) {
            String why = "fit " + draft.fitId() + " records no runs this registry holds, so the largest budget it saw is"
                    + " unknown and " + target + " cannot be shown to lie beyond its data";
            if (!o.allowProjection()) {
                return new Vetting(Status.REFUSED, List.of(why + "; pass --allow-projection to file it anyway, recorded"), null);
            }
            used.add("override --allow-projection" + because + ": " + why);
        } else if (!(c > range.maxBudget())) {
            String why = String.format(Locale.ROOT, "%s is not above the largest budget the fit saw (%.4g FLOPs over %d runs):"
                    + " the data already cover it", target, range.maxBudget(), range.runs());
            if (!o.allowProjection()) {
                return new Vetting(Status.PROJECTION, List.of(why + String.format(Locale.ROOT, "; L(N, D) = %.4f", draft.predictedLoss())),
                        null);
            }
            used.add("override --allow-projection" + because + ": " + why);
        }
        List<String> implausible = new ArrayList<>();
        double tpp = d / n;
        if (tpp < MIN_TOKENS_PER_PARAM || tpp > MAX_TOKENS_PER_PARAM) {
            implausible.add(String.format(Locale.ROOT, "%.3g tokens per parameter lies outside [%s, %s]", tpp,
                    fmt(MIN_TOKENS_PER_PARAM), fmt(MAX_TOKENS_PER_PARAM)));
        }
        // the fitted runs' own FLOP count (their labels against 6·N·D), so a lab's convention is not called implausible
        scalelab.fitting.FlopConvention count = range == null ? scalelab.fitting.FlopConvention.SIX_ND : range.flops();
        double counted = count.flops(n, d);
        if (Math.abs(c - counted) / counted > FLOP_TOLERANCE) {
            implausible.add(String.format(Locale.ROOT, "C = %.4g differs from %s = %.4g by %.1f%% (tolerance %.0f%%)", c,
                    count.isSixNd() ? "6·N·D" : String.format(Locale.ROOT, "the fitted runs' count %.3g·6·N·D", count.kappa(n)),
                    counted, 100 * Math.abs(c - counted) / counted, 100 * FLOP_TOLERANCE));
        }
        if (range != null && range.runs() > 0 && c / range.maxBudget() > MAX_EXTRAPOLATION) {
            implausible.add(String.format(Locale.ROOT, "C is %.3g× the largest budget fitted (%.4g), beyond the %s× the data can back",
                    c / range.maxBudget(), range.maxBudget(), fmt(MAX_EXTRAPOLATION)));
        }
        if (!implausible.isEmpty()) {
            if (!o.allowImplausible()) {
                List<String> r = new ArrayList<>(implausible);
                r.add("pass --allow-implausible to file it anyway, recorded");
                return new Vetting(Status.REFUSED, r, null);
            }
            used.add("override --allow-implausible" + because + ": " + String.join("; ", implausible));
        }
        Prediction out = draft;
        if (!used.isEmpty()) {
            out = new Prediction(draft.id(), draft.targetName(), draft.kind(), n, d, c, draft.predictedLoss(), draft.intervalLow(),
                    draft.intervalHigh(), draft.intervalLevel(), draft.intervalNote() + "; " + String.join("; ", used),
                    draft.method(), draft.fitId(), draft.inputHash(), draft.codeVersion(), draft.author(), draft.createdAt(),
                    draft.supersedes(), draft.previousHash(), draft.entryHash(), draft.seq(), draft.format(), draft.forecast(),
                    draft.publicKey(), draft.signature());
        }
        return new Vetting(Status.PREDICTION, used, out);
    }

    /** A target that was answered but not filed: a projection. The message starts "projection (not filed): ". */
    public static final class NotFiled extends IllegalArgumentException {
        private final Vetting vetting;

        public NotFiled(Vetting vetting) {
            super(vetting.describe());
            this.vetting = vetting;
        }

        public Vetting vetting() {
            return vetting;
        }
    }

    /** Throws {@link NotFiled} for a projection and IllegalArgumentException (the reasons) for a refused target. */
    public static void requireFileable(Vetting v) {
        if (v.status() == Status.PROJECTION) {
            throw new NotFiled(v);
        }
        if (v.status() == Status.REFUSED) {
            throw new IllegalArgumentException(v.describe());
        }
    }

    private static String fmt(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.0e", v).replace("e+0", "e").replace("e+", "e") : Double.toString(v);
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
