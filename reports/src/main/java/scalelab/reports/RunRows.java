package scalelab.reports;

import java.util.ArrayList;
import java.util.List;
import scalelab.registry.io.RunTable;
import scalelab.reports.model.RunRow;

/** Report rows from a run table read from CSV/JSONL (imported runs: no timings, no curves). */
public final class RunRows {
    private RunRows() {}

    /**
     * One {@link RunRow} per table row, named by the table's name column or else by its line ("line 12").
     * Without a budget column each run's C is 6·N·D, which differs run to run even inside one IsoFLOP budget; those are
     * grouped to the nearest 1/20 decade so the IsoFLOP chart has curves. (The fitters' own grouping replaces this
     * once they are merged.)
     */
    public static List<RunRow> fromTable(RunTable table) {
        List<RunRow> out = new ArrayList<>(table.rows().size());
        for (RunTable.Row r : table.rows()) {
            var o = r.observation();
            double budget = table.hasBudgets() ? o.flops() : Math.pow(10, Math.round(Math.log10(o.flops()) * 20) / 20.0);
            String name = r.name() != null ? r.name() : "line " + r.line();
            out.add(RunRow.imported(name, budget, o.params(), o.tokens(), o.loss()));
        }
        return out;
    }
}
