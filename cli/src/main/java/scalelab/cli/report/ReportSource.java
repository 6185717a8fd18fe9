package scalelab.cli.report;

import scalelab.reports.model.ReportInput;

/** Where a report's data comes from: a runs CSV now, the registry (runs, fits, ledger, backtests) once it is merged. */
public interface ReportSource {
    /** Loads everything the report shows; throws with a clear message when the source is missing or malformed. */
    ReportInput load();

    /** A short name for the report's default output folder (the ladder's name, or the file's stem). */
    String name();
}
