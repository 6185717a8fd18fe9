package scalelab.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;

/**
 * The registry's one DuckDB connection and its one migration history: connecting (waiting out other processes'
 * locks), the schema version and migrations, and the plumbing every store shares (SQL errors as one sentence naming
 * the file, transactions that commit all or nothing, timestamp and nullable-number conversions).
 */
final class Database implements AutoCloseable {
    private static final Pattern LOCK_HOLDER = Pattern.compile("Conflicting lock is held in (.*?) \\(PID (\\d+)\\)( by user (\\S+?))?[.)]?(\\s|$)");

    private final Path file;
    private final DuckDBConnection conn;

    private Database(Path file, DuckDBConnection conn) {
        this.file = file;
        this.conn = conn;
    }

    Path file() {
        return file;
    }

    DuckDBConnection connection() {
        return conn;
    }

    /** True if writing {@code p} would write over this database: its file or its write-ahead log, by any name. */
    boolean isOwnFile(Path p) {
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

    /**
     * One JDBC connection, retried with doubling backoff (50 ms up to 0.5 s) while the file is locked and time is left;
     * {@code onWait} hears once that it waits, and for whom.
     */
    static Database connect(Path abs, Registry.Access access, Duration lockWait, Consumer<String> onWait) {
        java.util.Properties props = new java.util.Properties();
        if (access == Registry.Access.READ_ONLY) {
            props.setProperty("duckdb.read_only", "true");
        }
        long deadline = System.nanoTime() + lockWait.toNanos();
        long backoffMillis = 50;
        while (true) {
            try {
                return new Database(abs, (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + abs, props));
            } catch (SQLException e) {
                if (access == Registry.Access.READ_ONLY && String.valueOf(e.getMessage()).contains("different configuration")) {
                    // This process already has the file open for writing: DuckDB shares that instance, not a read-only one.
                    return connect(abs, Registry.Access.READ_WRITE, lockWait, onWait);
                }
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (!isLockConflict(e) || leftMillis <= 0) {
                    IllegalStateException err = openError(abs, e);
                    if (isLockConflict(e) && !lockWait.isZero()) {
                        throw new IllegalStateException(err.getMessage() + " (waited " + lockWait.toSeconds() + " s)", e);
                    }
                    throw err;
                }
                if (backoffMillis == 50) {
                    onWait.accept(openError(abs, e).getMessage() + "; waiting up to " + lockWait.toSeconds() + " s");
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

    /** The schema version this database is at. */
    int schemaVersion() {
        return sql(() -> {
            try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** Applies the missing migrations; returns the versions applied now. */
    List<Integer> migrate() {
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
    public void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing database " + file + ": " + e.getMessage(), e);
        }
    }

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

    static void requirePositive(String what, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(what + " must be a finite positive number, got " + v);
        }
    }

    static void requireName(String what, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
