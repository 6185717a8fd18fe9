package scalelab.cli.report;

import scalelab.reports.model.ReportInput;

/** Where a report's data comes from: a runs file ({@link CsvReportSource}) or the registry ({@link RegistryReportSource}). */
public interface ReportSource {
    /** Loads everything the report shows; throws with a clear message when the source is missing or malformed. */
    ReportInput load();

    /** A short name for the report's default output folder (the ladder's name, or the file's stem). */
    String name();
}
