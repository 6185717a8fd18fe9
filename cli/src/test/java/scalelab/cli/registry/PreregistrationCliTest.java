package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.*;
import static scalelab.cli.CliRun.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.fitting.LossSurface;
import scalelab.registry.FitRecord;
import scalelab.registry.LedgerKeys;
import scalelab.registry.Prediction;
import scalelab.registry.PredictionCheck;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;

/** Issue 15 through the real CLI: each "Why" item as a user or an insider would try it. */
class PreregistrationCliTest {
    @TempDir
    Path dir;

    private String before;

    /** This machine's keys and head records live in the test's own directory (other machines get their own). */
    @BeforeEach
    void keys() {
        before = System.getProperty(LedgerKeys.DIR_PROPERTY);
        System.setProperty(LedgerKeys.DIR_PROPERTY, dir.resolve("this-machine-keys").toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(LedgerKeys.DIR_PROPERTY);
        } else {
            System.setProperty(LedgerKeys.DIR_PROPERTY, before);
        }
    }

    private Path db() {
        return dir.resolve("cli.duckdb");
    }

    private static final LossSurface CHINCHILLA = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);

    /**
     * A ladder of finished runs on the Chinchilla surface at budgets 1e19–1e21 and a stored fit of them (as `fit
     * --from-db --save` would leave it): its largest budget is 1e21.
     */
    private long ladderAndFit(String ladder) {
        try (Registry r = Registry.open(db())) {
            List<Long> ids = new ArrayList<>();
            for (double c : new double[] {1e19, 1e20, 1e21}) {
                for (double f : new double[] {0.5, 1, 2}) {
                    double n = CHINCHILLA.optimalAt(c).params() * f, d = c / (6 * n);
                    long id = r.upsertRun(RunRecord.planned(ladder, ladder + "-" + c + "-" + f, ladder + c + f, "{}", "dense", n, n, d,
                            c, c, null, "x"));
                    r.finishRun(id, CHINCHILLA.loss(n, d), CHINCHILLA.loss(n, d), c, 1);
                    ids.add(id);
                }
            }
            return r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", CHINCHILLA, 1e-4, "h", ids, ladder, "{}",
                    List.of(), null));
        }
    }

    private int ledgerSize() {
        try (Registry r = Registry.open(db())) {
            return r.ledgerEntries().size();
        }
    }

    @Test
    void targetsInsideTheDataAreAnsweredAsProjectionsAndAbsurdOnesRefused() {
        String dbArg = "--db=" + db();
        ladderAndFit("chin");
        for (String[] args : new String[][] {{"--compute", "3e20"}, {"--compute", "1e21"}, {"--compute", "1e-30"},
                {"--params", "1", "--tokens", "1"}}) {
            List<String> a = new ArrayList<>(List.of("predict", "--ladder", "chin", dbArg));
            a.addAll(List.of(args));
            Result r = run(a.toArray(String[]::new));
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.out() + r.err());
            assertTrue(r.out().startsWith("projection (not filed): "), String.join(" ", args) + ": " + r.out());
            assertEquals(0, ledgerSize(), "a projection is never filed: " + String.join(" ", args));
        }
        Result huge = run("predict", "--ladder", "chin", "--compute", "1e60", dbArg);
        assertEquals(2, huge.exit(), huge.out());
        assertTrue(huge.err().contains("refused, nothing filed") && huge.err().contains("beyond the 1e4×"), huge.err());
        Result inconsistent = run("predict", "--ladder", "chin", "--compute", "1e22", "--params", "1e10", "--tokens", "1e10", dbArg);
        assertEquals(2, inconsistent.exit(), inconsistent.out());
        assertTrue(inconsistent.err().contains("differs from 6·N·D"), inconsistent.err());
        assertEquals(0, ledgerSize());

        // The override is explicit and recorded in the hashed entry.
        Result forced = run("predict", "--ladder", "chin", "--compute", "3e20", "--allow-projection", "--because", "a demo", dbArg);
        assertEquals(0, forced.exit(), forced.err());
        try (Registry r = Registry.open(db())) {
            assertTrue(r.prediction(1).orElseThrow().intervalNote().contains("override --allow-projection (a demo)"));
        }
        Result real = run("predict", "--ladder", "chin", "--compute", "1e22", "--name", "big", dbArg);
        assertEquals(0, real.exit(), real.err());
        assertTrue(real.out().startsWith("filed prediction 2: big"), real.out());
    }

    @Test
    void anUnnamedTargetIsNamedByTheSizeTheForecasterChose() {
        String dbArg = "--db=" + db();
        // Runs labelled 0.33·6·N·D (a lab's own FLOP count) and a stored fit of their surface: the draft sizes the target
        // at the 6·N·D optimum of the label, the forecaster along the runs' own count — two different N.
        try (Registry r = Registry.open(db())) {
            List<Long> ids = new ArrayList<>();
            for (double c : new double[] {1e19, 3e19, 1e20, 3e20, 1e21}) {
                for (double f : new double[] {0.25, 0.5, 1, 2, 4}) {
                    double n = CHINCHILLA.optimalAt(c).params() * f, d = c / (6 * n);
                    long id = r.upsertRun(RunRecord.planned("own", "own-" + c + "-" + f, "own" + c + f, "{}", "dense", n, n, d,
                            0.33 * c, 0.33 * c, null, "x"));
                    r.finishRun(id, CHINCHILLA.loss(n, d), CHINCHILLA.loss(n, d), 0.33 * c, 1);
                    ids.add(id);
                }
            }
            r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", CHINCHILLA, 1e-4, "h", ids, "own", "{}", List.of(), null));
        }
        Result dry = run("predict", "--ladder", "own", "--compute", "3.3e21", "--dry-run", dbArg);
        assertEquals(0, dry.exit(), dry.err());
        Map<String, String> shown = new LinkedHashMap<>();
        for (String line : dry.out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z_]+")) {
                shown.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        // the draft's N and D came from the stored fit; the entry's are the forecaster's, and so is its name
        String want = String.format(java.util.Locale.ROOT, "dense-N%.3g-D%.3g", Double.parseDouble(shown.get("params")),
                Double.parseDouble(shown.get("tokens")));
        assertEquals(want, shown.get("target_name"), dry.out());
        assertEquals(CHINCHILLA.optimalAt(1e22).params(), Double.parseDouble(shown.get("params")),
                0.05 * CHINCHILLA.optimalAt(1e22).params(), "label 3.3e21 is 6·N·D = 1e22 for these runs");
    }

    @Test
    void dryRunPrintsExactlyTheEntryThatWouldBeFiled() {
        String dbArg = "--db=" + db();
        ladderAndFit("chin");
        run("predict", "--ladder", "chin", "--compute", "2e22", "--name", "first", dbArg);
        Result dry = run("predict", "--ladder", "chin", "--compute", "1e22", "--name", "big", "--dry-run", dbArg);
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().startsWith("dry run: nothing filed"), dry.out());
        assertEquals(1, ledgerSize(), "a dry run files nothing");
        Map<String, String> shown = new LinkedHashMap<>();
        for (String line : dry.out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith(" ") && line.substring(0, eq).matches("[a-z_]+")) {
                shown.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        assertEquals(Prediction.FORMAT, shown.remove("format"));
        assertEquals(0, run("predict", "--ladder", "chin", "--compute", "1e22", "--name", "big", dbArg).exit());
        try (Registry r = Registry.open(db())) {
            Map<String, String> filed = new LinkedHashMap<>(r.prediction(2).orElseThrow().canonicalFields());
            // Only the filing time differs between the two calls.
            assertNotEquals(null, shown.remove("created_at"));
            filed.remove("created_at");
            assertEquals(filed, shown);
        }
    }

    @Test
    void withSeveralLaddersPredictAndFitRefuseToGuess() {
        String dbArg = "--db=" + db();
        ladderAndFit("a");
        ladderAndFit("b");
        Result predict = run("predict", "--compute", "1e22", dbArg);
        assertEquals(2, predict.exit(), predict.out());
        assertTrue(predict.err().contains("holds 2 ladders (a, b)") && predict.err().contains("--ladder"), predict.err());
        Result fit = run("fit", "--from-db", dbArg);
        assertEquals(2, fit.exit(), fit.out());
        assertTrue(fit.err().contains("holds 2 ladders (a, b): fit --from-db will not guess"), fit.err());
        assertEquals(0, ledgerSize());
        assertEquals(0, run("predict", "--ladder", "b", "--compute", "1e22", dbArg).exit());
        try (Registry r = Registry.open(db())) {
            assertEquals(2L, r.prediction(1).orElseThrow().fitId(), "ladder b's fit");
        }
    }

    @Test
    void checksMatchTheirRunAreAppendedAndExported() throws Exception {
        String dbArg = "--db=" + db();
        ladderAndFit("chin");
        assertEquals(0, run("predict", "--ladder", "chin", "--params", "1e10", "--tokens", "2e11", "--name", "big", dbArg).exit());
        // Run 5 is a 1e20-FLOP ladder run: not the 1.2e22-FLOP target.
        Result mismatch = run("check", "--prediction", "1", "--run", "5", dbArg);
        assertEquals(2, mismatch.exit(), mismatch.out());
        assertTrue(mismatch.err().contains("run 5 does not match the target (within 1%)") && mismatch.err().contains("--allow-mismatch"),
                mismatch.err());
        assertEquals(1, ledgerSize());
        Result allowed = run("check", "--prediction", "1", "--run", "5", "--allow-mismatch", dbArg);
        assertEquals(0, allowed.exit(), allowed.err());
        assertTrue(allowed.out().contains("mismatch allowed: run 5 does not match"), allowed.out());

        assertEquals(0, run("check", "--prediction", "1", "--loss", "2.40", dbArg).exit());
        assertEquals(0, run("check", "--prediction", "1", "--loss", "2.16", dbArg).exit());
        try (Registry r = Registry.open(db())) {
            List<PredictionCheck> history = r.checks(1);
            assertEquals(List.of(2.40, 2.16), history.subList(1, 3).stream().map(PredictionCheck::actualLoss).toList(),
                    "the second check adds a verdict; the first stays");
        }
        Path md = dir.resolve("ledger.md");
        assertEquals(0, run("ledger", "export", "--out", md.toString(), dbArg).exit());
        String text = Files.readString(md);
        assertTrue(text.contains("## Check 2 of prediction 1") && text.contains("## Check 3 of prediction 1"), text);
        Result ok = run("ledger", "verify", "--public", md.toString(), dbArg);
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains("ledger intact: 4 entries (1 predictions, 3 checks)"), ok.out());

        // Editing a verdict in the checks table is caught by plain verify.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE checks SET actual_loss = 2.16 WHERE id = 2");
        }
        Result broken = run("ledger", "verify", dbArg);
        assertEquals(1, broken.exit(), broken.out());
        assertTrue(broken.out().contains("ledger BROKEN at entry 3") && broken.out().contains("check 2"), broken.out());
    }

    @Test
    void verifyPublicRefusesAFileThatIsNotAnExport() throws Exception {
        String dbArg = "--db=" + db();
        ladderAndFit("chin");
        assertEquals(0, run("predict", "--ladder", "chin", "--compute", "1e22", dbArg).exit());
        Path empty = Files.writeString(dir.resolve("empty.md"), "");
        Path readme = Files.writeString(dir.resolve("README.md"), "# scalelab\n\nA Java workbench for scaling-law science.\n");
        Path json = Files.writeString(dir.resolve("other.json"), "{\"name\": \"x\"}");
        for (Path p : List.of(empty, readme, json)) {
            Result r = run("ledger", "verify", "--public", p.toString(), dbArg);
            assertEquals(2, r.exit(), p + ": " + r.out());
            assertTrue(r.err().contains(p + ": not a scalelab ledger export"), r.err());
            assertFalse(r.out().contains("matches"), r.out());
        }
    }

    @Test
    void anotherMachineVerifiesWithOnlyTheExportAndItsKeys() throws Exception {
        String dbArg = "--db=" + db();
        ladderAndFit("chin");
        assertEquals(0, run("predict", "--ladder", "chin", "--compute", "1e22", "--name", "a", dbArg).exit());
        assertEquals(0, run("predict", "--ladder", "chin", "--compute", "2e22", "--name", "b", dbArg).exit());
        Path md = dir.resolve("ledger.md");
        Path json = dir.resolve("ledger.json");
        assertEquals(0, run("ledger", "export", "--out", md.toString(), dbArg).exit());
        assertEquals(0, run("ledger", "export", "--format", "json", "--out", json.toString(), dbArg).exit());
        Result here = run("ledger", "verify", dbArg);
        assertEquals(0, here.exit(), here.out());
        assertTrue(here.out().contains("head record: entry 2, the last this machine filed here, is still in place"), here.out());

        Path copy = dir.resolve("copy.duckdb");
        Files.copy(db(), copy);
        System.setProperty(LedgerKeys.DIR_PROPERTY, dir.resolve("other-machine-keys").toString());
        Result plain = run("ledger", "verify", "--db=" + copy);
        assertEquals(1, plain.exit(), "the author's key is unknown there: " + plain.out());
        assertTrue(plain.out().contains("UNTRUSTED key"), plain.out());
        for (Path pub : List.of(md, json)) {
            Result withCopy = run("ledger", "verify", "--public", pub.toString(), "--db=" + copy);
            assertEquals(0, withCopy.exit(), withCopy.out());
            assertTrue(withCopy.out().contains("matches the database: its 2 entries"), withCopy.out());
        }
        // Truncation there is invisible to plain verify (no head recorded on that machine) but not to the public copy.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + copy); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM predictions WHERE id = 2");
        }
        Result truncated = run("ledger", "verify", "--public", md.toString(), "--db=" + copy);
        assertEquals(1, truncated.exit(), truncated.out());
        assertTrue(truncated.out().contains("published entry 2 is missing from the database"), truncated.out());
    }
}
