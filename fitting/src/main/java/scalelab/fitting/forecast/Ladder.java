package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.Observation;

/**
 * The runs a forecast is made from, grouped into IsoFLOP budgets (by increasing compute). Sub-ladders (the budgets up
 * to a cut, all but one budget) are what backtests and leave-one-budget-out refits work on.
 */
public record Ladder(List<Observation> observations, BudgetGrouping grouping) {

    public Ladder {
        observations = List.copyOf(observations);
        if (grouping.budgets().isEmpty()) {
            throw new FitInputException("a ladder needs at least one budget of runs");
        }
    }

    public int budgetCount() {
        return grouping.budgets().size();
    }

    public double budget(int b) {
        return grouping.budgets().get(b).compute();
    }

    public double largestBudget() {
        return budget(budgetCount() - 1);
    }

    /** The lowest observed loss in budget b: what a held-out budget's compute-optimal loss is judged against. */
    public double observedMinimum(int b) {
        double m = Double.POSITIVE_INFINITY;
        for (int i : grouping.budgets().get(b).members()) {
            m = Math.min(m, observations.get(i).loss());
        }
        return m;
    }

    /** The run of lowest loss in budget b. */
    public Observation bestRun(int b) {
        return grouping.budgets().get(b).bestRun(observations);
    }

    /** Budgets 0 … last (inclusive). */
    public Ladder upTo(int last) {
        List<Integer> keep = new ArrayList<>();
        for (int b = 0; b <= last; b++) {
            keep.add(b);
        }
        return select(keep, "budgets up to " + (last + 1));
    }

    /** Every budget but {@code left}. */
    public Ladder without(int left) {
        List<Integer> keep = new ArrayList<>();
        for (int b = 0; b < budgetCount(); b++) {
            if (b != left) {
                keep.add(b);
            }
        }
        return select(keep, "all budgets but " + (left + 1));
    }

    /** Only the runs whose index {@code keep} accepts, budgets kept (a budget left empty is dropped). */
    public Ladder filter(java.util.function.IntPredicate keep) {
        List<Observation> obs = new ArrayList<>();
        List<BudgetGrouping.Budget> budgets = new ArrayList<>();
        for (BudgetGrouping.Budget b : grouping.budgets()) {
            List<Integer> members = new ArrayList<>();
            for (int i : b.members()) {
                if (keep.test(i)) {
                    members.add(obs.size());
                    obs.add(observations.get(i));
                }
            }
            if (!members.isEmpty()) {
                budgets.add(new BudgetGrouping.Budget(b.compute(), members));
            }
        }
        return new Ladder(obs, new BudgetGrouping(grouping.method(), budgets));
    }

    private Ladder select(List<Integer> budgetIndices, String how) {
        List<Observation> obs = new ArrayList<>();
        List<BudgetGrouping.Budget> budgets = new ArrayList<>();
        for (int b : budgetIndices) {
            List<Integer> members = new ArrayList<>();
            for (int i : grouping.budgets().get(b).members()) {
                members.add(obs.size());
                obs.add(observations.get(i));
            }
            budgets.add(new BudgetGrouping.Budget(budget(b), members));
        }
        return new Ladder(obs, new BudgetGrouping(grouping.method() + "; " + how, budgets));
    }
}
