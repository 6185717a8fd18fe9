package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.RunTableReader;

/** Two real processes on one database file: a clear lock error, and all-or-none imports across a crash. */
class ConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void secondProcessGetsLockedErrorWithPid() throws Exception {
        Path db = dir.resolve("shared.duckdb");
        try (Registry r = Registry.open(db)) {
            r.upsertLadder("kept", "budgets: [1e18]");
        }
        Process holder = RegistryChild.start("hold", db.toString());
        try {
            RegistryChild.await(holder, "READY");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Registry.open(db));
            assertTrue(e.getMessage().contains("is locked by PID " + holder.pid()), e.getMessage());
            assertTrue(e.getMessage().contains(db.toAbsolutePath().toString()), e.getMessage());
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, holder.exitValue());
        try (Registry r = Registry.open(db)) {
            assertEquals("budgets: [1e18]", r.ladderSpec("kept").orElseThrow(), "the refused open changed nothing");
        }
    }

    @Test
    void processKilledMidImportLeavesNothing() throws Exception {
        Path db = dir.resolve("crash.duckdb");
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        Process child = RegistryChild.start("import-and-hang", db.toString(), csv.toString());
        try {
            RegistryChild.await(child, "MID");
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(Files.exists(db));
        try (Registry r = Registry.open(db)) {
            assertEquals(0, r.runs(null).size(), "the killed import stored none of its rows");
            // ...and the same file imports cleanly afterwards: the crash left no import record behind.
            Registry.ImportResult res = r.importRuns(RunTableReader.read(csv), "crash");
            assertFalse(res.alreadyImported());
            assertEquals(res.rowsRead(), r.runs("crash").size());
        }
    }
}
