package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.*;
import static scalelab.cli.CliRun.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.registry.LedgerKeys;

/** No command writes over the database it reads or over an existing file without --force; --db opens only DuckDB files. */
class SafeFilesCliTest {
    private static final String RUNS = "params,tokens,loss,budget\n1e6,1e7,4.1,6e13\n2e6,5e6,4.0,6e13\n4e6,2.5e6,4.2,6e13\n";

    @TempDir
    Path dir;

    private String keysBefore;

    @BeforeEach
    void keys() {
        keysBefore = System.getProperty(LedgerKeys.DIR_PROPERTY);
        System.setProperty(LedgerKeys.DIR_PROPERTY, dir.resolve("keys").toString());
    }

    @AfterEach
    void restore() {
        if (keysBefore == null) {
            System.clearProperty(LedgerKeys.DIR_PROPERTY);
        } else {
            System.setProperty(LedgerKeys.DIR_PROPERTY, keysBefore);
        }
    }

    private Path databaseWithRuns() throws Exception {
        Path csv = Files.writeString(dir.resolve("runs.csv"), RUNS);
        Path db = dir.resolve("scalelab.duckdb");
        Result imp = run("runs", "import", csv.toString(), "--db", db.toString());
        assertEquals(0, imp.exit(), imp.err());
        return db;
    }

    private static void assertIntact(Path db) {
        Result list = run("runs", "list", "--db", db.toString());
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().trim().endsWith("3 runs"), list.out());
    }

    @Test
    void exportsOntoTheDatabaseAreRefusedEvenWithForceAndTheDatabaseIsIntact() throws Exception {
        Path db = databaseWithRuns();
        byte[] before = Files.readAllBytes(db);
        for (String[] args : new String[][] {
                {"runs", "export", "--format", "parquet", "--out", db.toString(), "--db", db.toString()},
                {"runs", "export", "--format", "csv", "--out", db.toString(), "--db", db.toString(), "--force"},
                {"ledger", "export", "--out", db.toString(), "--db", db.toString()},
                {"ledger", "export", "--format", "json", "--out", db.toString(), "--db", db.toString(), "--force"}}) {
            Result r = run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.out());
            assertTrue(r.err().contains("it is the database " + db.toAbsolutePath()) && r.err().contains("nothing written"), r.err());
            assertArrayEquals(before, Files.readAllBytes(db), String.join(" ", args));
        }
        assertIntact(db);
    }

    @Test
    void existingFilesAreOverwrittenOnlyWithForce() throws Exception {
        Path db = databaseWithRuns();
        for (String cmd : new String[] {"runs", "ledger"}) {
            Path out = Files.writeString(dir.resolve(cmd + "-notes.txt"), "mine\n");
            String[] base = cmd.equals("runs") ? new String[] {"runs", "export", "--format", "csv"} : new String[] {"ledger", "export"};
            Result refused = run(concat(base, "--out", out.toString(), "--db", db.toString()));
            assertEquals(2, refused.exit(), refused.out());
            assertTrue(refused.err().contains(out + " already exists; nothing written: pass --force"), refused.err());
            assertEquals("mine\n", Files.readString(out));
            Result forced = run(concat(base, "--out", out.toString(), "--db", db.toString(), "--force"));
            assertEquals(0, forced.exit(), forced.err());
            assertNotEquals("mine\n", Files.readString(out));
        }
        assertIntact(db);
    }

    @Test
    void aReportReplacesOnlyItsOwnFilesUnlessForced() throws Exception {
        String csv = scalelab.registry.io.DataDirectory.dataFile("chinchilla-isoflops.csv").toString();
        Path mine = Files.createDirectory(dir.resolve("mine"));
        Path page = Files.writeString(mine.resolve("report.html"), "<p>my own page</p>\n");
        Result refused = run("report", "--from-csv", csv, "--out", mine.toString());
        assertEquals(2, refused.exit(), refused.out());
        assertTrue(refused.err().contains("holds report.html, which scalelab did not write; nothing written"), refused.err());
        assertEquals("<p>my own page</p>\n", Files.readString(page));
        assertFalse(Files.exists(mine.resolve("report.md")));

        Result forced = run("report", "--from-csv", csv, "--out", mine.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertTrue(Files.readString(page).contains(" by scalelab."));
        Result again = run("report", "--from-csv", csv, "--out", mine.toString());
        assertEquals(0, again.exit(), "a report scalelab wrote is refreshed without --force: " + again.err());

        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        assertEquals(2, run("report", "--from-csv", csv, "--out", file.toString(), "--force").exit());
        assertEquals("x", Files.readString(file));
    }

    @Test
    void dbMustBeADuckDbFileOrANewOne() throws Exception {
        Path csv = Files.writeString(dir.resolve("runs.csv"), RUNS);
        for (String name : new String[] {"notdb.csv", "notdb.json", "notdb.parquet"}) {
            Path notDb = Files.writeString(dir.resolve(name), RUNS);
            Result imp = run("runs", "import", csv.toString(), "--db", notDb.toString());
            assertEquals(2, imp.exit(), imp.out());
            assertFalse(imp.out().contains("imported"), imp.out());
            assertTrue(imp.err().contains("cannot open database " + notDb.toAbsolutePath() + ": not a DuckDB database"), imp.err());
            assertEquals(2, run("runs", "list", "--db", notDb.toString()).exit());
            assertEquals(RUNS, Files.readString(notDb), name + " untouched");
        }
        Result fresh = run("runs", "import", csv.toString(), "--db", dir.resolve("new.csv").toString());
        assertEquals(2, fresh.exit(), fresh.out());
        assertTrue(fresh.err().contains("refusing to create a new database named"), fresh.err());
        assertFalse(Files.exists(dir.resolve("new.csv")));
    }

    @Test
    void readersWorkOnAReadOnlyCopy() throws Exception {
        Path db = databaseWithRuns();
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path copy = Files.copy(db, ro.resolve("copy.duckdb"));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("r--r--r--"));
        boolean immutable = Files.isWritable(copy) && chattr("+i", copy);
        try {
            Assumptions.assumeFalse(Files.isWritable(copy), "cannot make a read-only file here (root without chattr)");
            assertEquals(2, run("runs", "import", dir.resolve("runs.csv").toString(), "--ladder", "x", "--db", copy.toString()).exit(),
                    "a writer is refused on the read-only copy");
            assertIntact(copy);
            Result verify = run("ledger", "verify", "--db", copy.toString());
            assertEquals(0, verify.exit(), verify.err() + verify.out());
            assertEquals(0, run("ledger", "export", "--db", copy.toString()).exit());
            Result csv = run("runs", "export", "--format", "csv", "--db", copy.toString());
            assertEquals(0, csv.exit(), csv.err());
            assertEquals(4, csv.out().trim().split("\n").length, csv.out());
        } finally {
            if (immutable) {
                chattr("-i", copy);
            }
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static boolean chattr(String flag, Path file) throws Exception {
        try {
            Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
