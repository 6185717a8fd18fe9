package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.LossSurface;

class LedgerTest {
    @TempDir
    Path dir;

    /** Chinchilla's published surface (Hoffmann et al. 2022), raw units. */
    static final LossSurface CHINCHILLA = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);

    static FitRecord savedFit(Registry r, int bootstrapSamples) {
        Random rnd = new Random(7);
        List<LossSurface> boot = new ArrayList<>();
        for (int i = 0; i < bootstrapSamples; i++) {
            boot.add(new LossSurface(1.69 + 0.02 * rnd.nextGaussian(), 406.4 * (1 + 0.05 * rnd.nextGaussian()),
                    410.7 * (1 + 0.05 * rnd.nextGaussian()), 0.34 + 0.005 * rnd.nextGaussian(), 0.28 + 0.005 * rnd.nextGaussian()));
        }
        long id = r.saveFit(new FitRecord(null, "vpnls", "huber(1e-3)", "CONVERGED", CHINCHILLA, 1e-4, "inputs-sha", List.of(),
                "lad", "{}", boot, null));
        return r.fit(id).orElseThrow();
    }

    static Prediction file(Registry r, FitRecord fit, String name, double n, double d, Long supersedes) {
        return r.filePrediction(Predictions.draft(fit, new Predictions.Target(name, "dense", n, d, null), 0.9, supersedes,
                "0123456789abcdef0123456789abcdef01234567", "tester", Instant.now()));
    }

    @Test
    void draftUsesTheSurfaceAndBootstrapPercentiles() {
        try (Registry r = Registry.open(dir.resolve("l.duckdb"))) {
            FitRecord fit = savedFit(r, 200);
            Prediction p = Predictions.draft(fit, new Predictions.Target("t", "dense", 70e9, 1.4e12, null), 0.9, null, "v", "me", Instant.now());
            assertEquals(CHINCHILLA.loss(70e9, 1.4e12), p.predictedLoss(), 1e-12);
            assertEquals(6 * 70e9 * 1.4e12, p.compute(), 1);
            assertTrue(p.intervalLow() < p.predictedLoss() && p.predictedLoss() < p.intervalHigh(), p.toString());
            double[] losses = fit.bootstrapSurfaces().stream().mapToDouble(s -> s.loss(70e9, 1.4e12)).sorted().toArray();
            assertEquals(Predictions.percentile(losses, 0.05), p.intervalLow());
            assertEquals(losses[0], Predictions.percentile(losses, 0.0));
            assertEquals(losses[losses.length - 1], Predictions.percentile(losses, 1.0));

            // Only a budget: the compute-optimal allocation of the surface.
            Prediction opt = Predictions.draft(fit, new Predictions.Target(null, "dense", null, null, 5.76e23), 0.9, null, "v", "me", Instant.now());
            assertEquals(CHINCHILLA.optimalAt(5.76e23).params(), opt.params(), 1e-6 * opt.params());
            assertEquals(5.76e23, opt.compute());
            assertEquals(5.76e23, 6 * opt.params() * opt.tokens(), 1e-9 * 5.76e23);

            FitRecord noBoot = savedFit(r, 0);
            Prediction bare = Predictions.draft(noBoot, new Predictions.Target("t", "moe", 1e9, 2e10, null), 0.9, null, "v", "me", Instant.now());
            assertFalse(bare.hasInterval());
            assertTrue(bare.intervalNote().startsWith("interval absent"), bare.intervalNote());

            FitRecord approach2 = r.fit(r.saveFit(new FitRecord(null, "approach2", "lsq", "CONVERGED", null, 0, "h", List.of(), null, "{}", List.of(), null))).orElseThrow();
            assertThrows(IllegalArgumentException.class, () -> Predictions.draft(approach2,
                    new Predictions.Target("t", "dense", 1e9, 1e10, null), 0.9, null, "v", "me", Instant.now()));
        }
    }

    @Test
    void filedPredictionCannotBeChangedThroughTheApi() {
        try (Registry r = Registry.open(dir.resolve("l.duckdb"))) {
            Prediction p = file(r, savedFit(r, 50), "target-1", 1e9, 2e10, null);
            assertEquals(1L, p.id());
            assertEquals(Prediction.GENESIS_HASH, p.previousHash());
            Prediction changed = new Prediction(p.id(), p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(),
                    p.predictedLoss() - 0.1, p.intervalLow(), p.intervalHigh(), p.intervalLevel(), p.intervalNote(), p.method(),
                    p.fitId(), p.inputHash(), p.codeVersion(), p.author(), p.createdAt(), p.supersedes(), p.previousHash(), p.entryHash());
            assertThrows(AppendOnlyException.class, () -> r.updatePrediction(changed));
            assertThrows(AppendOnlyException.class, () -> r.filePrediction(changed), "re-filing an entry is refused");
            assertThrows(AppendOnlyException.class, () -> r.deletePrediction(1));
            assertEquals(p, r.prediction(1).orElseThrow(), "the stored entry is unchanged");
            assertEquals(1, r.predictions().size());
            assertTrue(r.verifyLedger().intact());
        }
    }

    @Test
    void rowAlteredWithSqlIsCaughtByVerify() throws Exception {
        Path db = dir.resolve("l.duckdb");
        try (Registry r = Registry.open(db)) {
            FitRecord fit = savedFit(r, 20);
            for (int i = 1; i <= 4; i++) {
                file(r, fit, "target-" + i, 1e9 * i, 2e10 * i, null);
            }
            LedgerVerification ok = r.verifyLedger();
            assertTrue(ok.intact());
            assertEquals(4, ok.entries());
            assertEquals(r.prediction(4).orElseThrow().entryHash(), ok.headHash());
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE predictions SET predicted_loss = predicted_loss - 0.01 WHERE id = 3");
        }
        try (Registry r = Registry.open(db)) {
            LedgerVerification v = r.verifyLedger();
            assertFalse(v.intact());
            assertEquals(3L, v.firstBrokenId());
            assertTrue(v.problem().contains("entry 3") && v.problem().contains("target-3"), v.problem());
        }
        // Recomputing the hash of the altered row is not enough: the next entry's link then breaks.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE predictions SET predicted_loss = predicted_loss + 0.01 WHERE id = 3");
            s.executeUpdate("DELETE FROM predictions WHERE id = 2");
        }
        try (Registry r = Registry.open(db)) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(3L, v.firstBrokenId());
            assertTrue(v.problem().contains("deleted"), v.problem());
        }
    }

    @Test
    void rewrittenRowWithRecomputedHashFailsItsSignature() throws Exception {
        Path db = dir.resolve("l.duckdb");
        Prediction second;
        try (Registry r = Registry.open(db)) {
            FitRecord fit = savedFit(r, 0);
            file(r, fit, "a", 1e9, 2e10, null);
            second = file(r, fit, "b", 2e9, 2e10, null);
            file(r, fit, "c", 3e9, 2e10, null);
        }
        // An insider recomputes the hash of the edited row (the recipe is public) but cannot sign it: the old signature
        // no longer matches the content, and before signing the next link would have broken anyway.
        Prediction edited = new Prediction(second.id(), second.targetName(), second.kind(), second.params(), second.tokens(),
                second.compute(), 2.0, null, null, null, second.intervalNote(), second.method(), second.fitId(),
                second.inputHash(), second.codeVersion(), second.author(), second.createdAt(), null, second.previousHash(), null,
                second.seq(), second.format(), second.forecast(), second.publicKey(), second.signature());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE predictions SET predicted_loss = 2.0, interval_low = NULL, interval_high = NULL,"
                    + " interval_level = NULL, entry_hash = '" + edited.recomputeHash() + "' WHERE id = 2");
        }
        try (Registry r = Registry.open(db)) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(2L, v.firstBrokenId(), v.problem());
            assertTrue(v.problem().contains("signature does not verify"), v.problem());
        }
    }

    @Test
    void supersessionKeepsBothEntries() {
        try (Registry r = Registry.open(dir.resolve("l.duckdb"))) {
            FitRecord fit = savedFit(r, 30);
            Prediction first = file(r, fit, "big-run", 1e9, 2e10, null);
            Prediction second = file(r, fit, "big-run", 1.2e9, 2e10, first.id());
            assertEquals(List.of(first, second), r.predictions());
            assertEquals(first.id(), second.supersedes());
            assertEquals(first.entryHash(), second.previousHash());
            assertEquals(List.of(second.id()), r.supersededBy(first.id()));
            assertTrue(r.verifyLedger().intact());
            assertThrows(IllegalArgumentException.class, () -> file(r, fit, "x", 1e9, 1e10, 99L));
            assertEquals(2, r.predictions().size(), "a refused filing stores nothing");
        }
    }

    @Test
    void markdownExportRoundTripsItsHashes() {
        try (Registry r = Registry.open(dir.resolve("l.duckdb"))) {
            FitRecord fit = savedFit(r, 40);
            file(r, fit, "run | with pipe \\ and backslash", 1e9, 2e10, null);
            file(r, fit, "second", 3e9, 6e10, 1L);
            r.filePrediction(Predictions.draft(savedFit(r, 0), new Predictions.Target("moe-target", "moe", null, null, 1e21), 0.95,
                    null, "unknown", "someone else", Instant.now()));
            String md = LedgerExport.markdown(r.predictions(), r.verifyLedger());
            List<LedgerExport.PublicEntry> parsed = LedgerExport.parseMarkdown(md);
            assertEquals(3, parsed.size());
            for (LedgerExport.PublicEntry e : parsed) {
                Prediction db = r.prediction(e.id()).orElseThrow();
                assertEquals(db.entryHash(), e.statedHash());
                assertEquals(db.entryHash(), e.recomputedHash(), "hash recomputed from the public text");
                assertEquals(db.canonicalFields(), e.fields());
            }
            assertEquals(List.of(), LedgerExport.compare(parsed, r.predictions()));
            assertEquals(List.of(), LedgerExport.compare(LedgerExport.parseJson(LedgerExport.json(r.predictions(), r.verifyLedger())), r.predictions()));

            // An edited public copy no longer matches.
            String loss = r.prediction(2).orElseThrow().canonicalFields().get("predicted_loss");
            String edited = md.replace("| predicted_loss | " + loss + " |", "| predicted_loss | 1.5 |");
            assertNotEquals(md, edited);
            List<String> problems = LedgerExport.compare(LedgerExport.parseMarkdown(edited), r.predictions());
            assertEquals(2, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("published entry 2: its fields hash to"), problems.get(0));
            assertTrue(problems.get(1).startsWith("published entry 2: its signature does not verify"), problems.get(1));
        }
    }

    @Test
    void checksRecordErrorsAndVerdicts() {
        try (Registry r = Registry.open(dir.resolve("l.duckdb"))) {
            FitRecord fit = savedFit(r, 100);
            Prediction p = file(r, fit, "target-run", 1e9, 2e10, null);
            PredictionCheck inside = r.checkAgainstLoss(p.id(), p.predictedLoss() + 1e-4);
            assertEquals(PredictionCheck.Verdict.WITHIN_INTERVAL, inside.verdict());
            assertEquals(1e-4, inside.absoluteError(), 1e-9);
            assertEquals(1e-4 / (p.predictedLoss() + 1e-4), inside.relativeError(), 1e-9);
            PredictionCheck outside = r.checkAgainstLoss(p.id(), p.intervalHigh() + 0.1);
            assertEquals(PredictionCheck.Verdict.OUTSIDE_INTERVAL, outside.verdict());
            assertFalse(outside.insideInterval());

            // check --all: finds the finished run by name, once.
            long runId = r.upsertRun(RegistryTest.plannedRun("lad", "target-run", 1e9, 2e10, 1.2e20));
            assertEquals(List.of(), r.checkAll(), "the target run has not finished");
            assertThrows(IllegalStateException.class, () -> r.checkAgainstRun(p.id(), runId));
            r.finishRun(runId, 2.6, 2.6, 1.2e20, 100);
            List<PredictionCheck> all = r.checkAll();
            assertEquals(1, all.size());
            assertEquals(runId, all.get(0).runId());
            assertEquals(2.6, all.get(0).actualLoss());
            assertEquals(List.of(), r.checkAll(), "already checked");
            assertEquals(3, r.checks(p.id()).size());
            assertEquals(all.get(0), r.checks(p.id()).get(2));

            Prediction noInterval = file(r, savedFit(r, 0), "other", 1e9, 2e10, null);
            assertEquals(PredictionCheck.Verdict.NO_INTERVAL, r.checkAgainstLoss(noInterval.id(), 2.5).verdict());
            assertNull(r.checks(noInterval.id()).get(0).insideInterval());
        }
    }
}
