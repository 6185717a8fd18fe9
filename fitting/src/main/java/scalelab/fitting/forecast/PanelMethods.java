package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.Approach2;
import scalelab.fitting.Approach3;
import scalelab.fitting.AsymptoteLaw;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.BudgetParabola;
import scalelab.fitting.FitInputException;
import scalelab.fitting.FitResult;
import scalelab.fitting.FitStatus;
import scalelab.fitting.IsoFlopMinimum;
import scalelab.fitting.LossObjective;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;

/** The forecasting panel's methods. */
public final class PanelMethods {
    private PanelMethods() {}

    /** Trust-region half-widths in ln N offered to the backtest (±2× and ±3× around each budget's optimum). */
    public static final double[] NEAR_OPTIMUM_WIDTHS = {Math.log(2), Math.log(3)};

    /**
     * The default panel: full-surface VPNLS (least squares, Huber), VPNLS on the runs near each budget's optimum at
     * two trust-region widths, Approach 2's vertex power law and Marin's asymptote law with L∞ fitted; plus the law
     * with L∞ pinned when {@code pinnedAsymptote} is given, and Approach 3 when asked (it is ~100× slower).
     */
    public static List<ForecastMethod> defaultPanel(Double pinnedAsymptote, boolean withApproach3) {
        List<ForecastMethod> out = new ArrayList<>();
        out.add(vpnls(LossObjective.MSE));
        out.add(vpnls(LossObjective.huber(1e-3)));
        out.add(tied());
        for (double w : NEAR_OPTIMUM_WIDTHS) {
            out.add(nearOptimum(w));
        }
        if (withApproach3) {
            out.add(approach3());
        }
        out.add(vertexPowerLaw());
        out.add(asymptote(null));
        out.add(recentMinima());
        if (pinnedAsymptote != null) {
            out.add(asymptote(pinnedAsymptote));
        }
        return out;
    }

    /** Every name {@link #byName} knows. */
    public static final List<String> NAMES = List.of("vpnls-mse", "vpnls-huber", "vpnls-tied", "vpnls-near2", "vpnls-near3", "approach3",
            "approach2", "asymptote-fitted", "asymptote-recent", "asymptote-pinned");

    /** A panel method by its name ({@link #NAMES}); asymptote-pinned needs {@code pinnedAsymptote}. */
    public static ForecastMethod byName(String name, Double pinnedAsymptote) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "vpnls-mse" -> vpnls(LossObjective.MSE);
            case "vpnls-huber" -> vpnls(LossObjective.huber(1e-3));
            case "vpnls-tied" -> tied();
            case "vpnls-near2" -> nearOptimum(NEAR_OPTIMUM_WIDTHS[0]);
            case "vpnls-near3" -> nearOptimum(NEAR_OPTIMUM_WIDTHS[1]);
            case "approach3" -> approach3();
            case "approach2" -> vertexPowerLaw();
            case "asymptote-fitted" -> asymptote(null);
            case "asymptote-recent" -> recentMinima();
            case "asymptote-pinned" -> {
                if (pinnedAsymptote == null) {
                    throw new IllegalArgumentException("asymptote-pinned needs the asymptote L∞ (e.g. --asymptote 1.6)");
                }
                yield asymptote(pinnedAsymptote);
            }
            default -> throw new IllegalArgumentException("unknown forecasting method '" + name + "' (expected one of "
                    + String.join(", ", NAMES) + ")");
        };
    }

    /** VPNLS on every run of the ladder. */
    public static ForecastMethod vpnls(LossObjective objective) {
        String name = objective.kind() == LossObjective.Kind.MSE ? "vpnls-mse" : "vpnls-huber";
        return new SurfaceMethod(name, true, "L = E + A·N^-α + B·D^-β holds over every run of the ladder (" + objective.describe()
                + " on loss residuals, VPNLS)", ladder -> Vpnls.fit(ladder.observations(),
                Vpnls.Options.defaults().withObjective(objective)));
    }

    /**
     * VPNLS with α = β on every run: Gadre et al.'s over-training law, one exponent fewer. Offered for runs at a given N
     * and D (over-trained targets); at compute-optimal targets it made the development suite's forecasts worse (README).
     */
    public static ForecastMethod tied() {
        return new SurfaceMethod("vpnls-tied", false, "L = E + A·N^-α + B·D^-α (one exponent for size and data: Gadre et al. 2024's "
                + "over-training law) holds over every run (least squares, VPNLS)", ladder -> Vpnls.fitTied(ladder.observations(),
                Vpnls.Options.defaults()));
    }

    /**
     * VPNLS (least squares) on the runs within ±e^w of each budget's optimum in N: the surface form need only hold
     * near the optima, where forecasts are made. A budget's optimum is its parabola's vertex when the parabola has a
     * minimum inside the sampled sizes, else its best run.
     */
    public static ForecastMethod nearOptimum(double halfWidthLn) {
        long factor = Math.round(Math.exp(halfWidthLn));
        String name = "vpnls-near" + factor;
        return new SurfaceMethod(name, true, String.format(Locale.ROOT, "L = E + A·N^-α + B·D^-β holds within ±%d× of each "
                + "budget's optimal N (least squares on those runs only, VPNLS)", factor),
                ladder -> Vpnls.fit(nearOptimumRuns(ladder, halfWidthLn), Vpnls.Options.defaults()));
    }

    /** Chinchilla/Epoch Approach 3 (Huber on log-loss, L-BFGS from a grid of starts). */
    public static ForecastMethod approach3() {
        return new SurfaceMethod("approach3", true, "L = E + A·N^-α + B·D^-β over every run (Huber δ=1e-3 on log-loss, "
                + "Chinchilla's Approach 3)", ladder -> Approach3.fit(ladder.observations()));
    }

    /** Approach 2's vertex losses extrapolated by a pure power law L*(C) = l·C^γ (no floor). */
    public static ForecastMethod vertexPowerLaw() {
        return new VertexLaw("approach2", "the per-budget parabola minima follow a pure power law in compute (no "
                + "irreducible loss)", null, false);
    }

    /** Marin's law L*(C) = L∞ + A·C^−α on the per-budget parabola minima; L∞ fitted when {@code pinned} is null. */
    public static ForecastMethod asymptote(Double pinned) {
        return pinned == null
                ? new VertexLaw("asymptote-fitted", "the per-budget parabola minima follow L∞ + A·C^−α with L∞ fitted", null, true)
                : new VertexLaw("asymptote-pinned", String.format(Locale.ROOT, "the per-budget parabola minima follow "
                        + "L∞ + A·C^−α with L∞ pinned at %s by the user (an assumption, not a fit)", pinned), pinned, true);
    }

    /** How far below the largest budget, in decades of compute, {@link #recentMinima} looks. */
    public static final double RECENT_DECADES = 1.0;

    /**
     * The fewest budgets {@link #recentMinima} fits: the window reaches lower when the top decade holds fewer, so
     * leaving one budget out still leaves a fit. (At least 4 — never a bare interpolation — made the development suite's
     * forecasts worse: the method then fails on the first cuts and the selection has less evidence; BENCHMARKS.md.)
     */
    public static final int MIN_RECENT_BUDGETS = 3;

    /**
     * Marin's law L∞ + A·C^−α (L∞ fitted) on each budget's best run, over the budgets within {@link #RECENT_DECADES}
     * of the largest (at least {@link #MIN_RECENT_BUDGETS} budgets) whose best run is bracketed by worse runs
     * ({@link IsoFlopMinimum.Verdict#bestRunBracketed}; every budget when fewer than 3 are): the law need only hold at the ladder's top end,
     * nearest the target (a ladder's small budgets can fall faster than its large ones, e.g. when their runs are short),
     * and a budget's best run is what a held-out budget is judged by — no parabola whose vertex an asymmetric IsoFLOP
     * curve pulls off the runs.
     */
    public static ForecastMethod recentMinima() {
        return new RecentMinimaLaw();
    }

    /** The runs within ±e^w of each budget's optimal N (vertex when inside the sizes, else the best run). */
    static List<Observation> nearOptimumRuns(Ladder ladder, double halfWidthLn) {
        List<Observation> out = new ArrayList<>();
        List<BudgetGrouping.Budget> budgets = ladder.grouping().budgets();
        for (int b = 0; b < budgets.size(); b++) {
            double centre = Math.log(ladder.bestRun(b).params());
            if (budgets.get(b).members().size() >= Approach2.MIN_RUNS_PER_BUDGET) {
                BudgetParabola p = Approach2.parabola(ladder.observations(), budgets.get(b));
                if (p.curvaturePositive() && p.vertexInside()) {
                    centre = Math.log(p.vertexParams());
                }
            }
            for (int i : budgets.get(b).members()) {
                Observation o = ladder.observations().get(i);
                if (Math.abs(Math.log(o.params()) - centre) <= halfWidthLn + 1e-9) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    private record SurfaceMethod(String name, boolean forComputeOptimal, String assumptions,
                                 java.util.function.Function<Ladder, FitResult> fitter) implements ForecastMethod {
        @Override
        public boolean hasSurface() {
            return true;
        }

        @Override
        public Fitted fit(Ladder ladder) {
            FitResult r = fitter.apply(ladder);
            if (r.status() == FitStatus.FAILED) {
                throw new FitInputException(name + " failed: " + r.message());
            }
            String note = r.status() == FitStatus.CONVERGED ? "ok" : r.status().name().toLowerCase(Locale.ROOT) + ": " + r.message();
            if (!r.surface().hasComputeOptimum()) {
                // still a surface: it forecasts a run at a given N and D, but names no compute-optimal loss
                return new Fitted(r.surface(), c -> {
                    throw new FitInputException(name + ": the fitted surface has no compute optimum (" + r.surface() + ")");
                }, "no compute optimum: " + note);
            }
            return new Fitted(r.surface(), c -> r.surface().optimalAt(c).loss(), note);
        }
    }

    /** Marin's law with L∞ fitted to minima {@code loss} at {@code compute}, noting when it merely interpolates or hits L∞ = 0. */
    private static ForecastMethod.Fitted freeAsymptote(double[] compute, double[] loss, String points) {
        AsymptoteLaw law = AsymptoteLaw.fitFree(compute, loss);
        String note = compute.length == 3 ? "3 " + points + " for 3 parameters: the law interpolates (fragile)"
                : law.asymptote() == 0.0 ? "L∞ fitted at its lower bound 0" : "ok";
        return new ForecastMethod.Fitted(null, law::at, note);
    }

    private record RecentMinimaLaw() implements ForecastMethod {
        @Override
        public String name() {
            return "asymptote-recent";
        }

        @Override
        public String assumptions() {
            return String.format(Locale.ROOT, "each budget's best run follows L∞ + A·C^−α (L∞ fitted) over the budgets within "
                    + "%.1f decade of the largest (at least the %d largest) whose best run has a worse run on each side; "
                    + "farther budgets, and budgets whose best run is their smallest or largest size, are not used",
                    RECENT_DECADES, MIN_RECENT_BUDGETS);
        }

        @Override
        public boolean hasSurface() {
            return false;
        }

        @Override
        public int fewestBudgets() {
            return MIN_RECENT_BUDGETS;
        }

        /**
         * Wild bootstrap on the law's residuals at the budgets it fitted (inflated by √(n/(n−3)) for the 3 parameters
         * fitted); a 3-point fit has no residuals to resample, so the runs are resampled as for every method.
         */
        @Override
        public List<Ladder> bootstrapLadders(Ladder ladder, Fitted fitted, List<Ladder> runResamples, long seed) {
            List<Integer> used = budgetsUsed(ladder);
            int n = used.size();
            if (n <= 3) {
                return runResamples;
            }
            double[] residual = new double[ladder.budgetCount()];
            for (int b : used) {
                residual[b] = (ladder.observedMinimum(b) - fitted.optimalLoss(ladder.budget(b))) * Math.sqrt(n / (n - 3.0));
            }
            return minimumResamples(ladder, residual, runResamples.size(), seed);
        }

        @Override
        public Fitted fit(Ladder ladder) {
            int k = ladder.budgetCount();
            if (k < MIN_RECENT_BUDGETS) {
                throw new FitInputException(String.format(Locale.ROOT, "asymptote-recent fits 3 parameters and needs at least "
                        + "%d budgets; this ladder has %d", MIN_RECENT_BUDGETS, k));
            }
            List<Integer> recent = budgetsUsed(ladder);
            int bracketed = bracketed(ladder).size();
            boolean fallback = bracketed < MIN_RECENT_BUDGETS;
            Fitted fit = freeAsymptote(recent.stream().mapToDouble(ladder::budget).toArray(),
                    recent.stream().mapToDouble(ladder::observedMinimum).toArray(), "budgets");
            if (!fallback) {
                return fit;
            }
            String why = String.format(Locale.ROOT, "only %d budget(s) bracket their best run, so every budget's best run was "
                    + "used (those at an end of their sizes overstate their minimum)", bracketed);
            return new Fitted(null, fit.optimal(), fit.note().equals("ok") ? why : fit.note() + "; " + why);
        }
    }

    /** The budgets whose best run is bracketed by worse runs ({@link IsoFlopMinimum.Verdict#bestRunBracketed}). */
    private static List<Integer> bracketed(Ladder ladder) {
        List<BudgetGrouping.Budget> budgets = ladder.grouping().budgets();
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < budgets.size(); b++) {
            if (IsoFlopMinimum.of(ladder.observations(), budgets.get(b)).bestRunBracketed()) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * The budgets {@link #recentMinima} fits: only those whose best run is bracketed (at an end of the sizes the minimum
     * lies off the grid and the best run overstates it) — every budget when fewer than {@link #MIN_RECENT_BUDGETS} are —
     * within {@link #RECENT_DECADES} of the largest, at least the {@link #MIN_RECENT_BUDGETS} largest of them.
     */
    static List<Integer> budgetsUsed(Ladder ladder) {
        List<Integer> usable = bracketed(ladder);
        if (usable.size() < MIN_RECENT_BUDGETS) {
            usable = java.util.stream.IntStream.range(0, ladder.budgetCount()).boxed().toList();
        }
        double floor = ladder.largestBudget() * Math.pow(10, -RECENT_DECADES) * (1 - 1e-9);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < usable.size(); i++) {
            if (ladder.budget(usable.get(i)) >= floor || i >= usable.size() - MIN_RECENT_BUDGETS) {
                out.add(usable.get(i));
            }
        }
        return out;
    }

    /**
     * Wild bootstrap of a law of the budgets' best runs: every run of budget b moves by 0 or −2·residual[b] (the sign
     * drawn per budget), so each budget keeps its runs, its shape and its best run, which lands at the law ± residual.
     */
    static List<Ladder> minimumResamples(Ladder ladder, double[] residual, int samples, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int k = ladder.budgetCount();
        List<BudgetGrouping.Budget> budgets = ladder.grouping().budgets();
        List<Ladder> out = new ArrayList<>(samples);
        for (int s = 0; s < samples; s++) {
            List<Observation> obs = new ArrayList<>(ladder.observations());
            for (int b = 0; b < k; b++) {
                double shift = rng.nextBoolean() ? 0 : -2 * residual[b];
                for (int i : budgets.get(b).members()) {
                    Observation o = obs.get(i);
                    double loss = o.loss() + shift;
                    obs.set(i, new Observation(o.params(), o.tokens(), o.flops(), loss > 0 ? loss : o.loss(), o.group(), o.weight()));
                }
            }
            out.add(new Ladder(obs, ladder.grouping()));
        }
        return out;
    }

    private record VertexLaw(String name, String assumptions, Double pinned, boolean withAsymptote)
            implements ForecastMethod {
        @Override
        public boolean hasSurface() {
            return false;
        }

        /** A power law or a pinned asymptote needs 2 vertices, a free asymptote 3. */
        @Override
        public int fewestBudgets() {
            return withAsymptote && pinned == null ? 3 : 2;
        }

        @Override
        public Fitted fit(Ladder ladder) {
            FitResult a2 = Approach2.fit(ladder.observations(), ladder.grouping());
            List<BudgetParabola> used = a2.approach2().budgets().stream().filter(BudgetParabola::used).toList();
            if (!withAsymptote) {
                return new Fitted(null, c -> a2.optimalAt(c).loss(), used.size() < 3 ? "only " + used.size()
                        + " usable vertices" : "ok");
            }
            double[] c = used.stream().mapToDouble(BudgetParabola::compute).toArray();
            double[] l = used.stream().mapToDouble(BudgetParabola::vertexLoss).toArray();
            if (pinned != null) {
                return new Fitted(null, AsymptoteLaw.fitPinned(c, l, pinned)::at, "ok");
            }
            return freeAsymptote(c, l, "vertices");
        }
    }
}
