package scalelab.cli.report;

import java.nio.file.Path;
import java.util.List;
import scalelab.registry.io.RunTableReader;
import scalelab.reports.RunRows;
import scalelab.reports.model.ReportInput;

/**
 * A report of runs read from a CSV or JSONL file (columns params,tokens,loss and optionally budget or flops; see
 * {@link RunTableReader}). It has runs only: fits, targets and the ledger come from the registry source.
 */
public record CsvReportSource(Path file, String ladder) implements ReportSource {

    @Override
    public ReportInput load() {
        var table = RunTableReader.read(file);
        String title = "Runs from " + file.getFileName();
        return ReportInput.ofRunsAndFits(title, ladder == null ? "" : ladder, RunRows.fromTable(table), List.of());
    }

    @Override
    public String name() {
        if (ladder != null && !ladder.isBlank()) {
            return ladder;
        }
        String f = file.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }
}
