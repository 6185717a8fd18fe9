package scalelab.cli.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.RunTableReader;

/** {@code scalelab runs import|list|export}. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Import, list and export the runs in the registry.",
        subcommands = {RunsCommand.Import.class, RunsCommand.ListRuns.class, RunsCommand.Export.class})
public final class RunsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import finished runs trained elsewhere from CSV or JSONL, in one transaction (all or nothing).",
                    "Columns as in `fit` (params, tokens, loss; budget or flops; name, group, weight) plus optional",
                    "architecture (dense|moe), hyperparameters (JSON object), total_params; MoE rows: experts (≥ 2), top_k",
                    "(1..experts), optionally granularity (dense FFN width / expert width, default 1; or expert_width and",
                    "ffn_width, from which it is computed) and balance (a dense row leaves them empty, or has experts = 1).",
                    "Re-importing the same content adds nothing."})
    static final class Import implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Parameters(paramLabel = "FILE", description = "A .csv or .jsonl file.")
        Path file;

        @Option(names = "--ladder", paramLabel = "NAME", description = "Ladder to file the runs under (default: the file name without extension).")
        String ladder;

        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
                description = "text, or json: import id, ladder, rows read, runs added and already present (default: ${DEFAULT-VALUE}).")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            boolean json = scalelab.cli.JsonOutput.requested(format);
            // Read and validate the whole file before opening the database: a malformed file touches nothing.
            var table = RunTableReader.read(file);
            table.requireEachRunOnce();
            String lad = ladder != null ? ladder : defaultLadder(file);
            PrintWriter out = spec.commandLine().getOut();
            try (Registry r = db.open()) {
                Registry.ImportResult res = r.importRuns(table, lad);
                if (json) {
                    var o = scalelab.cli.JsonOutput.object();
                    o.put("file", file.toString());
                    o.put("database", r.file().toString());
                    o.put("import_id", res.importId());
                    o.put("ladder", res.ladder());
                    o.put("content_sha256", res.contentSha256());
                    o.put("rows_read", res.rowsRead());
                    o.put("runs_added", res.runsAdded());
                    o.put("runs_present", res.runsPresent());
                    o.put("already_imported", res.alreadyImported());
                    scalelab.cli.JsonOutput.print(out, o);
                    return 0;
                }
                if (res.alreadyImported()) {
                    out.println(file + " was already imported (import " + res.importId() + ", ladder " + res.ladder()
                            + ", same SHA-256 " + res.contentSha256().substring(0, 16) + "…): nothing added");
                } else {
                    out.println("imported " + res.runsAdded() + " runs from " + file + " into ladder " + lad + " of " + r.file()
                            + (res.runsPresent() > 0 ? " (" + res.runsPresent() + " rows were already present and left unchanged)" : ""));
                }
            }
            out.flush();
            return 0;
        }

        static String defaultLadder(Path file) {
            String n = file.getFileName().toString();
            int dot = n.lastIndexOf('.');
            return dot > 0 ? n.substring(0, dot) : n;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List runs.")
    static final class ListRuns implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--ladder", paramLabel = "NAME", description = "Only this ladder's runs.")
        String ladder;

        @Option(names = "--format", paramLabel = "text|csv|json", defaultValue = "text", description = "Output format (default: ${DEFAULT-VALUE}).")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (Registry r = db.openReadOnly()) {
                switch (format.toLowerCase(Locale.ROOT)) {
                    case "text" -> text(out, r.runs(ladder));
                    case "csv" -> Export.printCsv(r, ladder, out);
                    case "json" -> json(out, r.runs(ladder));
                    default -> throw new IllegalArgumentException("--format must be text, csv or json, got " + format);
                }
            }
            out.flush();
            return 0;
        }

        private static void text(PrintWriter out, List<RunRecord> runs) {
            out.printf(Locale.ROOT, "%6s  %-16s %-24s %-5s %10s %10s %10s %-9s %8s%n", "id", "ladder", "name", "arch", "N", "D", "C", "status", "loss");
            for (RunRecord r : runs) {
                out.printf(Locale.ROOT, "%6d  %-16s %-24s %-5s %10.3g %10.3g %10.3g %-9s %8s%n", r.id(), cut(r.ladder(), 16),
                        cut(r.name(), 24), r.architecture(), r.params(), r.tokens(), r.budgetFlops(), r.status(),
                        r.finalLoss() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.finalLoss()));
            }
            out.println(runs.size() + " runs");
        }

        private static String cut(String s, int w) {
            if (s == null) {
                return "-";
            }
            return s.length() <= w ? s : s.substring(0, w - 1) + "…";
        }

        private static void json(PrintWriter out, List<RunRecord> runs) throws IOException {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode arr = m.createArrayNode();
            for (RunRecord r : runs) {
                ObjectNode o = arr.addObject();
                o.put("id", r.id());
                o.put("ladder", r.ladder());
                o.put("name", r.name());
                o.put("spec_hash", r.specHash());
                o.put("architecture", r.architecture());
                o.put("params", r.params());
                o.put("total_params", r.totalParams());
                if (r.moe() != null) {
                    o.put("experts", r.moe().experts());
                    o.put("top_k", r.moe().topK());
                    o.put("granularity", r.moe().granularity());
                    o.put("balance", r.moe().balance());
                }
                o.put("tokens", r.tokens());
                o.put("budget_flops", r.budgetFlops());
                o.put("planned_flops", r.plannedFlops());
                o.put("counted_flops", r.countedFlops());
                o.put("status", r.status().name());
                o.put("status_message", r.statusMessage());
                o.put("final_loss", r.finalLoss());
                o.put("best_loss", r.bestLoss());
                o.put("wall_seconds", r.wallSeconds());
                o.set("hyperparameters", r.hyperparametersJson() == null ? null : m.readTree(r.hyperparametersJson()));
                o.put("code_version", r.codeVersion());
                o.put("created_at", String.valueOf(r.createdAt()));
                o.put("updated_at", String.valueOf(r.updatedAt()));
            }
            out.println(m.writeValueAsString(arr));
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export runs with DuckDB COPY (the CSV has the columns `runs import` reads).")
    static final class Export implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--format", paramLabel = "csv|parquet", required = true, description = "csv or parquet.")
        String format;

        @Option(names = "--out", paramLabel = "FILE", description = "Output file (required for parquet; CSV goes to standard output without it).")
        Path outFile;

        @Option(names = "--ladder", paramLabel = "NAME", description = "Only this ladder's runs.")
        String ladder;

        @Option(names = "--force", description = "Overwrite --out if it exists (never the database itself).")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            String fmt = format.toLowerCase(Locale.ROOT);
            if (!fmt.equals("csv") && !fmt.equals("parquet")) {
                throw new IllegalArgumentException("--format must be csv or parquet, got " + format);
            }
            if (fmt.equals("parquet") && outFile == null) {
                throw new IllegalArgumentException("parquet is binary: give --out FILE");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Registry r = db.openReadOnly()) {
                if (outFile != null) {
                    OutputFile.requireWritable(outFile, force, r);
                    r.copyRunsTo(outFile, fmt, ladder);
                    out.println("wrote " + outFile);
                } else {
                    printCsv(r, ladder, out);
                }
            }
            out.flush();
            return 0;
        }

        /** The CSV export on standard output (DuckDB COPY writes files, so go through a temporary one). */
        static void printCsv(Registry r, String ladder, PrintWriter out) throws IOException {
            Path tmp = Files.createTempFile("scalelab-runs", ".csv");
            try {
                r.copyRunsTo(tmp, "csv", ladder);
                out.print(Files.readString(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
