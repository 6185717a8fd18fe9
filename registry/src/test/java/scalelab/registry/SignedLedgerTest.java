package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The insider of issue 15: someone who can write the database file but holds neither the author's key nor a public
 * copy. Each forgery below left `ledger verify` at "intact" before entries were signed; each must now fail plain
 * verification on the author's machine — also when the insider recomputes every hash and re-signs every entry with
 * a key of their own.
 */
class SignedLedgerTest {
    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("ledger.duckdb");
    }

    private LedgerKeys alice() {
        return new LedgerKeys(dir.resolve("alice-keys"));
    }

    /** A signer the insider made: not the author's key. */
    private LedgerKeys.Signer insider(String author) {
        return new LedgerKeys(dir.resolve("insider-keys")).signer(author);
    }

    private Registry open() {
        return Registry.open(db(), alice());
    }

    private static Prediction draft(FitRecord fit, String name, double n, Instant at) {
        return Predictions.draft(fit, new Predictions.Target(name, "dense", n, 2e10, null), 0.9, null, "v", "alice", at);
    }

    /** Files three predictions as alice; returns them. */
    private List<Prediction> fileThree() {
        try (Registry r = open()) {
            FitRecord fit = LedgerTest.savedFit(r, 20);
            List<Prediction> out = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                out.add(r.filePrediction(draft(fit, "target-" + i, 1e9 * i, Instant.now())));
            }
            LedgerVerification v = r.verifyLedger();
            assertTrue(v.intact() && v.trusted(), v.toString());
            assertEquals(0, v.unsignedEntries());
            return out;
        }
    }

    /**
     * Renumbers {@code entries} 1..n, links them and recomputes every hash, as an insider following the public recipe
     * would; with {@code signer}, also re-signs each with that key (else the old signatures stay).
     */
    private static List<Prediction> rechain(List<Prediction> entries, LedgerKeys.Signer signer) {
        List<Prediction> out = new ArrayList<>();
        String prev = Prediction.GENESIS_HASH;
        long seq = 1;
        for (Prediction p : entries) {
            Prediction e;
            if (signer != null) {
                Prediction asDraft = new Prediction(null, p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(),
                        p.predictedLoss(), p.intervalLow(), p.intervalHigh(), p.intervalLevel(), p.intervalNote(), p.method(),
                        p.fitId(), p.inputHash(), p.codeVersion(), signer.author(), p.createdAt(), null, null, null);
                e = asDraft.asEntry(seq, seq, prev, signer);
            } else {
                Prediction unhashed = new Prediction(seq, p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(),
                        p.predictedLoss(), p.intervalLow(), p.intervalHigh(), p.intervalLevel(), p.intervalNote(), p.method(),
                        p.fitId(), p.inputHash(), p.codeVersion(), p.author(), p.createdAt(), null, prev, null, seq,
                        p.format(), p.forecast(), p.publicKey(), p.signature());
                e = new Prediction(seq, p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(), p.predictedLoss(),
                        p.intervalLow(), p.intervalHigh(), p.intervalLevel(), p.intervalNote(), p.method(), p.fitId(),
                        p.inputHash(), p.codeVersion(), p.author(), p.createdAt(), null, prev, unhashed.recomputeHash(), seq,
                        p.format(), p.forecast(), p.publicKey(), p.signature());
            }
            out.add(e);
            prev = e.entryHash();
            seq++;
        }
        return out;
    }

    /** Replaces the predictions table behind scalelab's back (plain JDBC: all the insider has). */
    private void overwrite(List<Prediction> rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM predictions");
            for (Prediction e : rows) {
                insert(c, e);
            }
        }
    }

    static void insert(Connection c, Prediction e) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO predictions (id, target_name, kind, params, tokens, compute,"
                + " predicted_loss, interval_low, interval_high, interval_level, interval_note, method, fit_id, input_hash,"
                + " code_version, author, created_at, supersedes, previous_hash, entry_hash, seq, format, forecast, public_key,"
                + " signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = 1;
            ps.setLong(i++, e.id());
            ps.setString(i++, e.targetName());
            ps.setString(i++, e.kind());
            ps.setDouble(i++, e.params());
            ps.setDouble(i++, e.tokens());
            ps.setDouble(i++, e.compute());
            ps.setDouble(i++, e.predictedLoss());
            for (Double v : new Double[] {e.intervalLow(), e.intervalHigh(), e.intervalLevel()}) {
                if (v == null) {
                    ps.setNull(i++, Types.DOUBLE);
                } else {
                    ps.setDouble(i++, v);
                }
            }
            ps.setString(i++, e.intervalNote());
            ps.setString(i++, e.method());
            ps.setLong(i++, e.fitId());
            ps.setString(i++, e.inputHash());
            ps.setString(i++, e.codeVersion());
            ps.setString(i++, e.author());
            ps.setString(i++, e.createdAt().toString());
            ps.setNull(i++, Types.BIGINT);
            ps.setString(i++, e.previousHash());
            ps.setString(i++, e.entryHash());
            ps.setLong(i++, e.seq());
            ps.setString(i++, e.format());
            ps.setString(i++, e.forecast());
            ps.setString(i++, e.publicKey());
            ps.setString(i, e.signature());
            ps.executeUpdate();
        }
    }

    private static Prediction withLoss(Prediction p, double loss) {
        return new Prediction(p.id(), p.targetName(), p.kind(), p.params(), p.tokens(), p.compute(), loss, null, null, null,
                p.intervalNote(), p.method(), p.fitId(), p.inputHash(), p.codeVersion(), p.author(), p.createdAt(), null,
                p.previousHash(), p.entryHash(), p.seq(), p.format(), p.forecast(), p.publicKey(), p.signature());
    }

    /**
     * Applies {@code attack} to the filed entries twice — keeping the old signatures, and re-signing everything with the
     * insider's own key under another name — and asserts that plain verification fails both times.
     */
    private void assertCaught(UnaryOperator<List<Prediction>> attack, String expectedWithOldSignatures) throws Exception {
        assertCaught(attack, expectedWithOldSignatures, "this machine filed");
    }

    private void assertCaught(UnaryOperator<List<Prediction>> attack, String expectedWithOldSignatures,
                              String expectedResigned) throws Exception {
        List<Prediction> filed = fileThree();
        overwrite(rechain(attack.apply(new ArrayList<>(filed)), null));
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertFalse(v.intact(), "forgery keeping the old signatures passed: " + v);
            assertTrue(v.problem().contains(expectedWithOldSignatures), v.problem());
        }
        overwrite(rechain(attack.apply(new ArrayList<>(filed)), insider("mallory")));
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertFalse(v.intact(), "forgery re-signed with the insider's key passed: " + v);
            assertTrue(v.problem().contains(expectedResigned), v.problem());
            assertFalse(v.trusted(), "the insider's key is not trusted here");
        }
        overwrite(filed);
        try (Registry r = open()) {
            assertTrue(r.verifyLedger().intact(), "the genuine rows verify again");
        }
    }

    @Test
    void editedAndRechainedEntryIsCaught() throws Exception {
        assertCaught(l -> {
            l.set(1, withLoss(l.get(1), 2.0));
            return l;
        }, "signature does not verify");
    }

    @Test
    void insertedEntryIsCaught() throws Exception {
        assertCaught(l -> {
            Prediction extra = withLoss(l.get(1), 3.3);
            l.add(1, extra);
            return l;
        }, "signature does not verify");
    }

    @Test
    void deletedEntryIsCaught() throws Exception {
        assertCaught(l -> {
            l.remove(1);
            return l;
        }, "signature does not verify");
    }

    @Test
    void reorderedEntriesAreCaught() throws Exception {
        assertCaught(l -> {
            Prediction second = l.remove(1);
            l.add(second);
            return l;
        }, "signature does not verify", "filing times never go backwards");
    }

    @Test
    void forgeryInTheAuthorsNameIsCaughtWithoutAnyHeadRecord() throws Exception {
        List<Prediction> filed = fileThree();
        List<Prediction> forged = new ArrayList<>(filed);
        forged.set(2, withLoss(filed.get(2), 2.0));
        overwrite(rechain(forged, insider("alice")));
        // Another machine of alice's (her key, no head record for this file) still sees entries in her name that her
        // key did not sign.
        LedgerKeys elsewhere = new LedgerKeys(dir.resolve("alice-laptop"));
        elsewhere.signer("alice");
        Files.copy(alice().keyFile("alice"), elsewhere.keyFile("alice"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Registry r = Registry.open(db(), elsewhere)) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(1L, v.firstBrokenId(), v.problem());
            assertTrue(v.problem().contains("forged in alice's name"), v.problem());
        }
    }

    @Test
    void aDatabaseReplacedOnPurposeVerifiesOnceTheMachinesNoteIsForgottenOnTheRecord() throws Exception {
        fileThree();
        Files.delete(db()); // replaced: a new, empty registry at the same path
        Files.deleteIfExists(Path.of(db() + ".wal"));
        try (Registry r = open()) {
            assertTrue(r.verifyLedger().problem().contains("ledger forget"), r.verifyLedger().problem());
        }
        LedgerKeys keys = alice();
        assertThrows(IllegalArgumentException.class, () -> keys.forgetHead(db(), " ", Instant.now()));
        LedgerKeys.Head forgotten = keys.forgetHead(db(), "started the ladder over", Instant.parse("2026-12-03T01:00:00Z")).orElseThrow();
        assertEquals(3, forgotten.seq());
        try (Registry r = open()) {
            assertTrue(r.verifyLedger().intact(), r.verifyLedger().toString());
        }
        String record = Files.readString(keys.forgottenFile());
        assertTrue(record.contains("2026-12-03T01:00:00Z") && record.contains(forgotten.hash()) && record.contains("started the ladder over"), record);
        assertTrue(keys.forgetHead(db(), "again", Instant.now()).isEmpty(), "nothing left to forget");
    }

    @Test
    void truncationIsCaughtByTheHeadRecordedOutsideTheDatabase() throws Exception {
        fileThree();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM predictions WHERE id = 3");
        }
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertFalse(v.intact());
            assertEquals(3L, v.firstBrokenId());
            assertTrue(v.problem().contains("the ledger ends at entry 2, but this machine filed entry 3"), v.problem());
            // Filing on top would bury the evidence under a new signed head: refused, nothing written.
            FitRecord fit = r.fit(1).orElseThrow();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> r.filePrediction(draft(fit, "later", 5e9, Instant.now())));
            assertTrue(e.getMessage().contains("nothing filed"), e.getMessage());
            assertEquals(2, r.predictions().size());
        }
        // A machine that never filed here has no head record: there plain verify cannot see the truncation, and the
        // README says so (a public copy catches it, see LedgerTest and LedgerCommandTest).
        try (Registry r = Registry.open(db(), new LedgerKeys(dir.resolve("other-machine")))) {
            LedgerVerification v = r.verifyLedger();
            assertTrue(v.intact(), v.toString());
            assertFalse(v.trusted(), "but alice's key is unknown there");
            assertTrue(v.headNote().contains("no record of filing"), v.headNote());
        }
    }

    @Test
    void backdatedAppendIsCaughtAndRefused() throws Exception {
        List<Prediction> filed = fileThree();
        // The insider appends an entry dated 2020, signed with a key of their own.
        Prediction last = filed.get(2);
        Prediction backdated = new Prediction(null, "backdated", "dense", 4e9, 2e10, 4.8e20, 2.1, null, null, null,
                "note", "vpnls", last.fitId(), last.inputHash(), "v", "mallory", Instant.parse("2020-01-01T00:00:00Z"), null,
                null, null).asEntry(4, 4, last.entryHash(), insider("mallory"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db())) {
            insert(c, backdated);
        }
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertEquals(4L, v.firstBrokenId(), v.toString());
            assertTrue(v.problem().contains("before the entry before it") && v.problem().contains("backdated"), v.problem());
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db()); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM predictions WHERE id = 4");
        }
        // The author's own filing with a clock gone back is refused before anything is written.
        try (Registry r = open()) {
            FitRecord fit = r.fit(1).orElseThrow();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> r.filePrediction(draft(fit, "late", 5e9, Instant.parse("2020-01-01T00:00:00Z"))));
            assertTrue(e.getMessage().contains("never go backwards"), e.getMessage());
            assertEquals(3, r.predictions().size());
            assertTrue(r.verifyLedger().intact());
        }
    }

    @Test
    void appendSignedByAnUnknownKeyIsNotTrusted() throws Exception {
        List<Prediction> filed = fileThree();
        Prediction last = filed.get(2);
        Prediction appended = new Prediction(null, "appended", "dense", 4e9, 2e10, 4.8e20, 2.1, null, null, null,
                "note", "vpnls", last.fitId(), last.inputHash(), "v", "mallory", Instant.now(), null, null, null)
                .asEntry(4, 4, last.entryHash(), insider("mallory"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db())) {
            insert(c, appended);
        }
        try (Registry r = open()) {
            LedgerVerification v = r.verifyLedger();
            assertTrue(v.intact(), "a well-formed entry, but...");
            assertEquals(Map.of(LedgerKeys.fingerprint(appended.publicKey()), "mallory"), v.untrustedKeys());
            // Trusting the key (e.g. from mallory's published export) is a decision made outside the database.
            assertTrue(r.verifyLedger(Map.of(appended.publicKey(), "mallory")).trusted());
        }
    }

    @Test
    void keyIsCreatedOnFirstFilingWithOwnerOnlyPermissions() throws Exception {
        fileThree();
        Path key = alice().keyFile("alice");
        assertTrue(Files.exists(key));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        assertTrue(Files.exists(key.resolveSibling("alice.pub")));
        assertFalse(Files.readString(key.resolveSibling("alice.pub")).contains("private"));
        try (Registry r = open(); Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            String pub = alice().trustedKeys().keySet().iterator().next();
            assertTrue(r.predictions().stream().allMatch(p -> pub.equals(p.publicKey()) && p.signed()));
        }
        assertEquals(3, alice().head(db()).orElseThrow().seq());
    }

    @Test
    void forecastFieldIsHashedSignedAndExported() {
        try (Registry r = open()) {
            FitRecord fit = LedgerTest.savedFit(r, 0);
            String forecast = "{\"method\":\"vpnls\",\"evidence_hash\":\"abc\",\"interval\":\"bootstrap\"}";
            Prediction p = r.filePrediction(draft(fit, "with-forecast", 1e9, Instant.now()).withForecast(forecast));
            Prediction plain = r.filePrediction(draft(fit, "without", 1e9, Instant.now()));
            assertEquals(forecast, r.prediction(p.id()).orElseThrow().forecast());
            assertEquals(Prediction.NO_FORECAST, plain.forecast());
            assertTrue(p.canonicalContent().contains("forecast=" + forecast + "\n"));
            String md = LedgerExport.markdown(r.ledgerEntries(), r.verifyLedger());
            assertTrue(md.contains("| forecast | " + forecast + " |"), md);
            assertEquals(List.of(), LedgerExport.compare(LedgerExport.parse(md, false), r.ledgerEntries()));
            assertEquals(List.of(), LedgerExport.compare(LedgerExport.parse(LedgerExport.json(r.ledgerEntries(), r.verifyLedger()), true),
                    r.ledgerEntries()));
            assertThrows(AppendOnlyException.class, () -> p.withForecast("{}"));
        }
    }
}
