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
import scalelab.fitting.FlopConvention;
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
     * two trust-region widths, Approach 2's vertex power law corrected by its backtest drift (the plain law is
     * asked for by name) and Marin's asymptote law with L∞ fitted; plus the law
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
        out.add(vertexPowerLawDriftCorrected());
        out.add(asymptote(null));
        out.add(recentMinima());
        if (pinnedAsymptote != null) {
            out.add(asymptote(pinnedAsymptote));
        }
        return out;
    }

    /** Every name {@link #byName} knows. */
    public static final List<String> NAMES = List.of("vpnls-mse", "vpnls-huber", "vpnls-tied", "vpnls-near2", "vpnls-near3", "approach3",
            "approach2", "approach2-drift", "asymptote-fitted", "asymptote-recent", "asymptote-pinned");

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
            case "approach2-drift" -> vertexPowerLawDriftCorrected();
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

    /** Approach 2's vertex power law corrected by its own backtest drift on the ladder: {@link DriftCorrectedLaw}. */
    public static ForecastMethod vertexPowerLawDriftCorrected() {
        return new DriftCorrectedLaw("approach2-drift", vertexPowerLaw());
    }

    /** Marin's law L*(C) = L∞ + A·C^−α on the per-budget parabola minima; L∞ fitted when {@code pinned} is null. */
    public static ForecastMethod asymptote(Double pinned) {
        return pinned == null
                ? new VertexLaw("asymptote-fitted", "the per-budget parabola minima follow L∞ + A·C^−α with L∞ fitted", null, true)
                : new VertexLaw("asymptote-pinned", String.format(Locale.ROOT, "the per-budget parabola minima follow "
                        + "L∞ + A·C^−α with L∞ pinned at %s by the user (an assumption, not a fit)", pinned), pinned, true);
    }

    /** Marin's law on the top decade of budgets' best runs: {@link RecentMinimaLaw}. */
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
            // the ladder's own FLOP labels, not 6·N·D, define the budget a compute-optimal target is at
            FlopConvention convention = FlopConvention.measure(ladder.observations());
            return new Fitted(r.surface(), c -> convention.optimalAt(r.surface(), c).loss(), note);
        }
    }

    /** Marin's law with L∞ fitted to minima {@code loss} at {@code compute}, noting when it merely interpolates or hits L∞ = 0. */
    static ForecastMethod.Fitted freeAsymptote(double[] compute, double[] loss, String points) {
        AsymptoteLaw law = AsymptoteLaw.fitFree(compute, loss);
        String note = compute.length == 3 ? "3 " + points + " for 3 parameters: the law interpolates (fragile)"
                : law.asymptote() == 0.0 ? "L∞ fitted at its lower bound 0" : "ok";
        return new ForecastMethod.Fitted(null, law::at, note);
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
