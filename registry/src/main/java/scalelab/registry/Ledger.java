package scalelab.registry;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The prediction ledger over the registry's connection: one append-only chain of predictions and checks, each entry
 * hashed, linked to the one before and signed with its author's key (kept outside the database, see
 * {@link LedgerKeys}). Callers go through {@link Registry}, which synchronizes.
 * The ledger's rules live here: append-only (never updated or deleted), chained, signed, times never going backwards.
 */
final class Ledger {
    private final Database db;
    private final Connection conn;
    private final Path file;
    private final LedgerKeys keys;

    Ledger(Database db, LedgerKeys keys) {
        this.db = db;
        this.conn = db.connection();
        this.file = db.file();
        this.keys = keys;
    }

    LedgerKeys keys() {
        return keys;
    }

    // ---------------------------------------------------------------- filing

    /**
     * Appends a prediction: next prediction id and chain position, linked to the last entry, signed with the author's
     * key (created on first use). Refused, with nothing written, if the ledger does not verify or if the draft's
     * filing time is before the last entry's.
     */
    Prediction filePrediction(Prediction draft) {
        if (draft.id() != null || draft.entryHash() != null) {
            throw new AppendOnlyException("prediction " + draft.id() + " is already a ledger entry: the ledger is append-only;"
                    + " file a new prediction that supersedes it instead");
        }
        LedgerKeys.Signer signer = keys.signer(draft.author());
        Prediction entry = db.transaction(() -> {
            Tail tail = tailForAppend(draft.createdAt());
            long nextId = 1;
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM predictions")) {
                rs.next();
                nextId = rs.getLong(1) + 1;
            }
            if (draft.supersedes() != null && (draft.supersedes() < 1 || draft.supersedes() >= nextId)) {
                throw new IllegalArgumentException("prediction " + draft.supersedes() + " does not exist: nothing to supersede");
            }
            Prediction e = draft.asEntry(tail.seq + 1, nextId, tail.hash, signer);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO predictions (id, target_name, kind, params, tokens,"
                    + " compute, predicted_loss, interval_low, interval_high, interval_level, interval_note, method, fit_id,"
                    + " input_hash, code_version, author, created_at, supersedes, previous_hash, entry_hash, seq, format,"
                    + " forecast, public_key, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 1;
                ps.setLong(i++, e.id());
                ps.setString(i++, e.targetName());
                ps.setString(i++, e.kind());
                ps.setDouble(i++, e.params());
                ps.setDouble(i++, e.tokens());
                ps.setDouble(i++, e.compute());
                ps.setDouble(i++, e.predictedLoss());
                Database.setDouble(ps, i++, e.intervalLow());
                Database.setDouble(ps, i++, e.intervalHigh());
                Database.setDouble(ps, i++, e.intervalLevel());
                ps.setString(i++, e.intervalNote());
                ps.setString(i++, e.method());
                ps.setLong(i++, e.fitId());
                ps.setString(i++, e.inputHash());
                ps.setString(i++, e.codeVersion());
                ps.setString(i++, e.author());
                ps.setString(i++, e.createdAt().toString());
                if (e.supersedes() == null) {
                    ps.setNull(i++, Types.BIGINT);
                } else {
                    ps.setLong(i++, e.supersedes());
                }
                ps.setString(i++, e.previousHash());
                ps.setString(i++, e.entryHash());
                ps.setLong(i++, e.seq());
                ps.setString(i++, e.format());
                ps.setString(i++, e.forecast());
                ps.setString(i++, e.publicKey());
                ps.setString(i, e.signature());
                ps.executeUpdate();
            }
            return e;
        });
        recordHead(entry);
        return entry;
    }

    /** Appends a check (a draft from {@link PredictionCheck#draft}) as a signed entry, filed now. */
    PredictionCheck fileCheck(PredictionCheck draft) {
        if (draft.id() != null || draft.entryHash() != null) {
            throw new AppendOnlyException("check " + draft.id() + " is already a ledger entry: the ledger is append-only");
        }
        LedgerKeys.Signer signer = keys.signer(draft.author());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        PredictionCheck entry = db.transaction(() -> {
            Tail tail = tailForAppend(now);
            long nextId;
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM checks")) {
                rs.next();
                nextId = rs.getLong(1) + 1;
            }
            PredictionCheck e = draft.asEntry(tail.seq + 1, nextId, tail.hash, now, signer);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO checks (id, prediction_id, run_id, actual_loss,"
                    + " predicted_loss, absolute_error, relative_error, inside_interval, verdict, checked_at, seq, format,"
                    + " prediction_hash, run_spec_hash, run_started_at, run_finished_at, started_after_filing, target_match,"
                    + " mismatch_allowed, author, created_at, previous_hash, entry_hash, public_key, signature)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 1;
                ps.setLong(i++, e.id());
                ps.setLong(i++, e.predictionId());
                if (e.runId() == null) {
                    ps.setNull(i++, Types.BIGINT);
                } else {
                    ps.setLong(i++, e.runId());
                }
                ps.setDouble(i++, e.actualLoss());
                ps.setDouble(i++, e.predictedLoss());
                ps.setDouble(i++, e.absoluteError());
                ps.setDouble(i++, e.relativeError());
                setBoolean(ps, i++, e.insideInterval());
                ps.setString(i++, e.verdict().name());
                ps.setObject(i++, Database.ts(e.checkedAt()));
                ps.setLong(i++, e.seq());
                ps.setString(i++, e.format());
                ps.setString(i++, e.predictionHash());
                ps.setString(i++, e.runSpecHash());
                ps.setString(i++, e.runStartedAt() == null ? null : e.runStartedAt().toString());
                ps.setString(i++, e.runFinishedAt() == null ? null : e.runFinishedAt().toString());
                setBoolean(ps, i++, e.startedAfterFiling());
                ps.setString(i++, e.targetMatch());
                ps.setBoolean(i++, e.mismatchAllowed());
                ps.setString(i++, e.author());
                ps.setString(i++, e.checkedAt().toString());
                ps.setString(i++, e.previousHash());
                ps.setString(i++, e.entryHash());
                ps.setString(i++, e.publicKey());
                ps.setString(i, e.signature());
                ps.executeUpdate();
            }
            return e;
        });
        recordHead(entry);
        return entry;
    }

    /**
     * The entry {@link #filePrediction} would file now, without filing it or creating a key: seq, id and
     * previous_hash as they stand; public key of the author's existing key (null if none yet); no hash or signature.
     */
    Prediction preview(Prediction draft) {
        return db.sql(() -> {
            List<StoredRow> rows = storedRows();
            long seq = rows.isEmpty() ? 1 : rows.get(rows.size() - 1).seq + 1;
            String prev = rows.isEmpty() ? Prediction.GENESIS_HASH : rows.get(rows.size() - 1).entryHash;
            long nextId;
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM predictions")) {
                rs.next();
                nextId = rs.getLong(1) + 1;
            }
            String key = keys.ownKeys().get(draft.author());
            return new Prediction(nextId, draft.targetName(), draft.kind(), draft.params(), draft.tokens(), draft.compute(),
                    draft.predictedLoss(), draft.intervalLow(), draft.intervalHigh(), draft.intervalLevel(), draft.intervalNote(),
                    draft.method(), draft.fitId(), draft.inputHash(), draft.codeVersion(), draft.author(), draft.createdAt(),
                    draft.supersedes(), prev, null, seq, Prediction.FORMAT, draft.forecast(), key, null);
        });
    }

    private record Tail(long seq, String hash, Instant filedAt) {}

    /**
     * Inside the filing transaction: verifies the whole ledger (appending to a broken or truncated one would hide the
     * damage under a fresh signature) and returns its last entry; refuses a filing time before that entry's.
     */
    private Tail tailForAppend(Instant filedAt) throws SQLException {
        LedgerVerification v = verifyInTx(Map.of());
        if (!v.intact()) {
            throw new IllegalStateException("the ledger does not verify at entry " + v.firstBrokenId() + ": " + v.problem()
                    + "; nothing filed (run `scalelab ledger verify` for details)");
        }
        List<StoredRow> rows = storedRows();
        if (rows.isEmpty()) {
            return new Tail(0, Prediction.GENESIS_HASH, null);
        }
        StoredRow last = rows.get(rows.size() - 1);
        Instant lastAt = last.parse.get().filedAt();
        if (filedAt.isBefore(lastAt)) {
            throw new IllegalArgumentException("filing time " + filedAt + " is before the last entry's (" + lastAt
                    + "): the ledger's times never go backwards; check this machine's clock; nothing filed");
        }
        return new Tail(last.seq, last.entryHash, lastAt);
    }

    private void recordHead(LedgerEntry e) {
        try {
            keys.recordHead(file, new LedgerKeys.Head(e.seq(), e.entryHash()));
        } catch (RuntimeException ex) {
            throw new IllegalStateException(e.label() + " was filed (hash " + e.entryHash() + "), but its head could not be"
                    + " recorded outside the database, so truncation past it would go unnoticed here: " + ex.getMessage(), ex);
        }
    }

    /** After the upgrade to signed entries: remember the unsigned ledger as this machine saw it (see README). */
    void recordHeadOfUpgradedLedger() {
        db.sql(() -> {
            List<StoredRow> rows = storedRows();
            if (!rows.isEmpty() && keys.head(file).isEmpty()) {
                StoredRow last = rows.get(rows.size() - 1);
                keys.recordHead(file, new LedgerKeys.Head(last.seq, last.entryHash));
            }
            return null;
        });
    }

    /** Always refused: a filed prediction is never edited. File a new one that supersedes it. */
    Prediction update(Prediction changed) {
        throw new AppendOnlyException("prediction " + changed.id() + " cannot be changed: the ledger is append-only;"
                + " file a new prediction with supersedes = " + changed.id() + " instead");
    }

    /** Always refused: a filed prediction is never deleted. */
    void delete(long id) {
        throw new AppendOnlyException("prediction " + id + " cannot be deleted: the ledger is append-only;"
                + " a new prediction may supersede it, and both stay");
    }

    // ---------------------------------------------------------------- reading

    /** Ids of the predictions that supersede {@code id} (empty if it is current). */
    List<Long> supersededBy(long id) {
        return db.sql(() -> {
            List<Long> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT id FROM predictions WHERE supersedes = ? ORDER BY id")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
            }
            return out;
        });
    }

    List<Prediction> predictions(String where) {
        return db.sql(() -> queryPredictions(where)).stream().map(StoredPrediction::parse).toList();
    }

    List<PredictionCheck> checks(String where) {
        return db.sql(() -> queryChecks(where)).stream().map(StoredCheck::parse).toList();
    }

    /** Every chained entry in chain order (throws on a row altered into an invalid entry: verify says which). */
    List<LedgerEntry> entries() {
        return db.sql(this::storedRows).stream().map(r -> r.parse.get()).toList();
    }

    // ---------------------------------------------------------------- verification

    LedgerVerification verify(Map<String, String> extraTrusted) {
        return db.sql(() -> verifyInTx(extraTrusted));
    }

    private LedgerVerification verifyInTx(Map<String, String> extraTrusted) throws SQLException {
        Map<String, String> trusted = new HashMap<>(keys.trustedKeys());
        trusted.putAll(extraTrusted);
        List<StoredRow> rows = storedRows();
        int legacyChecks;
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM checks WHERE seq IS NULL")) {
            rs.next();
            legacyChecks = rs.getInt(1);
        }
        Result r = verifyRows(rows, trusted, keys.ownKeys(), keys.head(file).orElse(null), legacyChecks);
        return r.v;
    }

    private record Result(LedgerVerification v) {}

    /** A row of either table as stored, before validation (so that verify can report rows no longer valid). */
    private record StoredRow(long seq, String label, String previousHash, String entryHash, Supplier<LedgerEntry> parse) {}

    private static Result verifyRows(List<StoredRow> rows, Map<String, String> trusted, Map<String, String> ownKeys,
                                     LedgerKeys.Head head, int legacyChecks) {
        String expectedPrev = Prediction.GENESIS_HASH;
        long expectedSeq = 1;
        long expectedPredictionId = 1;
        long lastCheckId = 0;
        Instant lastAt = null;
        boolean signedSeen = false;
        int unsigned = 0, checks = 0;
        Map<Long, Prediction> predictionsById = new HashMap<>();
        Map<String, String> untrusted = new LinkedHashMap<>();
        Map<Long, String> hashBySeq = new HashMap<>();
        int n = rows.size();
        for (StoredRow row : rows) {
            String problem = null;
            LedgerEntry e = null;
            if (row.seq != expectedSeq) {
                problem = "expected entry " + expectedSeq + " next but found entry " + row.seq
                        + ": an entry was deleted, inserted or renumbered";
            } else if (!expectedPrev.equals(row.previousHash)) {
                problem = row.label + ": previous_hash " + abbrev(row.previousHash) + " does not match the hash of the entry"
                        + " before it (" + abbrev(expectedPrev) + "): the chain was altered";
            } else {
                try {
                    e = row.parse.get();
                } catch (RuntimeException ex) {
                    problem = row.label + ": the stored row is no longer a valid entry (" + ex.getMessage()
                            + "): it was altered after filing";
                }
            }
            if (problem == null) {
                String recomputed = e.recomputeHash();
                boolean isV1 = Prediction.FORMAT_V1.equals(e.format());
                if (!recomputed.equals(row.entryHash)) {
                    problem = row.label + ": its content hashes to " + abbrev(recomputed) + " but the recorded entry hash is "
                            + abbrev(row.entryHash) + ": the row was altered after filing";
                } else if (isV1 && signedSeen) {
                    problem = row.label + ": an unsigned (" + Prediction.FORMAT_V1 + ") entry after signed ones: scalelab files"
                            + " only signed entries now, so this one was written behind its back";
                } else if (isV1 && head != null && row.seq > head.seq()) {
                    problem = row.label + ": an unsigned (" + Prediction.FORMAT_V1 + ") entry after entry " + head.seq()
                            + ", the last this machine recorded: scalelab has filed only signed entries since, so this one"
                            + " was written behind its back";
                } else if (isV1 && e instanceof Prediction p && !Long.valueOf(p.id()).equals(p.seq())) {
                    problem = row.label + ": an unsigned entry out of its original position: the ledger was reordered";
                } else if (!isV1 && e.signature() == null) {
                    problem = row.label + ": a " + e.format() + " entry without a signature: it was not filed by scalelab";
                } else if (!isV1 && !LedgerKeys.verify(e.publicKey(), e.canonicalContent(), e.signature())) {
                    problem = row.label + ": its signature does not verify under the key it names ("
                            + LedgerKeys.fingerprint(e.publicKey()) + "): the entry was altered or forged after signing";
                } else if (!isV1 && !trusted.containsKey(e.publicKey()) && ownKeys.containsKey(e.author())) {
                    problem = row.label + ": it names " + e.author() + " as author, whose key on this machine is "
                            + LedgerKeys.fingerprint(ownKeys.get(e.author())) + ", but it is signed by another key ("
                            + LedgerKeys.fingerprint(e.publicKey()) + "): forged in " + e.author() + "'s name";
                } else if (lastAt != null && e.filedAt().isBefore(lastAt)) {
                    problem = row.label + ": filed at " + e.filedAt() + ", before the entry before it (" + lastAt
                            + "): filing times never go backwards, so it was backdated or inserted";
                } else if (e instanceof Prediction p && p.id() != expectedPredictionId) {
                    problem = row.label + ": expected prediction " + expectedPredictionId + " next but found prediction "
                            + p.id() + ": a prediction was deleted or renumbered";
                } else if (e instanceof PredictionCheck c && c.id() <= lastCheckId) {
                    problem = row.label + ": check ids must increase along the chain (after check " + lastCheckId + ")";
                } else if (e instanceof PredictionCheck c && (predictionsById.get(c.predictionId()) == null
                        || !predictionsById.get(c.predictionId()).entryHash().equals(c.predictionHash()))) {
                    problem = row.label + ": it checks prediction " + c.predictionId() + " with hash " + abbrev(c.predictionHash())
                            + ", which is not an earlier entry of this ledger";
                }
            }
            if (problem != null) {
                return new Result(new LedgerVerification(n, row.seq, problem, expectedPrev, unsigned, checks, legacyChecks,
                        untrusted, headNote(head)));
            }
            if (Prediction.FORMAT_V1.equals(e.format())) {
                unsigned++;
            } else {
                signedSeen = true;
                if (!trusted.containsKey(e.publicKey())) {
                    untrusted.putIfAbsent(LedgerKeys.fingerprint(e.publicKey()), e.author());
                }
            }
            if (e instanceof Prediction p) {
                predictionsById.put(p.id(), p);
                expectedPredictionId++;
            } else if (e instanceof PredictionCheck c) {
                lastCheckId = c.id();
                checks++;
            }
            hashBySeq.put(row.seq, row.entryHash);
            lastAt = e.filedAt();
            expectedPrev = row.entryHash;
            expectedSeq++;
        }
        String note = headNote(head);
        if (head != null) {
            String there = hashBySeq.get(head.seq());
            if (there == null) {
                return new Result(new LedgerVerification(n, (long) n + 1, "the ledger ends at entry " + n + ", but this machine"
                        + " filed entry " + head.seq() + " (hash " + abbrev(head.hash()) + ") in this database: entries were"
                        + " deleted from its end (if this file replaced that database on purpose, `scalelab ledger forget"
                        + " --db FILE --reason TEXT` records so and clears this machine's note)", expectedPrev, unsigned, checks, legacyChecks, untrusted, note));
            }
            if (!there.equals(head.hash())) {
                return new Result(new LedgerVerification(n, head.seq(), "entry " + head.seq() + " has hash " + abbrev(there)
                        + ", but the entry this machine filed there had hash " + abbrev(head.hash())
                        + ": the ledger was rewritten from there on", expectedPrev, unsigned, checks, legacyChecks, untrusted, note));
            }
            note = "entry " + head.seq() + ", the last this machine filed here, is still in place";
        }
        return new Result(new LedgerVerification(n, null, null, expectedPrev, unsigned, checks, legacyChecks, untrusted, note));
    }

    private static String headNote(LedgerKeys.Head head) {
        return head == null ? "this machine has no record of filing in this database (truncation is caught only by the"
                + " machine that filed the last entries, or by a public copy)" : "this machine filed up to entry " + head.seq();
    }

    static String abbrev(String hash) {
        return hash == null ? "null" : hash.length() > 16 ? hash.substring(0, 16) + "…" : hash;
    }

    private List<StoredRow> storedRows() throws SQLException {
        List<StoredRow> rows = new ArrayList<>();
        for (StoredPrediction p : queryPredictions("")) {
            rows.add(new StoredRow(p.seq == null ? Long.MIN_VALUE : p.seq, "entry " + p.seq + " (prediction " + p.id + ", '"
                    + p.targetName + "')", p.previousHash, p.entryHash, p::parse));
        }
        for (StoredCheck c : queryChecks("WHERE seq IS NOT NULL")) {
            rows.add(new StoredRow(c.seq, "entry " + c.seq + " (check " + c.id + " of prediction " + c.predictionId + ")",
                    c.previousHash, c.entryHash, c::parse));
        }
        rows.sort(Comparator.comparingLong(StoredRow::seq));
        return rows;
    }

    // ---------------------------------------------------------------- rows

    private record StoredPrediction(long id, String targetName, String kind, double params, double tokens, double compute,
                                    double predictedLoss, Double intervalLow, Double intervalHigh, Double intervalLevel,
                                    String intervalNote, String method, long fitId, String inputHash, String codeVersion,
                                    String author, String createdAt, Long supersedes, String previousHash, String entryHash,
                                    Long seq, String format, String forecast, String publicKey, String signature) {
        Prediction parse() {
            return new Prediction(id, targetName, kind, params, tokens, compute, predictedLoss, intervalLow, intervalHigh,
                    intervalLevel, intervalNote, method, fitId, inputHash, codeVersion, author, parseInstant("created_at", createdAt),
                    supersedes, previousHash, entryHash, seq, format, forecast, publicKey, signature);
        }
    }

    private static Instant parseInstant(String column, String text) {
        try {
            return Instant.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(column + " is not an ISO-8601 instant: " + text);
        }
    }

    private List<StoredPrediction> queryPredictions(String where) throws SQLException {
        List<StoredPrediction> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT id, target_name, kind, params, tokens,"
                + " compute, predicted_loss, interval_low, interval_high, interval_level, interval_note, method, fit_id, input_hash,"
                + " code_version, author, created_at, supersedes, previous_hash, entry_hash, seq, format, forecast, public_key,"
                + " signature FROM predictions " + where + " ORDER BY id")) {
            while (rs.next()) {
                out.add(new StoredPrediction(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getDouble(4), rs.getDouble(5),
                        rs.getDouble(6), rs.getDouble(7), Database.getDouble(rs, 8), Database.getDouble(rs, 9),
                        Database.getDouble(rs, 10), rs.getString(11), rs.getString(12), rs.getLong(13), rs.getString(14),
                        rs.getString(15), rs.getString(16), rs.getString(17), getLong(rs, 18), rs.getString(19),
                        rs.getString(20), getLong(rs, 21), rs.getString(22), rs.getString(23), rs.getString(24), rs.getString(25)));
            }
        }
        return out;
    }

    private record StoredCheck(long id, long predictionId, Long runId, double actualLoss, double predictedLoss,
                               double absoluteError, double relativeError, Boolean insideInterval, String verdict,
                               Instant checkedAt, Long seq, String format, String predictionHash, String runSpecHash,
                               String runStartedAt, String runFinishedAt, Boolean startedAfterFiling, String targetMatch,
                               Boolean mismatchAllowed, String author, String createdAt, String previousHash, String entryHash,
                               String publicKey, String signature) {
        PredictionCheck parse() {
            PredictionCheck.Verdict v;
            try {
                v = PredictionCheck.Verdict.valueOf(verdict);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("verdict is not one of " + List.of(PredictionCheck.Verdict.values()) + ": " + verdict);
            }
            if (seq == null) {
                return PredictionCheck.legacy(id, predictionId, runId, actualLoss, predictedLoss, absoluteError, relativeError,
                        insideInterval, v, checkedAt);
            }
            return new PredictionCheck(id, predictionId, runId, actualLoss, predictedLoss, absoluteError, relativeError,
                    insideInterval, v, parseInstant("created_at", createdAt), seq, format, predictionHash, runSpecHash,
                    runStartedAt == null ? null : parseInstant("run_started_at", runStartedAt),
                    runFinishedAt == null ? null : parseInstant("run_finished_at", runFinishedAt), startedAfterFiling,
                    targetMatch, Boolean.TRUE.equals(mismatchAllowed), author, previousHash, entryHash, publicKey, signature);
        }
    }

    private List<StoredCheck> queryChecks(String where) throws SQLException {
        List<StoredCheck> out = new ArrayList<>();
        try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT id, prediction_id, run_id, actual_loss,"
                + " predicted_loss, absolute_error, relative_error, inside_interval, verdict, checked_at, seq, format,"
                + " prediction_hash, run_spec_hash, run_started_at, run_finished_at, started_after_filing, target_match,"
                + " mismatch_allowed, author, created_at, previous_hash, entry_hash, public_key, signature FROM checks "
                + where + " ORDER BY id")) {
            while (rs.next()) {
                out.add(new StoredCheck(rs.getLong(1), rs.getLong(2), getLong(rs, 3), rs.getDouble(4), rs.getDouble(5),
                        rs.getDouble(6), rs.getDouble(7), getBoolean(rs, 8), rs.getString(9), Database.instant(rs, 10),
                        getLong(rs, 11), rs.getString(12), rs.getString(13), rs.getString(14), rs.getString(15),
                        rs.getString(16), getBoolean(rs, 17), rs.getString(18), getBoolean(rs, 19), rs.getString(20),
                        rs.getString(21), rs.getString(22), rs.getString(23), rs.getString(24), rs.getString(25)));
            }
        }
        return out;
    }

    private static Long getLong(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static Boolean getBoolean(ResultSet rs, int col) throws SQLException {
        boolean v = rs.getBoolean(col);
        return rs.wasNull() ? null : v;
    }

    private static void setBoolean(PreparedStatement ps, int i, Boolean v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BOOLEAN);
        } else {
            ps.setBoolean(i, v);
        }
    }

    Optional<Prediction> prediction(long id) {
        List<Prediction> l = predictions("WHERE id = " + id);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }
}
