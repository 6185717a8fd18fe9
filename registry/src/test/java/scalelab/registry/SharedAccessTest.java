package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers and writers in two real processes on one database file (DuckDB locks it across processes): readers share it
 * read-only, writers and readers wait for each other with backoff instead of failing, and a read-only copy reads.
 */
class SharedAccessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Path newDatabase(String name) {
        Path db = dir.resolve(name);
        try (Registry r = Registry.open(db)) {
            r.upsertLadder("kept", "budgets: [1e18]");
        }
        return db;
    }

    private static int stop(Process child) throws Exception {
        child.getOutputStream().close();
        String uses = RegistryChild.awaitPrefix(child, "USES ");
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
        return Integer.parseInt(uses.substring("USES ".length()));
    }

    @Test
    void readersShareTheDatabaseWhileAWriterIsKeptOut() throws Exception {
        Path db = newDatabase("shared.duckdb");
        Process reader = RegistryChild.start("hold-ro", db.toString());
        try {
            RegistryChild.await(reader, "READY");
            try (Registry r = Registry.open(db, Registry.Access.READ_ONLY, Duration.ZERO)) {
                assertEquals("budgets: [1e18]", r.ladderSpec("kept").orElseThrow(), "a second reader opens at once");
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Registry.open(db));
            assertTrue(e.getMessage().contains("is locked by PID " + reader.pid()), e.getMessage());
        } finally {
            reader.getOutputStream().close();
            assertTrue(reader.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aReaderInAProcessThatHoldsTheDatabaseForWritingSharesItsConnection() {
        Path db = newDatabase("inprocess.duckdb");
        try (Registry writer = Registry.open(db); Registry reader = Registry.open(db, Registry.Access.READ_ONLY, Duration.ZERO)) {
            writer.upsertLadder("new", "budgets: [1e19]");
            assertEquals("budgets: [1e19]", reader.ladderSpec("new").orElseThrow());
        }
    }

    @Test
    void aReaderUpgradesAnOldSchemaFirstAndRefusesANewerOne(@TempDir Path keys) throws Exception {
        Path db = dir.resolve("v2.duckdb");
        LedgerMigrationTest.writeVersion2Database(db);
        try (Registry r = Registry.open(db, new LedgerKeys(keys), Registry.Access.READ_ONLY, Duration.ZERO)) {
            assertEquals(Migrations.latestVersion(), r.schemaVersion(), "upgraded by a brief read-write open, then read");
            assertTrue(r.verifyLedger().intact());
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + db);
             java.sql.Statement s = c.createStatement()) {
            s.execute("INSERT INTO schema_version VALUES (999, 'future', now())");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Registry.open(db, new LedgerKeys(keys), Registry.Access.READ_ONLY, Duration.ZERO));
        assertTrue(e.getMessage().contains("schema version 999, newer than this scalelab understands"), e.getMessage());
    }

    @Test
    void writesWaitForAProcessThatKeepsReading() throws Exception {
        Path db = newDatabase("busy.duckdb");
        Process user = RegistryChild.start("use", db.toString(), "ro", "150");
        int uses;
        List<String> waits = new java.util.ArrayList<>();
        try {
            RegistryChild.await(user, "USING");
            // what a ladder run does as each run finishes: open, write, close
            for (int i = 0; i < 15; i++) {
                try (Registry r = Registry.open(db, Registry.Access.READ_WRITE, WAIT, waits::add)) {
                    r.upsertLadder("written-" + i, "i: " + i);
                }
            }
        } finally {
            uses = stop(user);
        }
        assertTrue(uses >= 2, "the other process used the database throughout: " + uses + " uses");
        assertFalse(waits.isEmpty(), "some write had to wait for the reader's lock");
        for (String w : waits) {
            assertTrue(w.contains("is locked by PID " + user.pid()) && w.endsWith("; waiting up to 30 s"), w);
        }
        try (Registry r = Registry.open(db)) {
            for (int i = 0; i < 15; i++) {
                assertEquals("i: " + i, r.ladderSpec("written-" + i).orElseThrow(), "write " + i + " stored");
            }
        }
    }

    @Test
    void readsWaitForAProcessThatKeepsWriting() throws Exception {
        Path db = newDatabase("written.duckdb");
        Process user = RegistryChild.start("use", db.toString(), "rw", "150");
        int uses;
        try {
            RegistryChild.await(user, "USING");
            for (int i = 0; i < 15; i++) {
                try (Registry r = Registry.open(db, Registry.Access.READ_ONLY, WAIT)) {
                    assertEquals("budgets: [1e18]", r.ladderSpec("kept").orElseThrow());
                }
            }
        } finally {
            uses = stop(user);
        }
        assertTrue(uses >= 2, "the writer held the database throughout: " + uses + " uses");
    }

    @Test
    void aReadOnlyCopyIsReadAndLeftByteForByteUnchanged() throws Exception {
        Path db = newDatabase("original.duckdb");
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path copy = Files.copy(db, ro.resolve("copy.duckdb"));
        byte[] before = Files.readAllBytes(copy);
        boolean immutable = makeReadOnly(copy, ro);
        try {
            Assumptions.assumeFalse(Files.isWritable(copy),
                    "cannot make a read-only file here (root without chattr): nothing to test");
            assertThrows(IllegalStateException.class, () -> Registry.open(copy), "a read-write open fails on a read-only copy");
            try (Registry r = Registry.open(copy, Registry.Access.READ_ONLY, Duration.ZERO)) {
                assertEquals("budgets: [1e18]", r.ladderSpec("kept").orElseThrow());
                assertEquals(List.of("kept"), r.ladders());
                assertTrue(r.verifyLedger().intact());
            }
            assertArrayEquals(before, Files.readAllBytes(copy));
            assertEquals(List.of(copy), Files.list(ro).toList(), "no write-ahead log or other file created");
        } finally {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", copy.toString()).inheritIO().start().waitFor();
            }
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** Read-only by permissions; for root, who ignores them, also immutable (chattr +i) when the file system allows. */
    private static boolean makeReadOnly(Path file, Path folder) throws Exception {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!Files.isWritable(file)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("chattr", "+i", file.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
