package scalelab.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.RunTable;

/**
 * The scalelab database: one embedded DuckDB file holding ladders, runs, loss curves, fits, the append-only
 * prediction ledger and its checks. Every module stores and reads through this class.
 *
 * <p>DuckDB lets one process hold a database file for writing, or any number of processes read it
 * ({@link Access#READ_ONLY}); a process that finds it locked retries for the wait it was opened with, then gets an
 * {@link IllegalStateException} naming the PID that holds it. Within a process, methods are synchronized (one JDBC
 * connection).
 */
public final class Registry implements AutoCloseable {
    /** Environment variable naming the database file when no {@code --db} is given. */
    public static final String DB_ENV = "SCALELAB_DB";
    public static final String DEFAULT_FILE = "scalelab.duckdb";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOCK_HOLDER = Pattern.compile("Conflicting lock is held in (.*?) \\(PID (\\d+)\\)( by user (\\S+?))?[.)]?(\\s|$)");

    private final Path file;
    private final DuckDBConnection conn;
    private final Ledger ledger;

    private Registry(Path file, DuckDBConnection conn, LedgerKeys keys) {
        this.file = file;
        this.conn = conn;
        this.ledger = new Ledger(this, conn, file, keys);
    }

    // ---------------------------------------------------------------- opening

    /** --db option if given, else $SCALELAB_DB, else ./scalelab.duckdb. */
    public static Path resolvePath(String dbOption) {
        return resolvePath(dbOption, System.getenv());
    }

    static Path resolvePath(String dbOption, Map<String, String> env) {
        if (dbOption != null && !dbOption.isBlank()) {
            return Path.of(dbOption);
        }
        String fromEnv = env.get(DB_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return Path.of(DEFAULT_FILE);
    }

    /** How a command uses the database: readers open it read-only, so they share it and work on read-only media. */
    public enum Access { READ_WRITE, READ_ONLY }

    /** How long a command waits for another process's lock on the database before giving up (retrying with backoff). */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(60);

    /**
     * Opens (creating if needed) the database file for writing and brings its schema up to date; ledger keys and head
     * records in {@link LedgerKeys#defaults()}. Fails at once if another process holds the file.
     */
    public static Registry open(Path db) {
        return open(db, LedgerKeys.defaults(), Access.READ_WRITE, Duration.ZERO);
    }

    /** {@link #open(Path)} with the ledger's keys and head records in {@code keys}. */
    public static Registry open(Path db, LedgerKeys keys) {
        return open(db, keys, Access.READ_WRITE, Duration.ZERO);
    }

    /**
     * Opens the database with {@code access}, retrying with backoff for up to {@code lockWait} while another process
     * holds a conflicting lock (DuckDB locks the file across processes: one writer, or any number of readers).
     * READ_ONLY needs an existing database and never writes to it; an out-of-date schema is first upgraded by a brief
     * read-write open (refused, with a clear message, on read-only media).
     */
    public static Registry open(Path db, Access access, Duration lockWait) {
        return open(db, LedgerKeys.defaults(), access, lockWait);
    }

    /** {@link #open(Path, Access, Duration)} with the ledger's keys and head records in {@code keys}. */
    public static Registry open(Path db, LedgerKeys keys, Access access, Duration lockWait) {
        Path abs = db.toAbsolutePath().normalize();
        boolean exists = DatabaseFile.check(abs, access);
        if (access == Access.READ_ONLY) {
            Registry r = connect(abs, keys, access, lockWait);
            int version;
            try {
                version = r.schemaVersion();
            } catch (RuntimeException e) {
                r.close();
                throw new IllegalStateException("database " + abs + " is a DuckDB file but not a scalelab registry (no schema_version table)", e);
            }
            if (version >= Migrations.latestVersion()) {
                return r;
            }
            r.close();
            try {
                open(abs, keys, Access.READ_WRITE, lockWait).close();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("database " + abs + " has schema version " + version + " and must be upgraded to "
                        + Migrations.latestVersion() + " before it can be read, which needs write access: " + e.getMessage(), e);
            }
            return connect(abs, keys, access, lockWait);
        }
        if (!exists) {
            try {
                if (abs.getParent() != null) {
                    Files.createDirectories(abs.getParent());
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the directory of database " + abs + ": " + e.getMessage(), e);
            }
        }
        Registry r = connect(abs, keys, access, lockWait);
        try {
            if (r.migrate().contains(SIGNED_LEDGER_VERSION)) {
                // Entries filed before signing are protected by the chain alone: remember the head this machine saw,
                // so that unsigned entries appended or removed later behind scalelab's back are caught here.
                r.ledger.recordHeadOfUpgradedLedger();
            }
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** One JDBC connection, retried with doubling backoff (50 ms up to 0.5 s) while the file is locked and time is left. */
    private static Registry connect(Path abs, LedgerKeys keys, Access access, Duration lockWait) {
        java.util.Properties props = new java.util.Properties();
        if (access == Access.READ_ONLY) {
            props.setProperty("duckdb.read_only", "true");
        }
        long deadline = System.nanoTime() + lockWait.toNanos();
        long backoffMillis = 50;
        while (true) {
            try {
                return new Registry(abs, (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + abs, props), keys);
            } catch (SQLException e) {
                if (access == Access.READ_ONLY && String.valueOf(e.getMessage()).contains("different configuration")) {
                    // This process already has the file open for writing: DuckDB shares that instance, not a read-only one.
                    return connect(abs, keys, Access.READ_WRITE, lockWait);
                }
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (!isLockConflict(e) || leftMillis <= 0) {
                    IllegalStateException err = openError(abs, e);
                    if (isLockConflict(e) && !lockWait.isZero()) {
                        throw new IllegalStateException(err.getMessage() + " (waited " + lockWait.toSeconds() + " s)", e);
                    }
                    throw err;
                }
                try {
                    Thread.sleep(Math.min(backoffMillis, leftMillis) + (long) (Math.random() * 20));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the lock on database " + abs, ie);
                }
                backoffMillis = Math.min(500, backoffMillis * 2);
            }
        }
    }

    /** DuckDB's message when another process holds a conflicting lock on the file. */
    static boolean isLockConflict(SQLException e) {
        String msg = String.valueOf(e.getMessage());
        return msg.contains("Could not set lock") || msg.contains("Conflicting lock");
    }

    /** DuckDB's "Could not set lock ... Conflicting lock is held in X (PID N)" as one clear sentence. */
    static IllegalStateException openError(Path db, SQLException e) {
        String msg = String.valueOf(e.getMessage());
        Matcher m = LOCK_HOLDER.matcher(msg);
        if (m.find()) {
            String program = Path.of(m.group(1).trim()).getFileName().toString();
            String user = m.group(4) == null ? "" : ", user " + m.group(4);
            return new IllegalStateException("database " + db + " is locked by PID " + m.group(2) + " (" + program + user
                    + "): another process is using it; wait for it to finish, or use another --db file", e);
        }
        if (msg.contains("Could not set lock")) {
            return new IllegalStateException("database " + db + " is locked by another process: " + msg, e);
        }
        return new IllegalStateException("cannot open database " + db + ": " + msg, e);
    }

    public Path file() {
        return file;
    }

    /** True if writing {@code p} would write over this database: its file or its write-ahead log, by any name. */
    public boolean isOwnFile(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path wal = file.resolveSibling(file.getFileName() + ".wal");
        for (Path own : List.of(file, wal)) {
            if (abs.equals(own)) {
                return true;
            }
            try {
                if (Files.exists(abs) && Files.exists(own) && Files.isSameFile(abs, own)) {
                    return true;
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot compare " + abs + " with database " + own + ": " + e.getMessage(), e);
            }
        }
        return false;
    }

    /** The schema version this database is at. */
    public synchronized int schemaVersion() {
        return sql(() -> {
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** The migration that made the ledger one signed chain of predictions and checks. */
    private static final int SIGNED_LEDGER_VERSION = 3;

    /** Applies the missing migrations; returns the versions applied now. */
    private List<Integer> migrate() {
        List<Integer> applied = new ArrayList<>();
        sql(() -> {
            try (Statement s = conn.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
            }
            return null;
        });
        int current = schemaVersion();
        if (current > Migrations.latestVersion()) {
            throw new IllegalStateException("database " + file + " has schema version " + current
                    + ", newer than this scalelab understands (" + Migrations.latestVersion() + "): update scalelab");
        }
        for (Migrations.Migration m : Migrations.ALL) {
            if (m.version() <= current) {
                continue;
            }
            transaction(() -> {
                try (Statement s = conn.createStatement()) {
                    for (String stmt : m.statements()) {
                        s.execute(stmt);
                    }
                }
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO schema_version VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.setObject(3, ts(Instant.now()));
                    ps.executeUpdate();
                }
                return null;
            });
            applied.add(m.version());
        }
        if (!applied.isEmpty()) {
            // Write the new schema into the file now: DuckDB 1.4 cannot replay a WAL holding ALTER TABLE ... ADD COLUMN
            // ("GetDefaultDatabase with no default database set"), so a crash before the next checkpoint would leave
            // a database that no longer opens.
            sql(() -> {
                try (Statement s = conn.createStatement()) {
                    s.execute("CHECKPOINT");
                }
                return null;
            });
        }
        return applied;
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing database " + file + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- ladders

    /** Creates or updates a ladder's spec; returns its id. */
    public synchronized long upsertLadder(String name, String specYaml) {
        requireName("ladder name", name);
        return transaction(() -> {
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
    public synchronized Optional<String> ladderSpec(String name) {
        return sql(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT spec_yaml FROM ladders WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    public synchronized List<String> ladders() {
        return sql(() -> {
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
    public synchronized List<String> ladderNames() {
        return sql(() -> {
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

    private Optional<Long> ladderId(String name) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT id FROM ladders WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private long insertLadder(String name, String specYaml, Instant now) throws SQLException {
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
            + " wall_seconds, code_version, created_at, updated_at, started_at, finished_at";

    /**
     * Stores a run keyed by its spec hash and returns its id. Idempotent: if a run with this spec hash exists, it is
     * left as it is (status and results included) and its id returned.
     */
    public synchronized long upsertRun(RunRecord run) {
        return upsertRuns(List.of(run)).get(0);
    }

    /** {@link #upsertRun} for many runs in one transaction (all or none); ids in the same order. */
    public synchronized List<Long> upsertRuns(List<RunRecord> runs) {
        return transaction(() -> upsertRunsInTx(runs, Instant.now(), i -> { }).stream().map(Upserted::id).toList());
    }

    private record Upserted(long id, boolean inserted) {}

    /**
     * Looks up the spec hashes already stored in one query, then inserts the new runs with multi-row INSERTs (ids drawn
     * from the sequence up front). Calls {@code afterEachRow} with the index of each run once it is stored (inside the
     * transaction: the import crash tests stop there).
     */
    private List<Upserted> upsertRunsInTx(List<RunRecord> runs, Instant now, IntConsumer afterEachRow) throws SQLException {
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
        String row = "(" + String.join(", ", java.util.Collections.nCopies(23, "?")) + ")";
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
            }
            ps.executeUpdate();
        }
    }

    public synchronized Optional<RunRecord> runBySpecHash(String specHash) {
        return firstRun("spec_hash = ?", specHash);
    }

    public synchronized Optional<RunRecord> run(long id) {
        return firstRun("id = ?", id);
    }

    /** Runs with this name, newest first (names are not unique: a ladder may be planned again). */
    public synchronized List<RunRecord> runsNamed(String name) {
        return queryRuns("WHERE name = ? ORDER BY id DESC", name);
    }

    /** All runs of a ladder (all runs when null), by id. */
    public synchronized List<RunRecord> runs(String ladderOrNull) {
        return ladderOrNull == null ? queryRuns("ORDER BY id") : queryRuns("WHERE ladder = ? ORDER BY id", ladderOrNull);
    }

    /**
     * Marks the run as training. The first time records its start (UTC, now): a retry or resume keeps the first start,
     * so a run begun before a prediction was filed never counts as preregistered.
     */
    public synchronized void markRunning(long id) {
        updateRun(id, Set.of(RunStatus.PLANNED, RunStatus.FAILED, RunStatus.RUNNING), RunStatus.RUNNING,
                "status = 'RUNNING', status_message = NULL, started_at = coalesce(started_at, ?)", List.of(ts(Instant.now())));
    }

    /** {@link #finishRun(long, double, double, double, double, Instant)} finishing now. */
    public synchronized void finishRun(long id, double finalLoss, double bestLoss, double countedFlops, double wallSeconds) {
        finishRun(id, finalLoss, bestLoss, countedFlops, wallSeconds, Instant.now());
    }

    /** Records the run's results and when it finished ({@code finishedAt}, UTC). */
    public synchronized void finishRun(long id, double finalLoss, double bestLoss, double countedFlops, double wallSeconds,
                                       Instant finishedAt) {
        requirePositive("final loss", finalLoss);
        requirePositive("best loss", bestLoss);
        requirePositive("counted FLOPs", countedFlops);
        if (!Double.isFinite(wallSeconds) || wallSeconds < 0) {
            throw new IllegalArgumentException("wall seconds must be finite and non-negative, got " + wallSeconds);
        }
        updateRun(id, Set.of(RunStatus.RUNNING, RunStatus.PLANNED), RunStatus.FINISHED,
                "status = 'FINISHED', status_message = NULL, final_loss = ?, best_loss = ?, counted_flops = ?, wall_seconds = ?,"
                        + " finished_at = ?", List.of(finalLoss, bestLoss, countedFlops, wallSeconds, ts(finishedAt)));
    }

    public synchronized void failRun(long id, String message) {
        updateRun(id, Set.of(RunStatus.PLANNED, RunStatus.RUNNING, RunStatus.FAILED), RunStatus.FAILED,
                "status = 'FAILED', status_message = ?", Arrays.asList(message == null ? "failed (no message)" : message));
    }

    private void updateRun(long id, Set<RunStatus> allowedFrom, RunStatus target, String setClause, List<Object> values) {
        transaction(() -> {
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
        return sql(() -> firstRunInTx(where, arg));
    }

    private Optional<RunRecord> firstRunInTx(String where, Object arg) throws SQLException {
        List<RunRecord> l = queryRunsInTx("WHERE " + where, arg);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    private List<RunRecord> queryRuns(String tail, Object... args) {
        return sql(() -> queryRunsInTx(tail, args));
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
                            instant(rs, 20), instant(rs, 21), instant(rs, 22), instant(rs, 23)));
                }
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- loss curves

    /** Appends points to a run's loss curve in bulk (DuckDB appender, one transaction). */
    public synchronized void appendCurve(long runId, List<CurvePoint> points) {
        if (points.isEmpty()) {
            return;
        }
        transaction(() -> {
            requireRun(runId, "a loss curve");
            try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "loss_curves")) {
                for (CurvePoint p : points) {
                    app.beginRow();
                    app.append(runId);
                    app.append(p.step());
                    app.append(p.tokens());
                    app.append(p.trainLoss());
                    if (p.evaluated()) {
                        app.append(p.evalLoss());
                    } else {
                        app.appendNull();
                    }
                    app.endRow();
                }
            }
            return null;
        });
    }

    /** Inside a transaction: refuses to append {@code what} to a run that does not exist. */
    private void requireRun(long runId, String what) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM runs WHERE id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no run with id " + runId + " to append " + what + " to");
                }
            }
        }
    }

    /** A run's loss curve ordered by step (eval loss NaN where not evaluated). */
    public synchronized List<CurvePoint> curve(long runId) {
        return sql(() -> {
            List<CurvePoint> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT step, tokens, train_loss, eval_loss FROM loss_curves WHERE run_id = ? ORDER BY step")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Double eval = getDouble(rs, 4);
                        out.add(new CurvePoint(rs.getLong(1), rs.getLong(2), rs.getDouble(3), eval == null ? Double.NaN : eval));
                    }
                }
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- expert shares of MoE runs

    /** Appends an MoE run's expert shares in bulk (one transaction). */
    public synchronized void appendExpertShares(long runId, List<ExpertShare> shares) {
        transaction(() -> {
            requireRun(runId, "expert shares");
            try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "expert_shares")) {
                for (ExpertShare e : shares) {
                    app.beginRow();
                    app.append(runId);
                    app.append(e.step());
                    app.append(e.layer());
                    app.append(e.expert());
                    app.append(e.share());
                    app.endRow();
                }
            }
            return null;
        });
    }

    /** A run's expert shares ordered by step, layer, expert (empty for dense runs and runs recorded without them). */
    public synchronized List<ExpertShare> expertShares(long runId) {
        return sql(() -> {
            List<ExpertShare> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT step, layer, expert, share FROM expert_shares WHERE run_id = ? ORDER BY step, layer, expert")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ExpertShare(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getDouble(4)));
                    }
                }
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- observations for fits

    /** Finished runs of a ladder (all ladders when null) as fitter observations, grouped by budget label. */
    public synchronized List<Observation> observations(String ladderOrNull) {
        return observationSet(ladderOrNull).observations();
    }

    /** {@link #observations} with the run ids and the input content hash a saved fit should record. */
    public synchronized ObservationSet observationSet(String ladderOrNull) {
        return observationSet(ladderOrNull, null);
    }

    /**
     * {@link #observationSet(String)} restricted to one architecture ("dense" or "moe"; null: both). A dense law fitted
     * on a dense + MoE ladder must see only the dense runs: MoE runs at the same active N and D reach other losses.
     */
    public synchronized ObservationSet observationSet(String ladderOrNull, String architectureOrNull) {
        if (architectureOrNull != null && !"dense".equals(architectureOrNull) && !"moe".equals(architectureOrNull)) {
            throw new IllegalArgumentException("architecture must be dense or moe, got " + architectureOrNull);
        }
        return sql(() -> {
            String q = "SELECT id, spec_hash, params, tokens, budget_flops, final_loss FROM runs"
                    + " WHERE status = 'FINISHED' AND final_loss IS NOT NULL" + (ladderOrNull == null ? "" : " AND ladder = ?")
                    + (architectureOrNull == null ? "" : " AND architecture = ?")
                    + " ORDER BY budget_flops, params, id";
            List<Observation> obs = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            // Sorted by spec hash so the input hash does not depend on insertion order.
            TreeMap<String, String> lines = new TreeMap<>();
            try (PreparedStatement ps = conn.prepareStatement(q)) {
                int k = 1;
                if (ladderOrNull != null) {
                    ps.setString(k++, ladderOrNull);
                }
                if (architectureOrNull != null) {
                    ps.setString(k, architectureOrNull);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        double n = rs.getDouble(3), d = rs.getDouble(4), c = rs.getDouble(5), loss = rs.getDouble(6);
                        ids.add(rs.getLong(1));
                        obs.add(new Observation(n, d, c, loss, budgetLabel(c), 1.0));
                        lines.put(rs.getString(2), n + "," + d + "," + c + "," + loss);
                    }
                }
            }
            StringBuilder sb = new StringBuilder("scalelab-observations-v1\n");
            lines.forEach((k, v) -> sb.append(k).append(',').append(v).append('\n'));
            return new ObservationSet(obs, ids, Prediction.sha256(sb.toString()));
        });
    }

    /** A budget's group label: 4 significant digits, e.g. 1e18, 3e20, 6.25e19. */
    public static String budgetLabel(double flops) {
        BigDecimal v = new BigDecimal(flops).round(new MathContext(4)).stripTrailingZeros();
        int exp = v.precision() - v.scale() - 1;
        BigDecimal mantissa = v.movePointLeft(exp).stripTrailingZeros();
        return mantissa.toPlainString() + "e" + exp;
    }

    // ---------------------------------------------------------------- fits

    public synchronized long saveFit(FitRecord fit) {
        return transaction(() -> {
            long id;
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO fits (method, objective, status, e, a, b, alpha, beta,"
                    + " objective_value, input_hash, run_ids, ladder, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
                LossSurface s = fit.surface();
                ps.setString(1, fit.method());
                ps.setString(2, fit.objective());
                ps.setString(3, fit.status());
                setDouble(ps, 4, s == null ? null : s.E());
                setDouble(ps, 5, s == null ? null : s.A());
                setDouble(ps, 6, s == null ? null : s.B());
                setDouble(ps, 7, s == null ? null : s.alpha());
                setDouble(ps, 8, s == null ? null : s.beta());
                setDouble(ps, 9, Double.isFinite(fit.objectiveValue()) ? fit.objectiveValue() : null);
                ps.setString(10, fit.inputHash());
                ps.setString(11, String.join(",", fit.runIds().stream().map(String::valueOf).toList()));
                ps.setString(12, fit.ladder());
                ps.setString(13, fit.resultJson());
                ps.setObject(14, ts(fit.createdAt() == null ? Instant.now() : fit.createdAt()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            // Multi-row INSERTs, not the appender: they join this transaction with the fits row (all or none).
            List<LossSurface> boot = fit.bootstrapSurfaces();
            for (int from = 0; from < boot.size(); from += 500) {
                int to = Math.min(boot.size(), from + 500);
                String values = String.join(", ", java.util.Collections.nCopies(to - from, "(?, ?, ?, ?, ?, ?, ?)"));
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO fit_bootstrap VALUES " + values)) {
                    int c = 1;
                    for (int k = from; k < to; k++) {
                        LossSurface b = boot.get(k);
                        ps.setLong(c++, id);
                        ps.setInt(c++, k);
                        ps.setDouble(c++, b.E());
                        ps.setDouble(c++, b.A());
                        ps.setDouble(c++, b.B());
                        ps.setDouble(c++, b.alpha());
                        ps.setDouble(c++, b.beta());
                    }
                    ps.executeUpdate();
                }
            }
            return id;
        });
    }

    public synchronized Optional<FitRecord> fit(long id) {
        List<FitRecord> l = queryFits("WHERE id = ?", id);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** The most recently saved fit (of a ladder, or of any when null). */
    public synchronized Optional<FitRecord> latestFit(String ladderOrNull) {
        List<FitRecord> l = ladderOrNull == null ? queryFits("ORDER BY id DESC LIMIT 1")
                : queryFits("WHERE ladder = ? ORDER BY id DESC LIMIT 1", ladderOrNull);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** All fits (of a ladder, or all when null), oldest first. */
    public synchronized List<FitRecord> fits(String ladderOrNull) {
        return ladderOrNull == null ? queryFits("ORDER BY id") : queryFits("WHERE ladder = ? ORDER BY id", ladderOrNull);
    }

    private List<FitRecord> queryFits(String tail, Object... args) {
        return sql(() -> {
            List<FitRecord> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT id, method, objective, status, e, a, b, alpha, beta,"
                    + " objective_value, input_hash, run_ids, ladder, result_json, created_at FROM fits " + tail)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        Double e = getDouble(rs, 5);
                        LossSurface surface = e == null ? null
                                : new LossSurface(e, rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9));
                        Double obj = getDouble(rs, 10);
                        String runIds = rs.getString(12);
                        List<Long> ids = runIds.isEmpty() ? List.of() : Arrays.stream(runIds.split(",")).map(Long::valueOf).toList();
                        out.add(new FitRecord(id, rs.getString(2), rs.getString(3), rs.getString(4), surface,
                                obj == null ? Double.NaN : obj, rs.getString(11), ids, rs.getString(13), rs.getString(14),
                                bootstrapSurfaces(id), instant(rs, 15)));
                    }
                }
            }
            return out;
        });
    }

    private List<LossSurface> bootstrapSurfaces(long fitId) throws SQLException {
        List<LossSurface> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT e, a, b, alpha, beta FROM fit_bootstrap WHERE fit_id = ? ORDER BY sample")) {
            ps.setLong(1, fitId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LossSurface(rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5)));
                }
            }
        }
        return out;
    }

    /**
     * What a fit's data cover: its runs this registry holds, and their largest budget; null when it records none
     * (then no target can be shown to lie beyond its data).
     */
    public synchronized Predictions.DataRange dataRange(FitRecord fit) {
        if (fit.runIds().isEmpty()) {
            return null;
        }
        return sql(() -> {
            String ids = String.join(", ", fit.runIds().stream().map(String::valueOf).toList());
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), max(budget_flops) FROM runs WHERE id IN (" + ids + ")")) {
                rs.next();
                int n = rs.getInt(1);
                return n == 0 ? null : new Predictions.DataRange(n, rs.getDouble(2));
            }
        });
    }

    // ---------------------------------------------------------------- prediction ledger (see Ledger)

    /** Where this registry's signing keys and head records live (outside the database). */
    public LedgerKeys keys() {
        return ledger.keys();
    }

    /**
     * Appends a prediction to the ledger: assigns the next id and chain position, links it to the previous entry's
     * hash, hashes it and signs it with the author's key (kept outside the database; created on first filing). The
     * draft must not carry an id (a filed entry cannot be filed again); {@code supersedes}, when set, must name an
     * existing entry, which stays in the ledger unchanged. Refused, with nothing written, when the ledger does not
     * verify or the draft's filing time is before the last entry's.
     */
    public synchronized Prediction filePrediction(Prediction draft) {
        return ledger.filePrediction(draft);
    }

    /**
     * What {@link #filePrediction} would file now (for {@code predict --dry-run}): nothing is written and no key is
     * created; the hash and signature are left out (they are computed when filed, over these fields).
     */
    public synchronized Prediction previewPrediction(Prediction draft) {
        return ledger.preview(draft);
    }

    /** Always refused: a filed prediction is never edited. File a new one that supersedes it. */
    public Prediction updatePrediction(Prediction changed) {
        throw new AppendOnlyException("prediction " + changed.id() + " cannot be changed: the ledger is append-only;"
                + " file a new prediction with supersedes = " + changed.id() + " instead");
    }

    /** Always refused: a filed prediction is never deleted. */
    public void deletePrediction(long id) {
        throw new AppendOnlyException("prediction " + id + " cannot be deleted: the ledger is append-only;"
                + " a new prediction may supersede it, and both stay");
    }

    /**
     * The entry as stored. Throws if the row no longer forms a valid prediction (altered by SQL):
     * {@link #verifyLedger()} says which entry and why.
     */
    public synchronized Optional<Prediction> prediction(long id) {
        return ledger.prediction(id);
    }

    /** The predictions in order. Throws on a row altered into an invalid prediction (see {@link #verifyLedger()}). */
    public synchronized List<Prediction> predictions() {
        return ledger.predictions("");
    }

    /** Every chained entry (predictions and checks) in chain order, as the export publishes them. */
    public synchronized List<LedgerEntry> ledgerEntries() {
        return ledger.entries();
    }

    /** Ids of the predictions that supersede {@code id} (empty if it is current). */
    public synchronized List<Long> supersededBy(long id) {
        return sql(() -> {
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

    /**
     * Verifies the ledger from its first entry: chain links and hashes, every signature, filing times never going
     * backwards, and the last head this machine recorded for this database; reports the first entry that fails, and
     * the signing keys this machine does not vouch for.
     */
    public synchronized LedgerVerification verifyLedger() {
        return ledger.verify(Map.of());
    }

    /** {@link #verifyLedger()} also trusting {@code publicKeys} (Base64 key → author), e.g. those of a public copy. */
    public synchronized LedgerVerification verifyLedger(Map<String, String> publicKeys) {
        return ledger.verify(publicKeys);
    }

    // ---------------------------------------------------------------- checks

    /** {@link #checkAgainstRun(long, long, boolean)} refusing a run that does not match the target. */
    public synchronized PredictionCheck checkAgainstRun(long predictionId, long runId) {
        return checkAgainstRun(predictionId, runId, false);
    }

    /**
     * Checks prediction {@code predictionId} against finished run {@code runId} and files the check in the ledger
     * (a new entry: an earlier check of the same prediction stays). The run must match the target (see
     * {@link PredictionCheck#match}) unless {@code allowMismatch}, which the entry records.
     */
    public synchronized PredictionCheck checkAgainstRun(long predictionId, long runId, boolean allowMismatch) {
        Prediction p = prediction(predictionId).orElseThrow(() -> new IllegalArgumentException("no prediction with id " + predictionId));
        RunRecord run = run(runId).orElseThrow(() -> new IllegalArgumentException("no run with id " + runId));
        if (run.status() != RunStatus.FINISHED || run.finalLoss() == null) {
            throw new IllegalStateException("run " + runId + " is " + run.status() + ": it has no final loss to check against yet");
        }
        PredictionCheck.TargetMatch m = PredictionCheck.match(p, run);
        if (!m.matches() && !allowMismatch) {
            throw new IllegalArgumentException("prediction " + predictionId + " (" + p.targetName() + "): " + m.description()
                    + "; nothing filed: check it against its own target run, or pass --allow-mismatch to file the check"
                    + " with the mismatch recorded");
        }
        String match = m.matches() ? m.description() : "mismatch allowed: " + m.description();
        return ledger.fileCheck(PredictionCheck.draft(p, run, run.finalLoss(), match, !m.matches(), Provenance.author()));
    }

    /** Checks a prediction against a loss measured elsewhere (a run trained outside this registry). */
    public synchronized PredictionCheck checkAgainstLoss(long predictionId, double actualLoss) {
        Prediction p = prediction(predictionId).orElseThrow(() -> new IllegalArgumentException("no prediction with id " + predictionId));
        return ledger.fileCheck(PredictionCheck.draft(p, null, actualLoss,
                "no registry run: loss given by hand, so neither the target nor the start time can be checked", false,
                Provenance.author()));
    }

    /**
     * Checks every prediction whose target run (a run named like the target, or with the target as spec hash) has
     * finished, matches the target, and was not yet checked against that prediction. Returns the new checks.
     */
    public synchronized List<PredictionCheck> checkAll() {
        List<PredictionCheck> out = new ArrayList<>();
        for (Prediction p : predictions()) {
            List<RunRecord> targets = targetRuns(p);
            Set<Long> done = new HashSet<>();
            for (PredictionCheck c : checks(p.id())) {
                done.add(c.runId());
            }
            for (RunRecord r : targets) {
                if (r.status() == RunStatus.FINISHED && !done.contains(r.id()) && PredictionCheck.match(p, r).matches()) {
                    out.add(checkAgainstRun(p.id(), r.id(), false));
                    done.add(r.id());
                }
            }
        }
        return out;
    }

    /** The runs a prediction's target names: runs of that name, and the run with it as spec hash. */
    public synchronized List<RunRecord> targetRuns(Prediction p) {
        List<RunRecord> targets = new ArrayList<>(runsNamed(p.targetName()));
        runBySpecHash(p.targetName()).ifPresent(targets::add);
        return targets;
    }

    /** Checks of one prediction, oldest first: the whole history (chained checks, and any stored before chaining). */
    public synchronized List<PredictionCheck> checks(long predictionId) {
        return ledger.checks("WHERE prediction_id = " + predictionId);
    }

    public synchronized List<PredictionCheck> checks() {
        return ledger.checks("");
    }

    // ---------------------------------------------------------------- import / export

    /**
     * What an import did.
     *
     * @param alreadyImported true when a file with the same content was imported before (then nothing was added)
     * @param runsAdded       new runs stored
     * @param runsPresent     rows that matched a run already in the registry (same identity), left unchanged
     */
    public record ImportResult(Long importId, Path source, String contentSha256, String ladder, int rowsRead, int runsAdded,
                               int runsPresent, boolean alreadyImported) {}

    /**
     * Imports finished runs trained elsewhere, in one transaction: either every row is stored or none. A file whose
     * content (SHA-256) was imported before adds nothing. Optional columns besides those of {@code fit}:
     * {@code architecture} (dense|moe), {@code hyperparameters} (a JSON object), {@code total_params}.
     *
     * @param ladder the ladder to file the runs under (created if missing)
     */
    public ImportResult importRuns(RunTable table, String ladder) {
        return importRuns(table, ladder, row -> { });
    }

    /** {@link #importRuns(RunTable, String)} calling {@code afterEachRow} with the row index after storing it (tests crash there). */
    synchronized ImportResult importRuns(RunTable table, String ladder, IntConsumer afterEachRow) {
        requireName("ladder name", ladder);
        List<RunRecord> records = importRecords(table, ladder);
        return transaction(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT id, ladder FROM imports WHERE content_sha256 = ?")) {
                ps.setString(1, table.contentSha256());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new ImportResult(rs.getLong(1), table.source(), table.contentSha256(), rs.getString(2),
                                table.rows().size(), 0, 0, true);
                    }
                }
            }
            Instant now = Instant.now();
            if (ladderId(ladder).isEmpty()) {
                insertLadder(ladder, null, now);
            }
            int added = (int) upsertRunsInTx(records, now, afterEachRow).stream().filter(Upserted::inserted).count();
            long importId;
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO imports (content_sha256, source, ladder, rows_read,"
                    + " runs_added, imported_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")) {
                ps.setString(1, table.contentSha256());
                ps.setString(2, String.valueOf(table.source()));
                ps.setString(3, ladder);
                ps.setInt(4, records.size());
                ps.setInt(5, added);
                ps.setObject(6, ts(now));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    importId = rs.getLong(1);
                }
            }
            return new ImportResult(importId, table.source(), table.contentSha256(), ladder, records.size(), added,
                    records.size() - added, false);
        });
    }

    /** Validates every row into a run record before anything touches the database. */
    private static List<RunRecord> importRecords(RunTable table, String ladder) {
        List<RunRecord> out = new ArrayList<>();
        Path file = table.source();
        for (RunTable.Row row : table.rows()) {
            Observation o = row.observation();
            Map<String, String> extra = new TreeMap<>(row.extra());
            String arch = extra.getOrDefault("architecture", "");
            arch = arch.isBlank() ? "dense" : arch.trim().toLowerCase(Locale.ROOT);
            if (!arch.equals("dense") && !arch.equals("moe")) {
                throw new InputFormatException(file, row.line(), "architecture", "must be dense or moe, got '" + extra.get("architecture") + "'");
            }
            double totalParams = o.params();
            String tp = extra.get("total_params");
            if (tp != null && !tp.isBlank()) {
                try {
                    totalParams = scalelab.registry.io.Decimals.parse(tp.trim());
                } catch (NumberFormatException e) {
                    throw new InputFormatException(file, row.line(), "total_params", e.getMessage());
                }
                if (!Double.isFinite(totalParams) || totalParams < o.params()) {
                    throw new InputFormatException(file, row.line(), "total_params",
                            "must be a finite number at least params (" + o.params() + "), got " + tp);
                }
            }
            String hyper = extra.get("hyperparameters");
            if (hyper != null && !hyper.isBlank()) {
                try {
                    JsonNode n = JSON.readTree(hyper);
                    if (n == null || !n.isObject()) {
                        throw new InputFormatException(file, row.line(), "hyperparameters", "must be a JSON object, got: " + hyper);
                    }
                    hyper = n.toString();
                } catch (IOException e) {
                    throw new InputFormatException(file, row.line(), "hyperparameters", "not valid JSON: " + hyper);
                }
            } else {
                hyper = null;
            }
            ObjectNode spec = JSON.createObjectNode();
            spec.put("source", "import");
            spec.put("name", row.name());
            spec.put("architecture", arch);
            spec.put("params", o.params());
            spec.put("total_params", totalParams);
            spec.put("tokens", o.tokens());
            spec.put("budget_flops", o.flops());
            spec.put("loss", o.loss());
            ObjectNode cols = spec.putObject("columns");
            extra.forEach(cols::put);
            // Identity of an imported run: its ladder and everything the file says about it.
            String specHash = Prediction.sha256("imported-run-v1\n" + ladder + "\n" + spec);
            out.add(new RunRecord(null, ladder, row.name(), specHash, spec.toString(), arch, o.params(), totalParams,
                    o.tokens(), o.flops(), 6.0 * o.params() * o.tokens(), null, hyper, RunStatus.FINISHED, null, o.loss(),
                    o.loss(), null, "external (imported from " + file.getFileName() + ")", null, null));
        }
        return out;
    }

    /** Writes all runs (of a ladder, or all when null) to a file with DuckDB COPY; format "csv" or "parquet". */
    public synchronized void copyRunsTo(Path out, String format, String ladderOrNull) {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("csv") && !fmt.equals("parquet")) {
            throw new IllegalArgumentException("export format must be csv or parquet, got " + format);
        }
        if (isOwnFile(out)) {
            throw new IllegalArgumentException("refusing to export onto " + out + ": it is the database being read; nothing written");
        }
        String where = ladderOrNull == null ? "" : " WHERE ladder = '" + ladderOrNull.replace("'", "''") + "'";
        String target = out.toAbsolutePath().toString().replace("'", "''");
        sql(() -> {
            try (Statement s = conn.createStatement()) {
                s.execute("COPY (SELECT " + EXPORT_COLUMNS + " FROM runs" + where + " ORDER BY id) TO '" + target + "' (FORMAT "
                        + fmt + (fmt.equals("csv") ? ", HEADER true" : "") + ")");
            }
            return null;
        });
    }

    /**
     * Columns of a run export, named so that a CSV export can be imported again: params, tokens, loss, budget, name,
     * architecture, hyperparameters (the rest are kept as extra columns).
     */
    public static final String EXPORT_COLUMNS = "id, ladder, name, architecture, params, total_params, tokens, budget_flops AS budget,"
            + " planned_flops, counted_flops, final_loss AS loss, best_loss, status, status_message, wall_seconds,"
            + " hyperparameters_json AS hyperparameters, code_version, spec_hash, created_at, updated_at";

    // ---------------------------------------------------------------- plumbing

    /** A unit of SQL work. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    <T> T sql(SqlWork<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new IllegalStateException("database " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if anything throws. */
    <T> T transaction(SqlWork<T> work) {
        try {
            conn.setAutoCommit(false);
        } catch (SQLException e) {
            throw new IllegalStateException("database " + file + ": " + e.getMessage(), e);
        }
        boolean ok = false;
        try {
            T result = work.run();
            conn.commit();
            ok = true;
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("database " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                if (!ok) {
                    conn.rollback();
                }
                conn.setAutoCommit(true);
            } catch (SQLException e) {
                // The original failure matters more; a failed rollback leaves DuckDB's transaction aborted, never half-applied.
            }
        }
    }

    static LocalDateTime ts(Instant t) {
        return LocalDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, int col) throws SQLException {
        LocalDateTime t = rs.getObject(col, LocalDateTime.class);
        return t == null ? null : t.toInstant(ZoneOffset.UTC);
    }

    static Double getDouble(ResultSet rs, int col) throws SQLException {
        double v = rs.getDouble(col);
        return rs.wasNull() ? null : v;
    }

    static void setDouble(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.DOUBLE);
        } else {
            ps.setDouble(i, v);
        }
    }

    private static void requirePositive(String what, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(what + " must be a finite positive number, got " + v);
        }
    }

    private static void requireName(String what, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
