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
import java.util.Map;
import scalelab.registry.LedgerEntry;
import scalelab.registry.LedgerExport;
import scalelab.registry.LedgerVerification;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;

/** {@code scalelab ledger verify|export}: the tamper-evident prediction ledger. */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Verify or export the prediction ledger.",
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Export.class, LedgerCommand.Forget.class})
public final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = "After replacing a database file on purpose: clear this machine's note of the last entry it filed "
                    + "there (which makes the new file verify as truncated), keeping the note, the time and the reason in the "
                    + "keys folder's `forgotten` file. Refused while that entry is still in the database.")
    static final class Forget implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why the database was replaced (kept on record).")
        String reason;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Path file = db.path();
            scalelab.registry.LedgerKeys keys = scalelab.registry.LedgerKeys.defaults();
            scalelab.registry.LedgerKeys.Head head = keys.head(file).orElseThrow(() -> new IllegalArgumentException(
                    "this machine has no note of filing into " + file + ": nothing to forget"));
            if (Files.exists(file)) {
                try (Registry r = db.openReadOnly()) {
                    LedgerVerification v = r.verifyLedger();
                    if (v.intact()) {
                        throw new IllegalArgumentException("entry " + head.seq() + ", the last this machine filed in " + file
                                + ", is still in place: nothing to forget");
                    }
                }
            }
            keys.forgetHead(file, reason, java.time.Instant.now());
            if (Files.exists(file)) {
                try (Registry r = db.openReadOnly()) {
                    LedgerVerification v = r.verifyLedger();
                    if (!v.intact()) {
                        keys.recordHead(file, head); // the note was not the only problem: keep it
                        throw new IllegalArgumentException("the ledger of " + file + " is broken for another reason too ("
                                + v.problem() + "); the note of entry " + head.seq() + " was kept");
                    }
                }
            }
            spec.commandLine().getOut().printf(Locale.ROOT, "forgot entry %d (hash %s) of %s; recorded with the reason in %s%n",
                    head.seq(), head.hash(), file, keys.forgottenFile());
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify the ledger: hash chain, signatures, filing times never going backwards, and the last",
                    "entry this machine filed (recorded outside the database); exit 1 naming the first entry that fails,",
                    "or when entries are signed by keys this machine does not hold.",
                    "With --public, also check a published export (Markdown or JSON) and trust the keys it publishes."})
    static final class Verify implements Callable<Integer> {
        @Mixin
        DbOption db;

        @Option(names = "--public", paramLabel = "FILE", description = "A published `ledger export` (.md or .json) to compare.")
        Path publicCopy;

        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
                description = "text, or json: intact, trusted, counts, head hash, problems (default: ${DEFAULT-VALUE}).")
        String format;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            boolean json = scalelab.cli.JsonOutput.requested(format);
            LedgerExport.PublicCopy copy = null;
            if (publicCopy != null) {
                // Read before opening the database: a file that is not an export is refused, not "matched".
                try {
                    copy = LedgerExport.parse(scalelab.registry.io.StrictInput.readUtf8(publicCopy),
                            publicCopy.toString().toLowerCase(Locale.ROOT).endsWith(".json"));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(publicCopy + ": " + e.getMessage() + "; give the file `scalelab ledger"
                            + " export` wrote");
                }
            }
            try (Registry r = db.openReadOnly()) {
                LedgerVerification v = r.verifyLedger(copy == null ? Map.of() : copy.publicKeys());
                if (json) {
                    return verifyJson(out, r, v, copy);
                }
                int exit = 0;
                if (v.intact()) {
                    out.println("ledger intact: " + v.entries() + " entries (" + (v.entries() - v.checkEntries()) + " predictions, "
                            + v.checkEntries() + " checks), head hash " + v.headHash());
                } else {
                    out.println("ledger BROKEN at entry " + v.firstBrokenId() + ": " + v.problem());
                    exit = 1;
                }
                if (v.unsignedEntries() > 0) {
                    out.println("unsigned: " + v.unsignedEntries() + " entries filed before signing (" + Prediction.FORMAT_V1
                            + "): only the hash chain and a public copy vouch for them");
                }
                if (v.legacyChecks() > 0) {
                    out.println("unchained: " + v.legacyChecks() + " checks stored before checks joined the chain: nothing vouches"
                            + " for them");
                }
                if (!v.trusted()) {
                    v.untrustedKeys().forEach((fp, author) -> out.println("UNTRUSTED key " + fp + " (entries by " + author
                            + "): this machine does not hold it, so its signatures prove nothing here; put the author's public"
                            + " key (from their export) in " + r.keys().dir().resolve(author + ".pub") + ", or verify with"
                            + " --public EXPORT"));
                    exit = 1;
                }
                out.println("head record: " + v.headNote());
                if (copy != null) {
                    // Compare against the rows as stored, without requiring them to parse (a broken row is reported above).
                    List<String> problems = v.intact() ? LedgerExport.compare(copy, r.ledgerEntries())
                            : List.of("not compared: fix or explain the broken chain first");
                    if (problems.isEmpty()) {
                        out.println("public copy " + publicCopy + " matches the database: its " + copy.entries().size()
                                + " entries are entries 1–" + copy.entries().size() + " here, hashes and signatures verified"
                                + (v.entries() > copy.entries().size() ? "; " + (v.entries() - copy.entries().size())
                                + " entries were filed after it" : ""));
                    } else {
                        problems.forEach(p -> out.println("public copy " + publicCopy + ": " + p));
                        exit = 1;
                    }
                }
                out.flush();
                return exit;
            }
        }

        /** The verification as one JSON object; the exit code is the text mode's (1 when broken, untrusted or differing). */
        private int verifyJson(PrintWriter out, Registry r, LedgerVerification v, LedgerExport.PublicCopy copy) {
            var o = scalelab.cli.JsonOutput.object();
            o.put("intact", v.intact());
            o.put("trusted", v.trusted());
            o.put("entries", v.entries());
            o.put("predictions", v.entries() - v.checkEntries());
            o.put("checks", v.checkEntries());
            o.put("head_hash", v.headHash());
            if (v.firstBrokenId() == null) {
                o.putNull("first_broken_entry");
            } else {
                o.put("first_broken_entry", v.firstBrokenId());
            }
            o.put("problem", v.problem());
            o.put("unsigned_entries", v.unsignedEntries());
            o.put("unchained_checks", v.legacyChecks());
            var untrusted = o.putArray("untrusted_keys");
            v.untrustedKeys().forEach((fp, author) -> untrusted.addObject().put("fingerprint", fp).put("author", author));
            o.put("head_record", v.headNote());
            boolean differs = false;
            if (copy != null) {
                List<String> problems = v.intact() ? LedgerExport.compare(copy, r.ledgerEntries())
                        : List.of("not compared: fix or explain the broken chain first");
                var pc = o.putObject("public_copy");
                pc.put("file", publicCopy.toString());
                pc.put("entries", copy.entries().size());
                pc.put("matches", problems.isEmpty());
                problems.forEach(pc.putArray("problems")::add);
                differs = !problems.isEmpty();
            } else {
                o.putNull("public_copy");
            }
            scalelab.cli.JsonOutput.print(out, o);
            return v.intact() && v.trusted() && !differs ? 0 : 1;
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

        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output (refused if it exists, unless --force).")
        Path outFile;

        @Option(names = "--force", description = "Overwrite --out if it exists (never the database itself).")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            String text;
            try (Registry r = db.openReadOnly()) {
                if (outFile != null) {
                    OutputFile.requireWritable(outFile, force, r);
                }
                LedgerVerification v = r.verifyLedger();
                if (!v.intact()) {
                    throw new IllegalStateException("ledger broken at entry " + v.firstBrokenId() + ": " + v.problem()
                            + " (`scalelab ledger verify` for details); refusing to export a copy that would not verify");
                }
                List<LedgerEntry> ledger = r.ledgerEntries();
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
