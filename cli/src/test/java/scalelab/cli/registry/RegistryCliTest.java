package scalelab.cli.registry;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.LossSurface;
import scalelab.registry.FitRecord;
import scalelab.registry.LedgerExport;
import scalelab.registry.Prediction;
import scalelab.registry.PredictionCheck;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.DataDirectory;

/** The registry commands end to end through the real CLI, on a temporary database. */
class RegistryCliTest {
    @TempDir
    Path dir;



    private Path db() {
        return dir.resolve("cli.duckdb");
    }

    private static Path data(String name) {
        return DataDirectory.dataFile(name);
    }

    /** Stands in for `scalelab fit --save` (another command): a Chinchilla surface with bootstrap refits. */
    private long saveFit() {
        Random rnd = new Random(3);
        List<LossSurface> boot = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boot.add(new LossSurface(1.69 + 0.02 * rnd.nextGaussian(), 406.4 * (1 + 0.05 * rnd.nextGaussian()),
                    410.7 * (1 + 0.05 * rnd.nextGaussian()), 0.34 + 0.004 * rnd.nextGaussian(), 0.28 + 0.004 * rnd.nextGaussian()));
        }
        try (Registry r = Registry.open(db())) {
            var set = r.observationSet("chin");
            return r.saveFit(new FitRecord(null, "vpnls", "huber(1e-3)", "CONVERGED", new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28),
                    1e-4, set.inputHash(), set.runIds(), "chin", "{}", boot, null));
        }
    }

    /** A stored fit with the given status and fitter message (resultJson as `fit --format json` writes it). */
    private long saveFit(String status, String message) {
        try (Registry r = Registry.open(db())) {
            var set = r.observationSet("chin");
            return r.saveFit(new FitRecord(null, "vpnls", "least squares", status, new LossSurface(1e-9, 406.4, 410.7, 0.34, 0.28),
                    1e-4, set.inputHash(), set.runIds(), "chin", "{\"status\": \"" + status.toLowerCase() + "\", \"message\": \""
                    + message + "\"}", List.of(), null));
        }
    }

    private int ledgerSize() {
        try (Registry r = Registry.open(db())) {
            return r.predictions().size();
        }
    }

    @Test
    void predictRefusesFailedAndUnconvergedFitsBeforeFilingAnything() {
        String dbArg = "--db=" + db();
        assertEquals(0, run("runs", "import", data("chinchilla-isoflops.csv").toString(), "--ladder", "chin", dbArg).exit());
        long failed = saveFit("FAILED", "objective not finite");
        long clamped = saveFit("COEFFICIENT_CLAMPED", "E held at 0");

        for (String[] extra : new String[][] {{}, {"--allow-unconverged"}}) {
            List<String> args = new ArrayList<>(List.of("predict", "--fit", String.valueOf(failed), "--compute", "5.76e23", dbArg));
            args.addAll(List.of(extra));
            Result r = run(args.toArray(String[]::new));
            assertEquals(2, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("fit " + failed + " (vpnls) FAILED: objective not finite; nothing filed"), r.err());
            assertEquals(0, ledgerSize(), "a FAILED fit files nothing, flag or not");
        }

        Result refused = run("predict", "--fit", String.valueOf(clamped), "--compute", "5.76e23", "--name", "big-run", dbArg);
        assertEquals(2, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().contains("fit " + clamped + " (vpnls) did not converge (COEFFICIENT_CLAMPED: E held at 0)"), refused.err());
        assertTrue(refused.err().contains("--allow-unconverged"), refused.err());
        assertEquals(0, ledgerSize(), "a clamped fit files nothing without --allow-unconverged");

        Result allowed = run("predict", "--fit", String.valueOf(clamped), "--compute", "5.76e23", "--name", "big-run",
                "--allow-unconverged", dbArg);
        assertEquals(0, allowed.exit(), allowed.err());
        assertTrue(allowed.out().startsWith("filed prediction 1: big-run"), allowed.out());
        assertTrue(allowed.out().contains("warning: fit " + clamped + " ended with status COEFFICIENT_CLAMPED"), allowed.out());
        try (Registry r = Registry.open(db())) {
            List<Prediction> ledger = r.predictions();
            assertEquals(1, ledger.size());
            Prediction p = ledger.get(0);
            assertEquals(clamped, p.fitId());
            // the status is in the hashed content, so the public copy carries it too
            assertTrue(p.intervalNote().endsWith("filed from an unconverged fit: fit " + clamped
                    + " (vpnls) ended COEFFICIENT_CLAMPED: E held at 0"), p.intervalNote());
            assertTrue(p.canonicalContent().contains("COEFFICIENT_CLAMPED"));
            assertTrue(r.verifyLedger().intact());
        }
    }

    @Test
    void importPredictExportVerifyAndCheck() throws Exception {
        String dbArg = "--db=" + db();
        Result imp = run("runs", "import", data("chinchilla-isoflops.csv").toString(), "--ladder", "chin", dbArg);
        assertEquals(0, imp.exit(), imp.err());
        assertTrue(imp.out().contains("imported 124 runs"), imp.out());
        Result again = run("runs", "import", data("chinchilla-isoflops.csv").toString(), "--ladder", "chin", dbArg);
        assertTrue(again.out().contains("already imported") && again.out().contains("nothing added"), again.out());

        long fitId = saveFit();
        Result p1 = run("predict", "--compute", "5.76e23", "--name", "big-run", dbArg);
        assertEquals(0, p1.exit(), p1.err());
        assertTrue(p1.out().startsWith("filed prediction 1: big-run"), p1.out());
        Result p2 = run("predict", "--fit", String.valueOf(fitId), "--params", "7e10", "--tokens", "1.4e12", "--name", "chinchilla-70b",
                "--supersedes", "1", "--level", "0.9", dbArg);
        assertEquals(0, p2.exit(), p2.err());
        Result bad = run("predict", "--params", "7e10", dbArg);
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--params N --tokens D"), bad.err());

        Path md = dir.resolve("ledger.md");
        assertEquals(0, run("ledger", "export", "--format", "markdown", "--out", md.toString(), dbArg).exit());
        Result json = run("ledger", "export", "--format", "json", dbArg);
        assertTrue(json.out().contains("\"head_hash\""), json.out());
        Result ok = run("ledger", "verify", "--public", md.toString(), dbArg);
        assertEquals(0, ok.exit(), ok.out());
        assertTrue(ok.out().contains("ledger intact: 2 entries") && ok.out().contains("matches the database"), ok.out());
        try (Registry r = Registry.open(db())) {
            assertEquals(r.predictions().stream().map(Prediction::entryHash).toList(),
                    LedgerExport.parseMarkdown(Files.readString(md)).stream().map(LedgerExport.PublicEntry::statedHash).toList());
            assertEquals(1L, r.prediction(2).orElseThrow().supersedes());
        }

        // check --loss, then check --all once the named target run exists and finished.
        Result c1 = run("check", "--prediction", "2", "--loss", "1.94", dbArg);
        assertEquals(0, c1.exit(), c1.err());
        assertTrue(c1.out().contains("prediction 2 (chinchilla-70b)"), c1.out());
        try (Registry r = Registry.open(db())) {
            long id = r.upsertRun(RunRecord.planned("chin", "chinchilla-70b", "spec-70b", "{}", "dense", 7e10, 7e10, 1.4e12, 5.88e23, 5.88e23, null, "x"));
            r.finishRun(id, 1.94, 1.93, 5.9e23, 3600);
        }
        Result all = run("check", "--all", dbArg);
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("run 125"), all.out());
        try (Registry r = Registry.open(db())) {
            List<PredictionCheck> checks = r.checks(2);
            assertEquals(2, checks.size());
            assertEquals(1.94, checks.get(1).actualLoss());
        }
        assertTrue(run("check", "--all", dbArg).out().contains("no new checks"));
        assertEquals(2, run("check", "--prediction", "99", "--loss", "2", dbArg).exit());

        // Tamper with the ledger behind scalelab's back: verify names the entry and exits non-zero.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE predictions SET predicted_loss = 1.9 WHERE id = 2");
        }
        Result broken = run("ledger", "verify", "--public", md.toString(), dbArg);
        assertEquals(1, broken.exit(), broken.out());
        assertTrue(broken.out().contains("ledger BROKEN at entry 2") && broken.out().contains("chinchilla-70b"), broken.out());
        assertEquals(2, run("ledger", "export", dbArg).exit(), "no public copy from a broken chain");
    }

    @Test
    void listExportAndMalformedImport() throws Exception {
        String dbArg = "--db=" + db();
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "params,tokens,loss\n1e6,1e7,4.1\n2e6,5e6,oops\n");
        Result r = run("runs", "import", bad.toString(), dbArg);
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(bad + ":3: column 'loss': not a number: 'oops'"), r.err());
        assertFalse(Files.exists(db()), "a malformed file is rejected before the database is touched");

        assertEquals(0, run("runs", "import", data("fineweb-c4-isoflops.csv").toString(), dbArg).exit());
        Result text = run("runs", "list", dbArg);
        assertTrue(text.out().contains("fineweb-c4") && text.out().trim().endsWith("176 runs"), text.out());
        Result csv = run("runs", "list", "--format", "csv", dbArg);
        assertEquals(177, csv.out().trim().split("\n").length);
        assertTrue(run("runs", "list", "--format", "json", dbArg).out().contains("\"final_loss\" : 5.111131825757191"));

        Path parquet = dir.resolve("runs.parquet");
        assertEquals(0, run("runs", "export", "--format", "parquet", "--out", parquet.toString(), dbArg).exit());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), sum(loss) FROM '" + parquet + "'")) {
            rs.next();
            assertEquals(176, rs.getInt(1));
        }
        assertEquals(2, run("runs", "export", "--format", "parquet", dbArg).exit(), "parquet needs --out");

        // The CSV export is importable again (into another database), with the same observations.
        Path csvOut = dir.resolve("runs.csv");
        assertEquals(0, run("runs", "export", "--format", "csv", "--out", csvOut.toString(), dbArg).exit());
        Path db2 = dir.resolve("second.duckdb");
        assertEquals(0, run("runs", "import", csvOut.toString(), "--ladder", "copy", "--db", db2.toString()).exit());
        try (Registry a = Registry.open(db()); Registry b = Registry.open(db2)) {
            assertEquals(a.observations(null), b.observations("copy"));
        }
    }
}
