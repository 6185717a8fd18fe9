package scalelab.cli.report;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import scalelab.cli.registry.OutputFile;
import scalelab.registry.Registry;
import scalelab.reports.RegistryReport;
import scalelab.reports.ReportWriter;
import scalelab.reports.charts.Figure;

/** {@code scalelab report}: one self-contained HTML page and a Markdown version with its figures. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the fit report: report.html (self-contained: images and CSS inline, no network) and report.md "
                + "with figures/ (PNG and SVG) next to it."})
public final class ReportCommand implements Callable<Integer> {

    @Option(names = "--ladder", paramLabel = "NAME", description = "Report on this ladder (default: all runs).")
    String ladder;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: reports-out/NAME).")
    Path out;

    @Option(names = "--db", paramLabel = "FILE", description = "Registry database file (default: $SCALELAB_DB, else ./scalelab.duckdb).")
    Path db;

    @Option(names = "--from-csv", paramLabel = "FILE",
            description = "Report on runs read from a CSV/JSONL file (columns params,tokens,loss[,budget|flops]) instead of the registry.")
    Path fromCsv;

    @Option(names = "--stored-fits-only",
            description = "Show only fits stored in the registry (default: also fit, for the report, each method the ladder has no stored fit of).")
    boolean storedFitsOnly;

    @Option(names = "--no-backtest", description = "Skip the backtest over the ladder's budgets (it refits every method per cut).")
    boolean noBacktest;

    @Option(names = "--title", paramLabel = "TEXT", description = "Page title (default: from the source).")
    String title;

    @Option(names = "--force", description = "Overwrite a report.html or report.md in --out that scalelab did not write.")
    boolean force;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the files written (default: ${DEFAULT-VALUE}).")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        scalelab.cli.JsonOutput.requested(format); // refuse a bad --format before ten seconds of work
        ReportSource source = source();
        Path dir = out != null ? out : Path.of("reports-out", source.name());
        // before the work: a report and its Markdown say "Generated … by scalelab.", a file that does not is the user's
        OutputFile.requireOwnFolder(dir, List.of(ReportWriter.HTML_FILE, ReportWriter.MARKDOWN_FILE), " by scalelab.", force);
        ReportWriter.ReportFiles files;
        // Fits, backtests and charts take ~10 s on a full ladder: say what is running once it takes more than 2 s.
        scalelab.cli.Progress progress = new scalelab.cli.Progress(spec.commandLine().getErr(), "report");
        try {
            progress.step("fitting every method" + (noBacktest ? "" : " and backtesting it over the budgets"));
            var input = source.load();
            if (title != null && !title.isBlank()) {
                input = input.withTitle(title);
            }
            progress.step("drawing the charts and writing " + dir);
            files = ReportWriter.write(input, dir);
        } finally {
            progress.close();
        }
        progress.done();
        var w = spec.commandLine().getOut();
        if (scalelab.cli.JsonOutput.requested(format)) {
            var o = scalelab.cli.JsonOutput.object();
            o.put("html", files.html().toAbsolutePath().normalize().toString());
            o.put("markdown", files.markdown().toAbsolutePath().normalize().toString());
            var figs = o.putArray("figures");
            files.figures().forEach(f -> figs.addObject().put("name", f.name())
                    .put("png", f.png().toAbsolutePath().normalize().toString()));
            scalelab.cli.JsonOutput.print(w, o);
            return 0;
        }
        w.println("report: " + files.html().toAbsolutePath().normalize());
        w.println("markdown: " + files.markdown().toAbsolutePath().normalize());
        for (Figure f : files.figures()) {
            w.println("figure: " + f.png().toAbsolutePath().normalize() + " (+ .svg)");
        }
        w.flush();
        return 0;
    }

    /** Picks the data source from the options: a runs file with --from-csv, else the registry. */
    ReportSource source() {
        if (fromCsv != null) {
            if (db != null) {
                throw new IllegalArgumentException("give either --from-csv FILE or --db FILE, not both");
            }
            return new CsvReportSource(fromCsv, ladder);
        }
        List<String> methods = noBacktest ? List.of() : RegistryReport.Options.full().backtestMethods();
        return new RegistryReportSource(Registry.resolvePath(db == null ? null : db.toString()), ladder,
                new RegistryReport.Options(!storedFitsOnly, methods));
    }
}
