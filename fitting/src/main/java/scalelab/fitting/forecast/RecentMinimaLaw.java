package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.IsoFlopMinimum;
import scalelab.fitting.Observation;

/**
 * {@code asymptote-recent}: Marin's law L∞ + A·C^−α (L∞ fitted) on each budget's best run, over the budgets within
 * {@link #DECADES} of the largest (at least {@link #MIN_BUDGETS}) whose best run is bracketed by worse runs
 * ({@link IsoFlopMinimum.Verdict#bestRunBracketed}; every budget when fewer than {@link #MIN_BUDGETS} are). The law need
 * only hold at the ladder's top end, nearest the target (a ladder's small budgets can fall faster than its large ones,
 * e.g. when their runs are short), and a budget's best run is what a held-out budget is judged by — no parabola whose
 * vertex an asymmetric IsoFLOP curve pulls off the runs. Its bootstrap resamples its residuals, not runs.
 */
final class RecentMinimaLaw implements ForecastMethod {
    /** How far below the largest budget, in decades of compute, the law looks. */
    static final double DECADES = 1.0;

    /**
     * The fewest budgets the law fits: the window reaches lower when the top decade holds fewer, so leaving one budget
     * out still leaves a fit. (At least 4 — never a bare interpolation — made the development suite's forecasts worse:
     * the method then fails on the first cuts and the selection has less evidence; BENCHMARKS.md.)
     */
    static final int MIN_BUDGETS = 3;

    @Override
    public String name() {
        return "asymptote-recent";
    }

    @Override
    public String assumptions() {
        return String.format(Locale.ROOT, "each budget's best run follows L∞ + A·C^−α (L∞ fitted) over the budgets within "
                + "%.1f decade of the largest (at least the %d largest) whose best run has a worse run on each side; "
                + "farther budgets, and budgets whose best run is their smallest or largest size, are not used",
                DECADES, MIN_BUDGETS);
    }

    @Override
    public boolean hasSurface() {
        return false;
    }

    @Override
    public int fewestBudgets() {
        return MIN_BUDGETS;
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
        if (k < MIN_BUDGETS) {
            throw new FitInputException(String.format(Locale.ROOT, "asymptote-recent fits 3 parameters and needs at least "
                    + "%d budgets; this ladder has %d", MIN_BUDGETS, k));
        }
        List<Integer> bracketed = bracketed(ladder);
        List<Integer> recent = budgetsUsed(ladder, bracketed);
        Fitted fit = PanelMethods.freeAsymptote(recent.stream().mapToDouble(ladder::budget).toArray(),
                recent.stream().mapToDouble(ladder::observedMinimum).toArray(), "budgets");
        int n = bracketed.size();
        if (n >= MIN_BUDGETS) {
            return fit;
        }
        String why = (n == 0 ? "no budget brackets its best run" : n == 1 ? "only 1 budget brackets its best run"
                : "only " + n + " budgets bracket their best run") + " between worse runs, so every budget's best run was "
                + "used (those at an end of their sizes overstate their minimum)";
        return new Fitted(null, fit.optimal(), fit.note().equals("ok") ? why : fit.note() + "; " + why);
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
     * The budgets this law fits: only those whose best run is bracketed (at an end of the sizes the minimum
     * lies off the grid and the best run overstates it) — every budget when fewer than {@link #MIN_BUDGETS} are —
     * within {@link #DECADES} of the largest, at least the {@link #MIN_BUDGETS} largest of them.
     */
    static List<Integer> budgetsUsed(Ladder ladder) {
        return budgetsUsed(ladder, bracketed(ladder));
    }

    private static List<Integer> budgetsUsed(Ladder ladder, List<Integer> bracketed) {
        List<Integer> usable = bracketed;
        if (usable.size() < MIN_BUDGETS) {
            usable = java.util.stream.IntStream.range(0, ladder.budgetCount()).boxed().toList();
        }
        double floor = ladder.largestBudget() * Math.pow(10, -DECADES) * (1 - 1e-9);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < usable.size(); i++) {
            if (ladder.budget(usable.get(i)) >= floor || i >= usable.size() - MIN_BUDGETS) {
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
                    obs.set(i, Forecaster.resampled(obs.get(i), obs.get(i).loss() + shift));
                }
            }
            out.add(new Ladder(obs, ladder.grouping()));
        }
        return out;
    }
}
