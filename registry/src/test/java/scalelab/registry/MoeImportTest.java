package scalelab.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.RunTableReader;

/** `runs import` of MoE rows: the expert columns validated at the edge, stored with each run, and exported back. */
class MoeImportTest {
    @TempDir
    Path dir;

    private static final String HEADER = "name,params,tokens,budget,loss,experts,top_k,granularity,balance,total_params\n";
    private static final String LADDER = HEADER
            + "d1,1e6,1e7,6e13,4.1,,,,,\n"
            + "d2,2e6,5e6,6e13,4.0,1,1,1,,\n"
            + "m1,1e6,1e7,6e13,3.9,8,2,,,5e6\n"
            + "m2,1e6,1e7,6e13,3.8,16,1,4,sinkhorn,9e6\n";

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void moeColumnsAreStoredWithEachRunAndExportedBack() throws Exception {
        Path db = dir.resolve("i.duckdb");
        Path exported = dir.resolve("out.csv");
        try (Registry r = Registry.open(db)) {
            r.importRuns(RunTableReader.read(write("ladder.csv", LADDER)), "lab");
            List<RunRecord> runs = r.runs("lab");
            assertEquals(List.of("dense", "dense", "moe", "moe"), runs.stream().map(RunRecord::architecture).toList());
            assertNull(runs.get(0).moe());
            assertNull(runs.get(1).moe(), "experts = 1 is a dense row");
            assertEquals(new MoeConfig(8, 2, 1.0, null), runs.get(2).moe(), "granularity defaults to 1, balance unrecorded");
            assertEquals(new MoeConfig(16, 1, 4.0, "sinkhorn"), runs.get(3).moe());
            assertEquals(9e6, runs.get(3).totalParams());
            assertEquals("moe-e16-k1-g4-sinkhorn", runs.get(3).moe().family());
            r.copyRunsTo(exported, "csv", "lab");
        }
        String csv = Files.readString(exported);
        assertTrue(csv.lines().findFirst().orElseThrow().contains("experts,top_k,granularity,balance"), csv);
        // The export is a runs file: imported into another registry, the same configurations come back.
        try (Registry again = Registry.open(dir.resolve("j.duckdb"))) {
            again.importRuns(RunTableReader.read(exported), "copy");
            List<RunRecord> copy = again.runs("copy");
            try (Registry r = Registry.open(db)) {
                assertEquals(r.runs("lab").stream().map(RunRecord::moe).toList(), copy.stream().map(RunRecord::moe).toList());
                assertEquals(r.runs("lab").stream().map(RunRecord::architecture).toList(),
                        copy.stream().map(RunRecord::architecture).toList());
                assertEquals(r.runs("lab").stream().map(RunRecord::totalParams).toList(),
                        copy.stream().map(RunRecord::totalParams).toList());
            }
        }
    }

    @Test
    void jsonlRowsCarryTheSameColumns() throws Exception {
        Path file = write("ladder.jsonl", "{\"params\": 1e6, \"tokens\": 1e7, \"budget\": 6e13, \"loss\": 4.1}\n"
                + "{\"params\": 1e6, \"tokens\": 1e7, \"budget\": 6e13, \"loss\": 3.9, \"experts\": 8, \"top_k\": 2,"
                + " \"granularity\": 2, \"balance\": \"aux\", \"total_params\": 4e6}\n");
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            r.importRuns(RunTableReader.read(file), "lab");
            assertEquals(java.util.Arrays.asList(null, new MoeConfig(8, 2, 2.0, "aux")),
                    r.runs("lab").stream().map(RunRecord::moe).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "experts not whole   | m,1e6,1e7,6e13,3.9,4.5,2,,,              | experts     | whole number",
            "experts zero        | m,1e6,1e7,6e13,3.9,0,1,,,                | experts     | positive",
            "experts not numeric | m,1e6,1e7,6e13,3.9,many,1,,,             | experts     | not a number",
            "top_k missing       | m,1e6,1e7,6e13,3.9,8,,,,                 | top_k       | needs top_k",
            "top_k above experts | m,1e6,1e7,6e13,3.9,8,9,,,                | top_k       | [1, experts = 8]",
            "top_k not whole     | m,1e6,1e7,6e13,3.9,8,1.5,,,              | top_k       | whole number",
            "granularity zero    | m,1e6,1e7,6e13,3.9,8,2,0,,               | granularity | positive",
            "granularity NaN     | m,1e6,1e7,6e13,3.9,8,2,NaN,,             | granularity | NaN",
            "dense with top_k    | d,1e6,1e7,6e13,3.9,,2,,,                 | top_k       | a dense row (no experts) takes no top_k",
            "dense with G        | d,1e6,1e7,6e13,3.9,1,1,2,,               | granularity | a dense row (experts = 1) takes no granularity",
            "dense with balance  | d,1e6,1e7,6e13,3.9,,,,aux,               | balance     | a dense row (no experts) takes no balance",
            "bad balance name    | m,1e6,1e7,6e13,3.9,8,2,,aux loss,        | balance     | lower-case name",
            "total below active  | m,1e6,1e7,6e13,3.9,8,2,,,5e5             | total_params| at least params"})
    void badMoeCellsAreRefusedNamingFileLineAndColumnAndNothingIsStored(String label, String row, String column, String problem)
            throws Exception {
        Path file = write("bad.csv", HEADER + "ok,1e6,1e7,6e13,4.1,,,,,\n" + row + "\n");
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            InputFormatException e = assertThrows(InputFormatException.class,
                    () -> r.importRuns(RunTableReader.read(file), "lab"));
            assertEquals(file, e.file());
            assertEquals(3, e.line(), e.getMessage());
            assertEquals(column.strip(), e.column(), e.getMessage());
            assertTrue(e.getMessage().startsWith(file + ":3: column '" + column.strip() + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(problem.strip()), e.getMessage());
            assertTrue(r.runs(null).isEmpty(), "all or nothing: the good row was not stored either");
        }
    }

    @Test
    void anArchitectureColumnThatContradictsTheExpertsIsRefused() throws Exception {
        Path file = write("arch.csv", "params,tokens,budget,loss,architecture,experts,top_k\n1e6,1e7,6e13,3.9,dense,8,2\n");
        try (Registry r = Registry.open(dir.resolve("i.duckdb"))) {
            InputFormatException e = assertThrows(InputFormatException.class, () -> r.importRuns(RunTableReader.read(file), "lab"));
            assertEquals(2, e.line());
            assertEquals("architecture", e.column());
            assertTrue(e.getMessage().contains("says dense, but the row has 8 experts"), e.getMessage());
        }
    }

    /**
     * A version-3 database holding MoE runs scalelab trained (their run spec JSON) and an imported one: the upgrade
     * fills the trained runs' expert configuration from their specs; the imported one has none to read.
     */
    @Test
    void theUpgradeFillsTrainedRunsConfigurationFromTheirSpecs() throws Exception {
        Path db = dir.resolve("v3.duckdb");
        String spec = "{\"name\":\"m\",\"model\":{\"vocabSize\":256,\"dModel\":64,\"layers\":2,\"heads\":4,\"dFf\":256,"
                + "\"seqLen\":64,\"experts\":4,\"topK\":2,\"dExpert\":128,\"tiedEmbeddings\":false,\"learnedPositions\":false},"
                + "\"batchSize\":8,\"balance\":\"aux\"}";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)");
            for (Migrations.Migration m : Migrations.ALL.subList(0, 3)) {
                for (String stmt : m.statements()) {
                    s.execute(stmt);
                }
                s.execute("INSERT INTO schema_version VALUES (" + m.version() + ", 'v', now())");
            }
            String cols = "INSERT INTO runs (ladder, name, spec_hash, spec_json, architecture, params, total_params, tokens,"
                    + " budget_flops, planned_flops, status, final_loss, created_at, updated_at) VALUES ";
            s.execute(cols + "('l', 'trained', 'h1', '" + spec + "', 'moe', 1e6, 3e6, 1e7, 6e13, 6e13, 'FINISHED', 3.9, now(), now())");
            s.execute(cols + "('l', 'imported', 'h2', '{\"source\":\"import\"}', 'moe', 1e6, 3e6, 1e7, 6e13, 6e13, 'FINISHED', 3.8, now(), now())");
            s.execute(cols + "('l', 'dense', 'h3', '" + spec.replace("\"experts\":4", "\"experts\":1") + "', 'dense', 1e6, 1e6, 1e7,"
                    + " 6e13, 6e13, 'FINISHED', 4.0, now(), now())");
        }
        try (Registry r = Registry.open(db)) {
            assertEquals(Migrations.latestVersion(), r.schemaVersion());
            List<RunRecord> runs = r.runs("l");
            assertEquals(new MoeConfig(4, 2, 2.0, "aux"), runs.get(0).moe(), "granularity 4·64/128");
            assertNull(runs.get(1).moe());
            assertNull(runs.get(2).moe());
        }
    }
}
