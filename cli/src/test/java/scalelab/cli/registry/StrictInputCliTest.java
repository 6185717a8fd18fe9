package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;

/** Hostile input to the registry commands: refused with file and line (or the option), exit 2, nothing stored. */
class StrictInputCliTest {
    @TempDir
    Path dir;

    @Test
    void importOfAFileListingARunTwiceNamesBothLinesAndStoresNothing() throws Exception {
        Path csv = dir.resolve("twice.csv");
        Files.writeString(csv, "name,params,tokens,loss\na,1e6,1e7,4.1\nb,2e6,5e6,4.0\na,1e6,1e7,4.1\n");
        Path db = dir.resolve("r.duckdb");
        Result r = run("runs", "import", csv.toString(), "--db", db.toString());
        // was: "imported 2 runs … (1 rows were already present …)", exit 0
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(csv + ":4: the same run as line 2"), r.err());
        assertFalse(Files.exists(db), "refused before the database was opened");
    }

    @Test
    void anImplausibleMeasuredLossIsRefusedBeforeTheLedgerIsTouched() {
        Path db = dir.resolve("r.duckdb");
        for (String loss : new String[] {"1e-300", "5e3", "0"}) {
            Result r = run("check", "--prediction", "1", "--loss", loss, "--db", db.toString());
            assertEquals(2, r.exit(), r.out());
            assertTrue(r.err().contains("--loss") && (r.err().contains("not plausible") || r.err().contains("finite positive")), r.err());
        }
        assertFalse(Files.exists(db), "refused before the database was opened");
    }

    @Test
    void aCsvValueOf1e300IsReportedWithFileLineAndColumn() throws Exception {
        Path csv = dir.resolve("big.csv");
        Files.writeString(csv, "params,tokens,loss\n1e8,2e9,3.1\n1e300,2e9,3.0\n2e8,1e9,3.2\n");
        Result fit = run("fit", csv.toString());
        // was: "flops must be a finite positive number, got Infinity", no file or line
        assertEquals(2, fit.exit(), fit.out());
        assertTrue(fit.err().contains(csv + ":3: column 'params': params of 1.0E300 is out of range"), fit.err());
    }
}
