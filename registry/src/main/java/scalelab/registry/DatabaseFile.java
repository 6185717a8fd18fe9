package scalelab.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * What may be opened as a registry: an existing DuckDB file (recognised by its header, whatever its name), or a new
 * file for a new database. DuckDB itself opens a CSV or Parquet file as an empty in-memory database, so a mistyped
 * {@code --db runs.csv} would "work" and store nothing; this refuses it before DuckDB sees it.
 */
final class DatabaseFile {
    /** A DuckDB file starts with an 8-byte checksum, then the magic bytes "DUCK". */
    private static final byte[] MAGIC = "DUCK".getBytes(StandardCharsets.US_ASCII);
    private static final int MAGIC_OFFSET = 8;
    /** Names of data files, never of a new database: creating one would hide the mistake. */
    private static final Set<String> DATA_EXTENSIONS = Set.of("csv", "tsv", "json", "jsonl", "ndjson", "parquet", "yaml", "yml", "txt");

    private DatabaseFile() {
    }

    /** Refuses anything but a DuckDB file or, for writing, a new one; returns whether the file exists. */
    static boolean check(Path file, Registry.Access access) {
        if (Files.isDirectory(file)) {
            throw new IllegalStateException("cannot open database " + file + ": a directory, not a DuckDB database file");
        }
        if (!Files.exists(file)) {
            if (access == Registry.Access.READ_ONLY) {
                throw new IllegalArgumentException("no registry database at " + file + ": give --db FILE (or set $" + Registry.DB_ENV + ")");
            }
            String ext = extension(file);
            if (DATA_EXTENSIONS.contains(ext)) {
                throw new IllegalArgumentException("refusing to create a new database named " + file + ": a ." + ext
                        + " name is a data file's; give a .duckdb file (runs are loaded with `scalelab runs import FILE`)");
            }
            return false;
        }
        if (!isDuckDb(file)) {
            throw new IllegalStateException("cannot open database " + file + ": not a DuckDB database (its header is not DuckDB's);"
                    + " nothing read or written: --db takes a scalelab .duckdb file or a new file name (runs are loaded with"
                    + " `scalelab runs import FILE`)");
        }
        return true;
    }

    /** True if the file starts with DuckDB's header. */
    static boolean isDuckDb(Path file) {
        byte[] head = new byte[MAGIC_OFFSET + MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return false;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read database " + file + ": " + e.getMessage(), e);
        }
        return Arrays.equals(head, MAGIC_OFFSET, head.length, MAGIC, 0, MAGIC.length);
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
