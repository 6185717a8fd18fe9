package scalelab.registry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.FitResult;
import scalelab.fitting.Vpnls;

/** Hostile run tables and fit files: each refused with file, line and problem, where the old readers accepted them. */
class StrictInputTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path write(String name, String text) throws Exception {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static InputFormatException refused(Path file, int line) {
        InputFormatException e = assertThrows(InputFormatException.class, () -> RunTableReader.read(file));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
        return e;
    }

    @Test
    void invalidUtf8IsRefusedNamingTheLineInsteadOfStoredAsReplacementCharacters() throws Exception {
        byte[] head = "name,params,tokens,loss\nok,1e6,1e7,4.1\nbad".getBytes(StandardCharsets.UTF_8);
        byte[] tail = ",2e6,5e6,4.0\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 1 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xE9; // Latin-1 'é', not UTF-8
        System.arraycopy(tail, 0, bytes, head.length + 1, tail.length);
        Path csv = write("latin1.csv", bytes);
        assertTrue(refused(csv, 3).getMessage().contains("not valid UTF-8 (bytes 0xE9"));

        Path jsonl = write("latin1.jsonl", ("{\"params\": 1e6, \"tokens\": 1e7, \"loss\": 4.1, \"name\": \"caf\u00e9\"}\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(refused(jsonl, 1).getMessage().contains("not valid UTF-8"));

        // a byte-order mark is not an error, and real UTF-8 names are kept as written
        Path bom = write("bom.csv", "\uFEFFname,params,tokens,loss\ncaf\u00e9,1e6,1e7,4.1\n");
        assertEquals("caf\u00e9", RunTableReader.read(bom).rows().get(0).name());
    }

    @Test
    void jsonlWithJunkAfterTheObjectOrAKeyTwiceIsRefusedNamingTheLine() throws Exception {
        Path junk = write("junk.jsonl", "{\"params\": 1e6, \"tokens\": 1e7, \"loss\": 4.1}\n"
                + "{\"params\": 2e6, \"tokens\": 5e6, \"loss\": 4.0} trailing\n");
        assertTrue(refused(junk, 2).getMessage().contains("text after the JSON object (from column 44)"));

        Path two = write("two.jsonl", "{\"params\": 1e6, \"tokens\": 1e7, \"loss\": 4.1}{\"params\": 2e6, \"tokens\": 5e6, \"loss\": 4.0}\n");
        assertTrue(refused(two, 1).getMessage().contains("text after the JSON object"));

        Path dup = write("dup.jsonl", "{\"params\": 1e6, \"tokens\": 1e7, \"loss\": 4.1}\n"
                + "{\"params\": 2e6, \"tokens\": 5e6, \"loss\": 4.0, \"loss\": 3.0}\n");
        assertTrue(refused(dup, 2).getMessage().contains("duplicate key 'loss'"));
    }

    @Test
    void absurdValuesAreRefusedWithFileLineAndColumnBeforeTheyOverflow() throws Exception {
        Path big = write("big.csv", "params,tokens,loss\n1e6,1e7,4.1\n1e300,1e7,4.0\n");
        InputFormatException e = refused(big, 3);
        assertEquals("params", e.column());
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());

        Path tokens = write("tokens.csv", "params,tokens,loss\n1e6,1e300,4.1\n");
        assertEquals("tokens", refused(tokens, 2).column());
        Path budget = write("budget.csv", "params,tokens,budget,loss\n1e6,1e7,1e300,4.1\n");
        assertEquals("budget", refused(budget, 2).column());

        Path tiny = write("tiny.csv", "params,tokens,loss\n1e6,1e7,4.1\n2e6,5e6,1e-300\n");
        InputFormatException loss = refused(tiny, 3);
        assertEquals("loss", loss.column());
        assertTrue(loss.getMessage().contains("not plausible"), loss.getMessage());
        Path huge = write("huge.csv", "params,tokens,loss\n1e6,1e7,4.1e4\n");
        assertEquals("loss", refused(huge, 2).column());

        // the bounds leave every published and simulated ladder alone
        assertEquals(1, RunTableReader.read(write("fine.csv", "params,tokens,budget,loss\n1.6e10,1.9e11,3e21,2.2\n")).rows().size());
    }

    @Test
    void theSameRunTwiceNamesBothLines() throws Exception {
        Path csv = write("twice.csv", "name,params,tokens,loss\na,1e6,1e7,4.1\nb,2e6,5e6,4.0\n\na,1e6,1e7,4.1\n");
        RunTable table = RunTableReader.read(csv);
        InputFormatException e = assertThrows(InputFormatException.class, table::requireEachRunOnce);
        assertEquals(5, e.line());
        assertTrue(e.getMessage().startsWith(csv + ":5: the same run as line 2"), e.getMessage());

        // one column different is another run
        RunTableReader.read(write("distinct.csv", "name,params,tokens,loss\na,1e6,1e7,4.1\na,1e6,1e7,4.2\n")).requireEachRunOnce();
    }

    @Test
    void fitFileWithAKeyTwiceOrJunkAfterItIsRefused() throws Exception {
        FitResult fit = Vpnls.fit(RunTableReader.read(DataDirectory.dataFile(FitJsonTest.CHINCHILLA)).observations(), Vpnls.Options.defaults());
        String json = FitJson.write(fit).strip();
        assertEquals(fit.surface(), FitJson.read(write("fit.json", json)).surface());

        Path junk = write("junk.json", json + "\n}\n");
        InputFormatException j = assertThrows(InputFormatException.class, () -> FitJson.read(junk));
        assertTrue(j.getMessage().startsWith(junk + ":"), j.getMessage());

        Path twice = write("twice.json", json.replaceFirst("\\{", "{\n  \"method\" : \"approach3\","));
        InputFormatException t = assertThrows(InputFormatException.class, () -> FitJson.read(twice));
        assertTrue(t.getMessage().contains("Duplicate field 'method'") && t.line() > 0, t.getMessage());
    }

    @Test
    void aPublicLedgerCopyWithAKeyTwiceOrJunkAfterItIsRefused() {
        String empty = "{\"format\": \"scalelab-ledger-export-v2\", \"public_keys\": [], \"ledger\": []}";
        assertEquals(0, scalelab.registry.LedgerExport.parse(empty, true).entries().size());
        // the last "ledger" used to win: a copy could show one list of entries and be checked against another
        String twice = empty.replace("\"ledger\": []", "\"ledger\": [{}], \"ledger\": []");
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> scalelab.registry.LedgerExport.parse(twice, true));
        assertTrue(t.getMessage().contains("Duplicate field 'ledger'"), t.getMessage());
        assertThrows(IllegalArgumentException.class, () -> scalelab.registry.LedgerExport.parse(empty + " junk", true));
    }
}
