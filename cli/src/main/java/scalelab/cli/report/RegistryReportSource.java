package scalelab.cli.report;

import java.nio.file.Files;
import java.nio.file.Path;
import scalelab.registry.Registry;
import scalelab.reports.RegistryReport;
import scalelab.reports.model.ReportInput;

/**
 * A report of a ladder (all runs when null) read from the registry: runs, curves, fits, allocations, ledger and
 * backtests, as {@link RegistryReport} assembles them.
 */
public record RegistryReportSource(Path db, String ladder, RegistryReport.Options options) implements ReportSource {

    @Override
    public ReportInput load() {
        // Opening would create an empty database: a report of a file that is not there is a typo, say so instead.
        if (!Files.exists(db)) {
            throw new IllegalArgumentException("no registry database at " + db.toAbsolutePath().normalize()
                    + ": give --db FILE (or set $" + Registry.DB_ENV + "), or report on a file with --from-csv FILE");
        }
        try (Registry r = scalelab.cli.registry.DbOption.open(db, Registry.Access.READ_ONLY, Registry.DEFAULT_LOCK_WAIT)) {
            return RegistryReport.load(r, ladder, options);
        }
    }

    @Override
    public String name() {
        return ladder != null && !ladder.isBlank() ? ladder : "all-runs";
    }
}
