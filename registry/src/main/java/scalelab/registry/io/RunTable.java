package scalelab.registry.io;

import java.nio.file.Path;
import java.util.List;
import scalelab.fitting.Observation;

/**
 * Runs read from a CSV or JSONL file.
 *
 * @param source      the file
 * @param rows        one per run, in file order
 * @param budgetColumn "budget" or "flops" when the file labelled runs with their IsoFLOP budget, else null
 *                    (then each observation's flops is 6·N·D and grouping into budgets is the fitter's job)
 * @param contentSha256 SHA-256 of the file's bytes (idempotent re-import)
 */
public record RunTable(Path source, List<Row> rows, String budgetColumn, String contentSha256) {

    public RunTable {
        rows = List.copyOf(rows);
    }

    /**
     * One run.
     *
     * @param line        1-based line in the source file
     * @param observation N, D, C, loss (and weight, group when given)
     * @param name        the run's name, or null
     * @param extra       every other column, by header name, as text (architecture, hyperparameters, ...)
     */
    public record Row(int line, Observation observation, String name, java.util.Map<String, String> extra) {
        public Row {
            extra = java.util.Map.copyOf(extra);
        }
    }

    /**
     * Refuses a table that lists one run twice, naming both lines. A run is what the registry keys an imported run by:
     * its name, N, D, C, loss and every other column (group and weight are not part of it), so importing such a file
     * would store the first and silently count the second as "already present".
     */
    public void requireEachRunOnce() {
        java.util.Map<List<Object>, Integer> firstLine = new java.util.HashMap<>();
        for (Row r : rows) {
            Observation o = r.observation();
            List<Object> identity = List.of(String.valueOf(r.name()), o.params(), o.tokens(), o.flops(), o.loss(),
                    new java.util.TreeMap<>(r.extra()));
            Integer first = firstLine.putIfAbsent(identity, r.line());
            if (first != null) {
                throw new InputFormatException(source, r.line(), null, "the same run as line " + first
                        + " (name, params, tokens, budget, loss and every other column equal): list each run once");
            }
        }
    }

    public List<Observation> observations() {
        return rows.stream().map(Row::observation).toList();
    }

    public boolean hasBudgets() {
        return budgetColumn != null;
    }

    /**
     * The runs' IsoFLOP budgets as every command groups them: by the budget column when there is one; otherwise (a
     * flops column, or C = 6·N·D) by clustering log10 C, since C then differs run to run inside one budget.
     */
    public scalelab.fitting.BudgetGrouping budgetGrouping() {
        return "budget".equals(budgetColumn) ? scalelab.fitting.BudgetGrouping.byLabel(observations())
                : scalelab.fitting.BudgetGrouping.cluster(observations(), scalelab.fitting.BudgetGrouping.DEFAULT_GAP_DECADES);
    }
}
