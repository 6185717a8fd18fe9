package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only a DuckDB file (or a new one) opens as a registry, and an export never lands on the database it reads. */
class DatabaseFileTest {
    @TempDir
    Path dir;

    @Test
    void dataFilesAreRefusedWhateverTheirNameAndLeftUnchanged() throws Exception {
        String csv = "params,tokens,loss\n1e6,1e7,4.1\n2e6,2e7,3.9\n4e6,4e7,3.7\n";
        for (String name : new String[] {"notdb.csv", "notdb.json", "notdb.parquet", "notdb.duckdb", "empty.duckdb"}) {
            Path f = dir.resolve(name);
            Files.writeString(f, name.startsWith("empty") ? "" : csv);
            for (Registry.Access access : Registry.Access.values()) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> Registry.open(f, access, Duration.ZERO), name);
                assertTrue(e.getMessage().startsWith("cannot open database " + f.toAbsolutePath() + ": not a DuckDB database"), e.getMessage());
            }
            assertEquals(name.startsWith("empty") ? "" : csv, Files.readString(f), name + " untouched");
        }
    }

    @Test
    void aNewDatabaseNamedLikeADataFileIsRefusedAndNotCreated() {
        for (String name : new String[] {"runs.csv", "runs.jsonl", "runs.PARQUET"}) {
            Path f = dir.resolve(name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Registry.open(f));
            assertTrue(e.getMessage().contains("refusing to create a new database named"), e.getMessage());
            assertFalse(Files.exists(f));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Registry.open(dir.resolve("missing.duckdb"), Registry.Access.READ_ONLY, Duration.ZERO));
        assertTrue(e.getMessage().contains("no registry database at"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("missing.duckdb")), "a reader creates nothing");
    }

    @Test
    void aDuckDbFileOpensByItsHeaderWhateverItsName() throws Exception {
        Path db = dir.resolve("made.duckdb");
        try (Registry r = Registry.open(db)) {
            r.upsertLadder("kept", "budgets: [1e18]");
        }
        Path renamed = Files.move(db, dir.resolve("registry.backup"));
        try (Registry r = Registry.open(renamed)) {
            assertEquals("budgets: [1e18]", r.ladderSpec("kept").orElseThrow());
        }
    }

    @Test
    void anExportOntoTheDatabaseItReadsIsRefusedAndTheDatabaseIntact() throws Exception {
        Path db = dir.resolve("own.duckdb");
        try (Registry r = Registry.open(db)) {
            r.upsertRun(RegistryTest.plannedRun("l", "r1", 1e6, 1e7, 6e13));
            for (String format : new String[] {"parquet", "csv"}) {
                for (Path out : new Path[] {db, dir.resolve("sub/../own.duckdb"), dir.resolve("own.duckdb.wal")}) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.copyRunsTo(out, format, null));
                    assertTrue(e.getMessage().contains("it is the database being read"), e.getMessage());
                }
            }
        }
        try (Registry r = Registry.open(db)) {
            assertEquals(1, r.runs(null).size(), "the database still opens with its run");
        }
    }
}
