package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by the schema before signing (version 2: unsigned {@value Prediction#FORMAT_V1} entries, checks
 * outside the chain) still verifies after the upgrade, its old entries reported as unsigned, and new entries are
 * signed v2 entries chained after them.
 */
class LedgerMigrationTest {
    @TempDir
    Path dir;

    /** Builds the version-2 schema exactly as released and files two v1 entries and one check the way that code did. */
    static List<Prediction> writeVersion2Database(Path db) throws Exception {
        Prediction first = v1(1, "old-a", 2.25, Prediction.GENESIS_HASH, Instant.parse("2026-11-20T10:00:00.123456Z"));
        Prediction second = v1(2, "old-b", 2.10, first.entryHash(), Instant.parse("2026-11-21T10:00:00Z"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
            for (Migrations.Migration m : Migrations.ALL.subList(0, 2)) {
                for (String stmt : m.statements()) {
                    s.execute(stmt);
                }
                s.execute("INSERT INTO schema_version VALUES (" + m.version() + ", '" + m.description() + "', now())");
            }
            for (Prediction p : List.of(first, second)) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    int i = 1;
                    ps.setLong(i++, p.id());
                    ps.setString(i++, p.targetName());
                    ps.setString(i++, p.kind());
                    ps.setDouble(i++, p.params());
                    ps.setDouble(i++, p.tokens());
                    ps.setDouble(i++, p.compute());
                    ps.setDouble(i++, p.predictedLoss());
                    ps.setNull(i++, Types.DOUBLE);
                    ps.setNull(i++, Types.DOUBLE);
                    ps.setNull(i++, Types.DOUBLE);
                    ps.setString(i++, p.intervalNote());
                    ps.setString(i++, p.method());
                    ps.setLong(i++, p.fitId());
                    ps.setString(i++, p.inputHash());
                    ps.setString(i++, p.codeVersion());
                    ps.setString(i++, p.author());
                    ps.setString(i++, p.createdAt().toString());
                    ps.setNull(i++, Types.BIGINT);
                    ps.setString(i++, p.previousHash());
                    ps.setString(i, p.entryHash());
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO checks (prediction_id, run_id, actual_loss, predicted_loss,"
                    + " absolute_error, relative_error, inside_interval, verdict, checked_at) VALUES (2, NULL, 2.4, 2.1, 0.3, 0.125, NULL, 'NO_INTERVAL', ?)")) {
                ps.setObject(1, LocalDateTime.ofInstant(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
                ps.executeUpdate();
            }
        }
        return List.of(first, second);
    }

    /** A v1 entry as the old code hashed it (its canonical text has no seq, forecast or key). */
    private static Prediction v1(long id, String name, double loss, String prev, Instant at) {
        Prediction unhashed = new Prediction(id, name, "dense", 1e9 * id, 2e10, 1.2e20 * id, loss, null, null, null,
                "interval absent: fit 1 has no bootstrap surfaces", "vpnls", 1, "inputs", "v", "bob", at, null, prev, null,
                id, Prediction.FORMAT_V1, Prediction.NO_FORECAST, null, null);
        String v1Text = "scalelab-prediction-v1\nid=" + id + "\ntarget_name=" + name + "\nkind=dense\nparams=" + (1e9 * id)
                + "\ntokens=2.0E10\ncompute=" + (1.2e20 * id) + "\npredicted_loss=" + loss + "\ninterval_low=null\ninterval_high=null"
                + "\ninterval_level=null\ninterval_note=interval absent: fit 1 has no bootstrap surfaces\nmethod=vpnls\nfit_id=1"
                + "\ninput_hash=inputs\ncode_version=v\nauthor=bob\ncreated_at=" + at + "\nsupersedes=null\nprevious_hash=" + prev + "\n";
        assertEquals(v1Text, unhashed.canonicalContent(), "v1 entries keep their released canonical text");
        return new Prediction(id, name, "dense", 1e9 * id, 2e10, 1.2e20 * id, loss, null, null, null,
                unhashed.intervalNote(), "vpnls", 1, "inputs", "v", "bob", at, null, prev, Prediction.sha256(v1Text),
                id, Prediction.FORMAT_V1, Prediction.NO_FORECAST, null, null);
    }

    @Test
    void oldEntriesVerifyAsUnsignedAndNewOnesAreSigned() throws Exception {
        Path db = dir.resolve("old.duckdb");
        List<Prediction> old = writeVersion2Database(db);
        LedgerKeys keys = new LedgerKeys(dir.resolve("keys"));
        try (Registry r = Registry.open(db, keys)) {
            assertEquals(Migrations.latestVersion(), r.schemaVersion());
            LedgerVerification v = r.verifyLedger();
            assertTrue(v.intact(), v.toString());
            assertEquals(2, v.entries());
            assertEquals(2, v.unsignedEntries());
            assertEquals(1, v.legacyChecks());
            assertEquals(old.get(1).entryHash(), v.headHash());
            assertEquals(old, r.predictions(), "the old entries read back unchanged");
            assertFalse(r.checks(2).get(0).chained());
            assertEquals(2, keys.head(db).orElseThrow().seq(), "the upgrade remembered the unsigned head");

            FitRecord fit = LedgerTest.savedFit(r, 0);
            Prediction fresh = r.filePrediction(Predictions.draft(fit, new Predictions.Target("new", "dense", 3e9, 6e10, null),
                    0.9, null, "v", "carol", Instant.now()));
            assertEquals(3L, fresh.id());
            assertEquals(3L, fresh.seq());
            assertEquals(Prediction.FORMAT, fresh.format());
            assertTrue(fresh.signed());
            assertEquals(old.get(1).entryHash(), fresh.previousHash());
            PredictionCheck check = r.checkAgainstLoss(2, 2.2);
            assertEquals(4L, check.seq());
            assertEquals(2L, check.id(), "check ids continue after the unchained check");

            v = r.verifyLedger();
            assertTrue(v.intact() && v.trusted(), v.toString());
            assertEquals(4, v.entries());
            assertEquals(2, v.unsignedEntries());
            assertEquals(1, v.checkEntries());

            // The export carries both formats, and a public copy of it verifies.
            String md = LedgerExport.markdown(r.ledgerEntries(), v);
            assertEquals(List.of(), LedgerExport.compare(LedgerExport.parse(md, false), r.ledgerEntries()));
        }
        // An unsigned entry appended behind scalelab's back after a signed one is caught.
        Prediction forged = v1(5, "forged", 1.0, "x", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db)) {
            SignedLedgerTest.insert(c, forged);
        }
        try (Registry r = Registry.open(db, keys)) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(5L, v.firstBrokenId(), v.toString());
        }
    }

    @Test
    void unsignedEntryAppendedAfterTheUpgradeIsCaught() throws Exception {
        Path db = dir.resolve("old.duckdb");
        List<Prediction> old = writeVersion2Database(db);
        LedgerKeys keys = new LedgerKeys(dir.resolve("keys"));
        try (Registry r = Registry.open(db, keys)) {
            assertTrue(r.verifyLedger().intact());
        }
        Prediction third = v1(3, "old-c", 2.0, old.get(1).entryHash(), Instant.parse("2026-11-23T10:00:00Z"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db)) {
            SignedLedgerTest.insert(c, third);
        }
        try (Registry r = Registry.open(db, keys)) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(3L, v.firstBrokenId(), v.toString());
            assertTrue(v.problem().contains("unsigned") && v.problem().contains("behind its back"), v.problem());
        }
    }
}
