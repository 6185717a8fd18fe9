package scalelab.cli.registry;

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
import scalelab.registry.LedgerExport;
import scalelab.registry.LedgerVerification;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;

/** {@code scalelab ledger verify|export}: the tamper-evident prediction ledger. */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Verify or export the prediction ledger.",
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Export.class})
public final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recompute the hash chain; report the first broken entry (exit 1).",
                    "With --public, also check a published export (Markdown or JSON) against the database."})
    static final class Verify implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--public", paramLabel = "FILE", description = "A published `ledger export` (.md or .json) to compare.")
        Path publicCopy;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            try (Registry r = db.open()) {
                LedgerVerification v = r.verifyLedger();
                int exit = 0;
                if (v.intact()) {
                    out.println("ledger intact: " + v.entries() + " entries, head hash " + v.headHash());
                } else {
                    out.println("ledger BROKEN at entry " + v.firstBrokenId() + ": " + v.problem());
                    exit = 1;
                }
                if (publicCopy != null) {
                    String text = Files.readString(publicCopy);
                    List<LedgerExport.PublicEntry> published = publicCopy.toString().toLowerCase(Locale.ROOT).endsWith(".json")
                            ? LedgerExport.parseJson(text) : LedgerExport.parseMarkdown(text);
                    // Compare against the rows as stored, without requiring them to parse (a broken row is reported above).
                    List<String> problems = v.intact() ? LedgerExport.compare(published, r.predictions())
                            : List.of("not compared: fix or explain the broken chain first");
                    if (problems.isEmpty()) {
                        out.println("public copy " + publicCopy + " matches the database: " + published.size() + " entries");
                    } else {
                        problems.forEach(p -> out.println("public copy " + publicCopy + ": " + p));
                        exit = 1;
                    }
                }
                out.flush();
                return exit;
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Print the ledger as it would be posted publicly, hashes included.")
    static final class Export implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--format", paramLabel = "markdown|json", defaultValue = "markdown",
                description = "Output format (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
        Path outFile;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            String text;
            try (Registry r = db.open()) {
                LedgerVerification v = r.verifyLedger();
                if (!v.intact()) {
                    throw new IllegalStateException("ledger broken at entry " + v.firstBrokenId() + ": " + v.problem()
                            + " (`scalelab ledger verify` for details); refusing to export a copy that would not verify");
                }
                List<Prediction> ledger = r.predictions();
                text = switch (format.toLowerCase(Locale.ROOT)) {
                    case "markdown", "md" -> LedgerExport.markdown(ledger, v);
                    case "json" -> LedgerExport.json(ledger, v);
                    default -> throw new IllegalArgumentException("--format must be markdown or json, got " + format);
                };
            }
            if (outFile != null) {
                Files.writeString(outFile, text);
                spec.commandLine().getOut().println("wrote " + outFile);
            } else {
                spec.commandLine().getOut().print(text);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
