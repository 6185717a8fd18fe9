package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks are append-only, signed entries of the chain; a check matches its run to the target and times it. */
class ChecksLedgerTest {
    @TempDir
    Path dir;

    private Registry open() {
        return Registry.open(dir.resolve("c.duckdb"), new LedgerKeys(dir.resolve("keys")));
    }

    private static Prediction file(Registry r, String name, double n, double d) {
        return r.filePrediction(Predictions.draft(LedgerTest.savedFit(r, 50), new Predictions.Target(name, "dense", n, d, null),
                0.9, null, "v", "alice", Instant.now()));
    }

    @Test
    void aSecondCheckAddsAVerdictAndKeepsTheFirst() {
        try (Registry r = open()) {
            Prediction p = file(r, "big", 1e9, 2e10);
            PredictionCheck outside = r.checkAgainstLoss(p.id(), p.intervalHigh() + 0.24);
            PredictionCheck inside = r.checkAgainstLoss(p.id(), p.predictedLoss());
            assertEquals(PredictionCheck.Verdict.OUTSIDE_INTERVAL, outside.verdict());
            assertEquals(PredictionCheck.Verdict.WITHIN_INTERVAL, inside.verdict());
            assertEquals(List.of(outside, inside), r.checks(p.id()), "both verdicts kept, oldest first");
            assertEquals(List.of(2L, 3L), List.of(outside.seq(), inside.seq()), "chained after the prediction");
            assertEquals(p.entryHash(), outside.previousHash());
            assertEquals(outside.entryHash(), inside.previousHash());
            assertEquals(p.entryHash(), inside.predictionHash());
            assertTrue(inside.chained() && inside.signature() != null);
            assertFalse(inside.preregistered(), "a loss given by hand has no run start to compare");

            LedgerVerification v = r.verifyLedger();
            assertTrue(v.intact() && v.trusted(), v.toString());
            assertEquals(2, v.checkEntries());
            assertEquals(inside.entryHash(), v.headHash());

            // Exported (Markdown and JSON) like predictions, with their hashes recomputable from the copy.
            String md = LedgerExport.markdown(r.ledgerEntries(), v);
            assertTrue(md.contains("## Check 1 of prediction 1") && md.contains("## Check 2 of prediction 1"), md);
            LedgerExport.PublicCopy copy = LedgerExport.parse(md, false);
            assertEquals(3, copy.entries().size());
            assertTrue(copy.entries().get(1).isCheck());
            assertEquals(List.of(), LedgerExport.compare(copy, r.ledgerEntries()));
            assertEquals(List.of(), LedgerExport.compare(LedgerExport.parse(LedgerExport.json(r.ledgerEntries(), v), true),
                    r.ledgerEntries()));
        }
    }

    @Test
    void editingTheChecksTableIsCaught() throws Exception {
        Path db = dir.resolve("c.duckdb");
        try (Registry r = open()) {
            Prediction p = file(r, "big", 1e9, 2e10);
            r.checkAgainstLoss(p.id(), p.intervalHigh() + 0.24);
        }
        // The verdict the 2.40-outside check gave is turned into an inside one behind scalelab's back.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE checks SET verdict = 'WITHIN_INTERVAL', inside_interval = true WHERE id = 1");
        }
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(2L, v.firstBrokenId(), v.toString());
            assertTrue(v.problem().contains("check 1 of prediction 1") && v.problem().contains("altered"), v.problem());
        }
        // Deleting it instead is caught too (the head this machine filed is gone).
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM checks WHERE id = 1");
        }
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertFalse(v.intact());
            assertTrue(v.problem().contains("deleted from its end"), v.problem());
        }
    }

    @Test
    void aRunThatDoesNotMatchTheTargetIsRefusedUnlessAllowedAndRecorded() {
        try (Registry r = open()) {
            Prediction p = file(r, "big", 1e9, 2e10);
            long small = r.upsertRun(RegistryTest.plannedRun("lad", "small", 1e7, 2e8, 1.2e16));
            r.finishRun(small, 3.1, 3.1, 1.2e16, 10);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.checkAgainstRun(p.id(), small));
            assertTrue(e.getMessage().contains("does not match the target") && e.getMessage().contains("N 1.000e+07 vs 1.000e+09 (99.0% off)")
                    && e.getMessage().contains("--allow-mismatch"), e.getMessage());
            assertEquals(List.of(), r.checks(p.id()), "a refused check files nothing");

            PredictionCheck forced = r.checkAgainstRun(p.id(), small, true);
            assertTrue(forced.mismatchAllowed());
            assertTrue(forced.targetMatch().startsWith("mismatch allowed: run " + small + " does not match"), forced.targetMatch());
            assertTrue(forced.canonicalContent().contains("mismatch_allowed=true"));

            // Within 1%: matches.
            long close = r.upsertRun(RegistryTest.plannedRun("lad", "big", 1.005e9, 2e10, 1.2e20));
            r.finishRun(close, 2.5, 2.5, 1.2e20, 10);
            PredictionCheck ok = r.checkAgainstRun(p.id(), close);
            assertFalse(ok.mismatchAllowed());
            assertTrue(ok.targetMatch().startsWith("run " + close + " matches the target"), ok.targetMatch());
            // A run whose FLOP convention counts attention (planned and budget 40% above 6·N·D) matches a prediction
            // stated as 6·N·D (an MoE target's C) when N and D match: the quickstart --moe of 2026-12-03 was refused so.
            long attention = r.upsertRun(RunRecord.planned("lad", "big-attn", Prediction.sha256("big-attn"), "{\"name\":\"big-attn\"}",
                    "dense", 1e9, 1.1e9, 2e10, 1.68e20, 1.68e20, "{\"lr\":0.001}", "abc"));
            r.finishRun(attention, 2.5, 2.5, 1.68e20, 10);
            assertTrue(r.checkAgainstRun(p.id(), attention).targetMatch().startsWith("run " + attention + " matches the target"));
            // A prediction whose C is the fitted runs' measured count (a power law in N, a few percent off any one run's
            // label) matches its run by N and D; the C difference is said, not refused.
            Prediction counted = r.filePrediction(Predictions.draft(LedgerTest.savedFit(r, 50),
                    new Predictions.Target("counted", "dense", 1e9, 2e10, 1.3 * 1.2e20), 0.9, null, "v", "alice", Instant.now()));
            long labelled = r.upsertRun(RunRecord.planned("lad", "counted-run", Prediction.sha256("counted-run"),
                    "{\"name\":\"counted-run\"}", "dense", 1e9, 1.1e9, 2e10, 1.4 * 1.2e20, 1.4 * 1.2e20, "{\"lr\":0.001}", "abc"));
            r.finishRun(labelled, 2.5, 2.5, 1.4 * 1.2e20, 10);
            String said = r.checkAgainstRun(counted.id(), labelled).targetMatch();
            assertTrue(said.startsWith("run " + labelled + " matches the target") && said.contains("FLOPs counted another way"), said);
            // check --all leaves mismatched runs alone.
            assertEquals(List.of(), r.checkAll());
        }
    }

    @Test
    void theCheckRecordsWhetherTheRunStartedAfterFiling() throws Exception {
        try (Registry r = open()) {
            long early = r.upsertRun(RegistryTest.plannedRun("lad", "big", 1e9, 2e10, 1.2e20));
            r.markRunning(early);
            Thread.sleep(5);
            Prediction p = file(r, "big", 1e9, 2e10);
            Thread.sleep(5);
            long late = r.upsertRun(RegistryTest.plannedRun("lad2", "big", 1e9, 2e10, 1.2e20));
            r.markRunning(late);
            // A restart keeps the first start: a run begun before filing never becomes preregistered.
            Instant firstStart = r.run(early).orElseThrow().startedAt();
            r.failRun(early, "crash");
            r.markRunning(early);
            assertEquals(firstStart, r.run(early).orElseThrow().startedAt());
            r.finishRun(early, 2.5, 2.5, 1.2e20, 10);
            r.finishRun(late, 2.5, 2.5, 1.2e20, 10);
            RunRecord lateRun = r.run(late).orElseThrow();
            assertNotNull(lateRun.startedAt());
            assertNotNull(lateRun.finishedAt());
            assertTrue(lateRun.startedAt().isAfter(p.createdAt()));

            PredictionCheck before = r.checkAgainstRun(p.id(), early);
            PredictionCheck after = r.checkAgainstRun(p.id(), late);
            assertEquals(Boolean.FALSE, before.startedAfterFiling());
            assertFalse(before.preregistered());
            assertEquals(Boolean.TRUE, after.startedAfterFiling());
            assertTrue(after.preregistered());
            assertEquals(lateRun.startedAt(), after.runStartedAt());
            assertTrue(after.canonicalContent().contains("started_after_filing=true"));

            assertEquals(firstStart, before.runStartedAt());

            // An imported run's start is unknown: never shown as preregistered.
            long unknown = r.upsertRun(RegistryTest.plannedRun("lad3", "big", 1e9, 2e10, 1.2e20));
            r.finishRun(unknown, 2.5, 2.5, 1.2e20, 10);
            PredictionCheck c = r.checkAgainstRun(p.id(), unknown);
            assertNull(c.startedAfterFiling());
            assertFalse(c.preregistered());
            assertTrue(r.verifyLedger().intact());
        }
    }
}
