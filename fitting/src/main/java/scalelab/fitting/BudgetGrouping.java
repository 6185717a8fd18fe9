package scalelab.fitting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How runs were assigned to IsoFLOP budgets: by their budget label, or (no label) by clustering log10 C with
 * single linkage (a new budget starts where consecutive sorted values are more than {@code gapDecades} apart).
 *
 * @param method  human-readable description of how the grouping was made
 * @param budgets the budgets, by increasing compute
 */
public record BudgetGrouping(String method, List<Budget> budgets) {

    /** Runs within one budget, as indices into the observation list. */
    public record Budget(double compute, List<Integer> members) {
        public Budget {
            members = List.copyOf(members);
        }

        /** This budget's best run among {@code observations}: {@link Observation#BEST_FIRST}'s first; null when empty. */
        public Observation bestRun(List<Observation> observations) {
            return members.stream().map(observations::get).min(Observation.BEST_FIRST).orElse(null);
        }
    }

    public BudgetGrouping {
        budgets = List.copyOf(budgets);
    }

    /**
     * Default gap for clustering: budgets in the published ladders are ≥ 0.09 decades apart, while 6·N·D scatters by
     * up to ±0.045 decades around its label within a budget (Chinchilla reconstruction), so consecutive runs of one
     * budget are much closer than 0.06 decades.
     */
    public static final double DEFAULT_GAP_DECADES = 0.06;

    /** Group by each observation's flops value exactly (the file's budget column). */
    public static BudgetGrouping byLabel(List<Observation> observations) {
        Map<Double, List<Integer>> map = new LinkedHashMap<>();
        for (int i = 0; i < observations.size(); i++) {
            map.computeIfAbsent(observations.get(i).flops(), k -> new ArrayList<>()).add(i);
        }
        List<Budget> out = new ArrayList<>();
        map.forEach((c, m) -> out.add(new Budget(c, m)));
        out.sort(Comparator.comparingDouble(Budget::compute));
        return new BudgetGrouping("budget column", out);
    }

    /** Cluster log10 of each observation's flops (6·N·D when the file had no budget column). */
    public static BudgetGrouping cluster(List<Observation> observations, double gapDecades) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < observations.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> observations.get(i).flops()));
        List<Budget> out = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        double prev = Double.NaN;
        for (int i : order) {
            double lc = Math.log10(observations.get(i).flops());
            if (!cur.isEmpty() && lc - prev > gapDecades) {
                out.add(close(observations, cur));
                cur = new ArrayList<>();
            }
            cur.add(i);
            prev = lc;
        }
        if (!cur.isEmpty()) {
            out.add(close(observations, cur));
        }
        return new BudgetGrouping(String.format(Locale.ROOT,
                "clustered log10(C), C = 6·N·D, new budget where sorted values jump by more than %s decades", gapDecades), out);
    }

    private static Budget close(List<Observation> observations, List<Integer> members) {
        double s = 0;
        for (int i : members) {
            s += Math.log(observations.get(i).flops());
        }
        return new Budget(Math.exp(s / members.size()), members); // geometric mean
    }

    /** One line per budget: "C=1.00e+19: 12 runs". */
    public String describe() {
        StringBuilder sb = new StringBuilder("budgets (" + method + "):");
        for (Budget b : budgets) {
            sb.append(String.format(Locale.ROOT, "%n  C = %.3e FLOPs: %d runs", b.compute(), b.members().size()));
        }
        return sb.toString();
    }
}
