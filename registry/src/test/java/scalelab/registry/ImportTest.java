package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.RunTable;
import scalelab.registry.io.RunTableReader;

class ImportTest {
    @TempDir
    Path dir;

    private static final String GOOD = """
            name,params,tokens,budget,loss,architecture,hyperparameters
            a,1e6,1e7,6e13,4.1,dense,"{""lr"": 0.001}"
            b,2e6,5e6,6e13,4.0,moe,
            c,4e6,2.5e6,6e13,4.2,,
            """;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void importsRealPublishedData() {
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            RunTable table = RunTableReader.read(csv);
            Registry.ImportResult res = r.importRuns(table, "chinchilla");
            assertEquals(table.rows().size(), res.runsAdded());
            assertEquals(table.rows().size(), r.observations("chinchilla").size());
            // Budgets from the file become the observation groups.
            assertEquals(table.observations().stream().map(o -> Registry.budgetLabel(o.flops())).distinct().sorted().toList(),
                    r.observations("chinchilla").stream().map(o -> o.group()).distinct().sorted().toList());
            assertTrue(r.ladders().contains("chinchilla"));
        }
    }

    @Test
    void optionalColumnsAreKept() throws Exception {
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            r.importRuns(RunTableReader.read(write("runs.csv", GOOD)), "lad");
            List<RunRecord> runs = r.runs("lad");
            assertEquals(List.of("a", "b", "c"), runs.stream().map(RunRecord::name).toList());
            assertEquals(List.of("dense", "moe", "dense"), runs.stream().map(RunRecord::architecture).toList());
            assertEquals("{\"lr\":0.001}", runs.get(0).hyperparametersJson());
            assertNull(runs.get(1).hyperparametersJson());
            assertEquals(RunStatus.FINISHED, runs.get(2).status());
            assertEquals(4.2, runs.get(2).finalLoss());
            assertEquals(6e13, runs.get(2).budgetFlops());
        }
    }

    @Test
    void jsonlImportMatchesCsvImport() throws Exception {
        Path jsonl = write("runs.jsonl", """
                {"name": "a", "params": 1e6, "tokens": 1e7, "budget": 6e13, "loss": 4.1, "architecture": "dense", "hyperparameters": {"lr": 0.001}}
                {"name": "b", "params": 2e6, "tokens": 5e6, "budget": 6e13, "loss": 4.0, "architecture": "moe"}
                {"name": "c", "params": 4e6, "tokens": 2.5e6, "budget": 6e13, "loss": 4.2}
                """);
        try (Registry a = Registry.open(dir.resolve("a.duckdb")); Registry b = Registry.open(dir.resolve("b.duckdb"))) {
            a.importRuns(RunTableReader.read(jsonl), "lad");
            b.importRuns(RunTableReader.read(write("runs.csv", GOOD)), "lad");
            assertEquals(b.observations("lad"), a.observations("lad"));
            assertEquals(b.runs("lad").stream().map(RunRecord::hyperparametersJson).toList(),
                    a.runs("lad").stream().map(RunRecord::hyperparametersJson).toList());
            assertEquals(List.of("dense", "moe", "dense"), a.runs("lad").stream().map(RunRecord::architecture).toList());
        }
    }

    @Test
    void duplicateImportAddsNothing() throws Exception {
        Path db = dir.resolve("i.duckdb");
        Path csv = write("runs.csv", GOOD);
        try (Registry r = Registry.open(db)) {
            assertEquals(3, r.importRuns(RunTableReader.read(csv), "lad").runsAdded());
            Registry.ImportResult again = r.importRuns(RunTableReader.read(csv), "lad");
            assertTrue(again.alreadyImported());
            assertEquals(0, again.runsAdded());
            assertEquals(3, r.runs(null).size());
            // Same runs in a different file (extra blank line, one new row): only the new row is added.
            Path more = write("more.csv", GOOD + "\nd,8e6,1.25e6,6e13,4.5,dense,\n");
            Registry.ImportResult overlap = r.importRuns(RunTableReader.read(more), "lad");
            assertEquals(1, overlap.runsAdded());
            assertEquals(3, overlap.runsPresent());
            assertEquals(4, r.runs(null).size());
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ';', value = {
            "bad number;    params,tokens,loss\\n1e6,1e7,4.1\\n2e6,abc,4.0;     3;tokens",
            "missing column;params,tokens\\n1e6,1e7\\n;                          1;loss",
            "NaN;           params,tokens,loss\\n1e6,1e7,4.1\\n2e6,5e6,NaN;     3;loss",
            "negative tokens;params,tokens,loss\\n1e6,1e7,4.1\\n2e6,-5e6,4.0;   3;tokens",
            "bad architecture;params,tokens,loss,architecture\\n1e6,1e7,4.1,dense\\n2e6,5e6,4.0,sparse;3;architecture",
            "hyperparameters not JSON;params,tokens,loss,hyperparameters\\n1e6,1e7,4.1,{lr: 1;2;hyperparameters"})
    void malformedFileFailsWithLocationAndStoresNothing(String what, String content, int line, String column) throws Exception {
        Path csv = write("bad.csv", content.replace("\\n", "\n"));
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            r.importRuns(RunTableReader.read(write("good.csv", GOOD)), "lad");
            InputFormatException e = assertThrows(InputFormatException.class, () -> r.importRuns(RunTableReader.read(csv), "lad"), what);
            assertTrue(e.getMessage().startsWith(csv + ":" + line + ": column '" + column + "'"), e.getMessage());
            assertEquals(line, e.line());
            assertEquals(column, e.column());
            assertEquals(3, r.runs(null).size(), "nothing from the bad file was stored");
        }
    }

    @ParameterizedTest(name = "{0}")
    // quoteCharacter '"': the expected problems quote values with '
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ';', quoteCharacter = '"', value = {
            "duplicate header;  params,tokens,loss, Loss\\n1e6,1e7,4.1,4.2;        1;loss;  duplicate column name: columns 3 and 4 are both named 'loss'",
            "1d;                params,tokens,loss\\n1e6,1e7,4.1\\n2e6,1d,4.0;     3;tokens;not a number: '1d'",
            "hex float;         params,tokens,loss\\n0x1p3,1e7,4.1;                2;params;not a number: '0x1p3'",
            "float suffix;      params,tokens,loss\\n1e6,1e7,4.1f;                 2;loss;  not a number: '4.1f'",
            "Infinity;          params,tokens,loss\\n1e6,1e7,4.1\\n2e6,5e6,Infinity;3;loss;  infinite value: 'Infinity'",
            "overflow;          params,tokens,loss\\n1e6,1e400,4.1;                2;tokens;infinite value: '1e400'",
            "zero value;        params,tokens,loss\\n1e6,1e7,4.1\\n2e6,0,4.0;      3;tokens;must be positive, got 0",
            "wrong field count; params,tokens,loss\\n1e6,1e7,4.1\\n2e6,5e6\\n;     3;;      expected 3 fields as in the header, found 2",
            "header only;       # a comment\\nparams,tokens,loss\\n;               2;;      no data rows after the header",
            "bad budget value;  params,tokens,budget,loss\\n1e6,1e7,6e13,4.1\\n2e6,5e6,6e13x,4.0;3;budget;not a number: '6e13x'",
            "zero budget;       params,tokens,budget,loss\\n1e6,1e7,0.0,4.1;       2;budget;must be positive, got 0.0"})
    void strictCsvNamesFileLineAndProblem(String what, String content, int line, String column, String problem) throws Exception {
        Path csv = write("bad.csv", content.strip().replace("\\n", "\n"));
        InputFormatException e = assertThrows(InputFormatException.class, () -> RunTableReader.read(csv), what);
        String where = csv + ":" + line + ": " + (column == null ? "" : "column '" + column + "': ");
        assertTrue(e.getMessage().startsWith(where + problem.strip()), e.getMessage());
        assertEquals(line, e.line());
        assertEquals(column, e.column());
    }

    @Test
    void emptyFileAndDuplicateJsonKeysAreRefused() throws Exception {
        Path empty = write("empty.csv", "");
        InputFormatException e = assertThrows(InputFormatException.class, () -> RunTableReader.read(empty));
        // no line to point at: the message names the file alone
        assertEquals(empty + ": empty file: expected a header row with columns params,tokens,loss", e.getMessage());
        assertEquals(0, e.line());

        Path jsonl = write("dup.jsonl", "{\"params\": 1e6, \"tokens\": 1e7, \"loss\": 4.1}\n"
                + "{\"params\": 2e6, \"tokens\": 5e6, \"loss\": 4.0, \"LOSS\": 3.9}\n");
        InputFormatException dup = assertThrows(InputFormatException.class, () -> RunTableReader.read(jsonl));
        assertTrue(dup.getMessage().startsWith(jsonl + ":2: column 'loss': duplicate key"), dup.getMessage());
    }

    @Test
    void failureMidImportRollsBackEverything() throws Exception {
        Path csv = DataDirectory.dataFile("fineweb-c4-isoflops.csv");
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            RunTable table = RunTableReader.read(csv);
            assertThrows(IllegalStateException.class, () -> r.importRuns(table, "fw", row -> {
                if (row == table.rows().size() - 1) {
                    throw new IllegalStateException("simulated failure before commit");
                }
            }));
            assertEquals(0, r.runs(null).size());
            assertTrue(r.ladders().isEmpty(), "not even the ladder row");
            assertEquals(table.rows().size(), r.importRuns(table, "fw").runsAdded(), "a retry imports everything");
        }
    }
}
