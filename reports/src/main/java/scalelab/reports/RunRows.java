package scalelab.reports;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.Observation;
import scalelab.registry.io.RunTable;
import scalelab.reports.model.RunRow;

/** Report rows from a run table read from CSV/JSONL (imported runs: no timings, no curves). */
public final class RunRows {
    private RunRows() {}

    /**
     * One {@link RunRow} per table row, named by the table's name column or else by its line ("line 12"), its budget
     * from the same grouping the fit commands use ({@link RunTable#budgetGrouping()}).
     */
    public static List<RunRow> fromTable(RunTable table) {
        List<Observation> obs = table.observations();
        double[] budget = new double[obs.size()];
        for (BudgetGrouping.Budget b : table.budgetGrouping().budgets()) {
            for (int i : b.members()) {
                budget[i] = b.compute();
            }
        }
        List<RunRow> out = new ArrayList<>(obs.size());
        for (int i = 0; i < obs.size(); i++) {
            RunTable.Row r = table.rows().get(i);
            Observation o = obs.get(i);
            String name = r.name() != null ? r.name() : "line " + r.line();
            out.add(RunRow.imported(name, budget[i], o.params(), o.tokens(), o.loss()));
        }
        return out;
    }
}
