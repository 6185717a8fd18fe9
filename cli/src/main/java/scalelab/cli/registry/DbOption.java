package scalelab.cli.registry;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import scalelab.registry.Registry;

/** The {@code --db FILE} option every registry command takes. */
public final class DbOption {
    @Option(names = "--db", paramLabel = "FILE",
            description = "Database file (default: $SCALELAB_DB, else ./scalelab.duckdb).")
    String db;

    /** The database file this option names. */
    public Path path() {
        return Registry.resolvePath(db);
    }

    /** Opens the database to write, waiting (with backoff) while another process holds it. */
    public Registry open() {
        return open(path(), Registry.Access.READ_WRITE, Registry.DEFAULT_LOCK_WAIT);
    }

    /** Opens an existing database to read only: shared with other readers, and works on a read-only copy. */
    public Registry openReadOnly() {
        return open(path(), Registry.Access.READ_ONLY, Registry.DEFAULT_LOCK_WAIT);
    }

    /** Opens {@code db} as every command does: waiting up to {@code wait} for another process's lock, saying so on stderr. */
    public static Registry open(Path db, Registry.Access access, Duration wait) {
        return Registry.open(db, access, wait, System.err::println);
    }
}
