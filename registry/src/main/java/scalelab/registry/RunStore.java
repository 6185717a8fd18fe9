package scalelab.registry;

import static scalelab.registry.Database.getDouble;
import static scalelab.registry.Database.instant;
import static scalelab.registry.Database.setDouble;
import static scalelab.registry.Database.ts;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;
import org.duckdb.DuckDBConnection;

/**
 * Ladders and runs: idempotent upserts keyed by spec hash, the run's status transitions (planned → running → finished
 * or failed), and queries. Callers go through {@link Registry}, which synchronizes.
 */
final class RunStore {
    private final Database db;
    private final DuckDBConnection conn;

    RunStore(Database db) {
        this.db = db;
        this.conn = db.connection();
    }

    // ---------------------------------------------------------------- ladders

    /** Creates or updates a ladder's spec; returns its id. */
    long upsertLadder(String name, String specYaml) {
        Database.requireName("ladder name", name);
        return db.transaction(() -> {
            Instant now = Instant.now();
            Optional<Long> existing = ladderId(name);
            if (existing.isPresent()) {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE ladders SET spec_yaml = ?, updated_at = ? WHERE id = ?")) {
                    ps.setString(1, specYaml);
                    ps.setObject(2, ts(now));
                    ps.setLong(3, existing.get());
                    ps.executeUpdate();
                }
                return existing.get();
            }
            return insertLadder(name, specYaml, now);
        });
    }

    /** The ladder's spec YAML; empty if there is no such ladder (a ladder created by an import has a null spec). */
    Optional<String> ladderSpec(String name) {
        return db.sql(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT spec_yaml FROM ladders WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    List<String> ladders() {
        return db.sql(() -> {
            List<String> out = new ArrayList<>();
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM ladders ORDER BY id")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    /** Every ladder name the registry knows: ladders with a spec or an import, and ladders its runs are filed under. */
    List<String> ladderNames() {
        return db.sql(() -> {
            List<String> out = new ArrayList<>();
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM (SELECT name FROM ladders"
                    + " UNION SELECT ladder AS name FROM runs WHERE ladder IS NOT NULL) ORDER BY name")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    Optional<Long> ladderId(String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT id FROM ladders WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    long insertLadder(String name, String specYaml, Instant now) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO ladders (name, spec_yaml, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id")) {
            ps.setString(1, name);
            ps.setString(2, specYaml);
            ps.setObject(3, ts(now));
            ps.setObject(4, ts(now));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    // ---------------------------------------------------------------- runs

    private static final String RUN_COLUMNS = "id, ladder, name, spec_hash, spec_json, architecture, params, total_params, tokens,"
            + " budget_flops, planned_flops, counted_flops, hyperparameters_json, status, status_message, final_loss, best_loss,"
            + " wall_seconds, code_version, created_at, updated_at, started_at, finished_at, experts, top_k, granularity, balance";

    /** Stores runs keyed by spec hash in one transaction (all or none), leaving existing ones as they are; ids in order. */
    List<Long> upsertRuns(List<RunRecord> runs) {
        return db.transaction(() -> upsertRunsInTx(runs, Instant.now(), i -> { }).stream().map(Upserted::id).toList());
    }

    record Upserted(long id, boolean inserted) {}

    /**
     * Looks up the spec hashes already stored in one query, then inserts the new runs with multi-row INSERTs (ids drawn
     * from the sequence up front). Calls {@code afterEachRow} with the index of each run once it is stored (inside the
     * transaction: the import crash tests stop there).
     */
    List<Upserted> upsertRunsInTx(List<RunRecord> runs, Instant now, IntConsumer afterEachRow) throws SQLException {
        Map<String, Long> existing = new java.util.HashMap<>();
        List<String> hashes = runs.stream().map(RunRecord::specHash).distinct().toList();
        for (int from = 0; from < hashes.size(); from += 1000) {
            List<String> chunk = hashes.subList(from, Math.min(hashes.size(), from + 1000));
            String marks = String.join(", ", java.util.Collections.nCopies(chunk.size(), "?"));
            try (PreparedStatement ps = conn.prepareStatement("SELECT spec_hash, id FROM runs WHERE spec_hash IN (" + marks + ")")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        existing.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
        }
        long fresh = hashes.stream().filter(h -> !existing.containsKey(h)).count();
        java.util.ArrayDeque<Long> newIds = new java.util.ArrayDeque<>();
        if (fresh > 0) {
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT nextval('runs_id_seq') FROM range(" + fresh + ")")) {
                while (rs.next()) {
                    newIds.add(rs.getLong(1));
                }
            }
        }
        List<Upserted> out = new ArrayList<>(runs.size());
        List<RunRecord> pending = new ArrayList<>(INSERT_CHUNK);
        List<Long> pendingIds = new ArrayList<>(INSERT_CHUNK);
        int hooked = 0;
        for (int i = 0; i < runs.size(); i++) {
            RunRecord r = runs.get(i);
            Long id = existing.get(r.specHash());
            if (id != null) {
                out.add(new Upserted(id, false));
            } else {
                id = newIds.removeFirst();
                existing.put(r.specHash(), id);
                out.add(new Upserted(id, true));
                pending.add(r);
                pendingIds.add(id);
            }
            if (pending.size() == INSERT_CHUNK || i == runs.size() - 1) {
                insertRuns(pending, pendingIds, now);
                pending.clear();
                pendingIds.clear();
                for (; hooked <= i; hooked++) {
                    afterEachRow.accept(hooked);
                }
            }
        }
        return out;
    }

    /** Rows per multi-row INSERT: one statement per row cost ~1–2 ms each, mostly statement overhead. */
    private static final int INSERT_CHUNK = 200;

    private void insertRuns(List<RunRecord> runs, List<Long> ids, Instant now) throws SQLException {
        if (runs.isEmpty()) {
            return;
        }
        String row = "(" + String.join(", ", java.util.Collections.nCopies(27, "?")) + ")";
        String sql = "INSERT INTO runs (" + RUN_COLUMNS + ") VALUES " + String.join(", ", java.util.Collections.nCopies(runs.size(), row));
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            int c = 1;
            for (int k = 0; k < runs.size(); k++) {
                RunRecord r = runs.get(k);
                ps.setLong(c++, ids.get(k));
                ps.setString(c++, r.ladder());
                ps.setString(c++, r.name());
                ps.setString(c++, r.specHash());
                ps.setString(c++, r.specJson());
                ps.setString(c++, r.architecture());
                ps.setDouble(c++, r.params());
                ps.setDouble(c++, r.totalParams());
                ps.setDouble(c++, r.tokens());
                ps.setDouble(c++, r.budgetFlops());
                ps.setDouble(c++, r.plannedFlops());
                setDouble(ps, c++, r.countedFlops());
                ps.setString(c++, r.hyperparametersJson());
                ps.setString(c++, r.status().name());
                ps.setString(c++, r.statusMessage());
                setDouble(ps, c++, r.finalLoss());
                setDouble(ps, c++, r.bestLoss());
                setDouble(ps, c++, r.wallSeconds());
                ps.setString(c++, r.codeVersion());
                ps.setObject(c++, ts(r.createdAt() == null ? now : r.createdAt()));
                ps.setObject(c++, ts(r.updatedAt() == null ? now : r.updatedAt()));
                ps.setObject(c++, r.startedAt() == null ? null : ts(r.startedAt()));
                ps.setObject(c++, r.finishedAt() == null ? null : ts(r.finishedAt()));
                MoeConfig moe = r.moe();
                ps.setObject(c++, moe == null ? null : moe.experts());
                ps.setObject(c++, moe == null ? null : moe.topK());
                setDouble(ps, c++, moe == null ? null : moe.granularity());
                ps.setString(c++, moe == null ? null : moe.balance());
            }
            ps.executeUpdate();
        }
    }

    Optional<RunRecord> runBySpecHash(String specHash) {
        return firstRun("spec_hash = ?", specHash);
    }

    Optional<RunRecord> run(long id) {
        return firstRun("id = ?", id);
    }

    /** Runs with this name, newest first (names are not unique: a ladder may be planned again). */
    List<RunRecord> runsNamed(String name) {
        return queryRuns("WHERE name = ? ORDER BY id DESC", name);
    }

    /** All runs of a ladder (all runs when null), by id. */
    List<RunRecord> runs(String ladderOrNull) {
        return ladderOrNull == null ? queryRuns("ORDER BY id") : queryRuns("WHERE ladder = ? ORDER BY id", ladderOrNull);
    }

    /**
     * Marks the run as training. The first time records its start (UTC, now): a retry or resume keeps the first start,
     * so a run begun before a prediction was filed never counts as preregistered.
     */
    void markRunning(long id) {
        updateRun(id, Set.of(RunStatus.PLANNED, RunStatus.FAILED, RunStatus.RUNNING), RunStatus.RUNNING,
                "status = 'RUNNING', status_message = NULL, started_at = coalesce(started_at, ?)", List.of(ts(Instant.now())));
    }

    /** Records the run's results and when it finished ({@code finishedAt}, UTC). */
    void finishRun(long id, double finalLoss, double bestLoss, double countedFlops, double wallSeconds,
                                       Instant finishedAt) {
        Database.requirePositive("final loss", finalLoss);
        Database.requirePositive("best loss", bestLoss);
        Database.requirePositive("counted FLOPs", countedFlops);
        if (!Double.isFinite(wallSeconds) || wallSeconds < 0) {
            throw new IllegalArgumentException("wall seconds must be finite and non-negative, got " + wallSeconds);
        }
        updateRun(id, Set.of(RunStatus.RUNNING, RunStatus.PLANNED), RunStatus.FINISHED,
                "status = 'FINISHED', status_message = NULL, final_loss = ?, best_loss = ?, counted_flops = ?, wall_seconds = ?,"
                        + " finished_at = ?", List.of(finalLoss, bestLoss, countedFlops, wallSeconds, ts(finishedAt)));
    }

    void failRun(long id, String message) {
        updateRun(id, Set.of(RunStatus.PLANNED, RunStatus.RUNNING, RunStatus.FAILED), RunStatus.FAILED,
                "status = 'FAILED', status_message = ?", Arrays.asList(message == null ? "failed (no message)" : message));
    }

    private void updateRun(long id, Set<RunStatus> allowedFrom, RunStatus target, String setClause, List<Object> values) {
        db.transaction(() -> {
            RunRecord current = firstRunInTx("id = ?", id).orElseThrow(() -> new IllegalArgumentException("no run with id " + id));
            if (!allowedFrom.contains(current.status())) {
                throw new IllegalStateException("run " + id + " is " + current.status() + ": it cannot become " + target);
            }
            try (PreparedStatement ps = conn.prepareStatement("UPDATE runs SET " + setClause + ", updated_at = ? WHERE id = ?")) {
                int i = 1;
                for (Object v : values) {
                    ps.setObject(i++, v);
                }
                ps.setObject(i++, ts(Instant.now()));
                ps.setLong(i, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private Optional<RunRecord> firstRun(String where, Object arg) {
        return db.sql(() -> firstRunInTx(where, arg));
    }

    private Optional<RunRecord> firstRunInTx(String where, Object arg) throws SQLException {
        List<RunRecord> l = queryRunsInTx("WHERE " + where, arg);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    private List<RunRecord> queryRuns(String tail, Object... args) {
        return db.sql(() -> queryRunsInTx(tail, args));
    }

    private List<RunRecord> queryRunsInTx(String tail, Object... args) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs " + tail)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<RunRecord> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RunRecord(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9), rs.getDouble(10),
                            rs.getDouble(11), getDouble(rs, 12), rs.getString(13), RunStatus.valueOf(rs.getString(14)),
                            rs.getString(15), getDouble(rs, 16), getDouble(rs, 17), getDouble(rs, 18), rs.getString(19),
                            instant(rs, 20), instant(rs, 21), instant(rs, 22), instant(rs, 23), moeConfig(rs)));
                }
            }
            return out;
        }
    }

    /** Columns 24–27: the expert configuration, or null when the run records none. */
    private static MoeConfig moeConfig(ResultSet rs) throws SQLException {
        int experts = rs.getInt(24);
        if (rs.wasNull()) {
            return null;
        }
        return new MoeConfig(experts, rs.getInt(25), rs.getDouble(26), rs.getString(27));
    }

    /** Inside a transaction: refuses to append {@code what} to a run that does not exist. */
    void requireRun(long runId, String what) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM runs WHERE id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no run with id " + runId + " to append " + what + " to");
                }
            }
        }
    }
}
