package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun;
import scalelab.fitting.Units;
import scalelab.fitting.moe.JointMoeLaw;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.SyntheticMoeLadder;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;

/**
 * A routed-MoE ladder trained elsewhere: imported with its expert columns, then forecast and preregistered from the
 * registry (no run specs), and exported back with the same columns.
 */
class ImportedMoeLadderCliTest {
    private static final JointMoeLaw LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);
    private static final String TARGET = "moe:experts=16,top_k=2,active=3e8,tokens=5e9";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path ladderCsv() throws Exception {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 16}, 2, new double[] {1.0},
                t -> LAW.loss(t.activeParams(), t.tokens(), t.experts()), 0.002, 3);
        StringBuilder sb = new StringBuilder("name,params,tokens,budget,loss,experts,top_k,granularity,total_params\n");
        int i = 0;
        for (MoeObservation o : runs) {
            sb.append(String.format(Locale.ROOT, "run-%d,%s,%s,%s,%s,%s,%s,%s,%s%n", i++, o.activeParams(), o.tokens(), o.flops(),
                    o.loss(), o.isDense() ? "" : o.experts(), o.isDense() ? "" : o.topK(), o.isDense() ? "" : o.granularity(),
                    o.totalParams()));
        }
        Path f = dir.resolve("lab-moe.csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    private JsonNode forecast(String db, String ladder) throws Exception {
        CliRun.Result r = CliRun.run("forecast", "--db", db, "--ladder", ladder, "--target", TARGET, "--bootstrap", "40",
                "--format", "json");
        assertEquals(0, r.exit(), r.err() + r.out());
        return JSON.readTree(r.out());
    }

    @Test
    void anImportedMoeLadderIsForecastPredictedAndExportedBack() throws Exception {
        String db = dir.resolve("lab.duckdb").toString();
        CliRun.Result imported = CliRun.run("runs", "import", ladderCsv().toString(), "--ladder", "lab", "--db", db);
        assertEquals(0, imported.exit(), imported.err());
        double truth = LAW.loss(3e8, 5e9, 16);

        JsonNode f = forecast(db, "lab");
        assertTrue(f.get("method").asText().startsWith("moe: "), f.toString());
        assertEquals(truth, f.get("loss").asDouble(), 0.01 * truth, "forecast from the registry's rows");
        assertTrue(f.get("panel").size() >= 2 && f.get("leave_one_out").size() >= 3, f.toString());

        CliRun.Result p = CliRun.run("predict", "--db", db, "--ladder", "lab", "--target", TARGET, "--name", "lab-big",
                "--samples", "40");
        assertEquals(0, p.exit(), p.err() + p.out());
        assertTrue(p.out().contains("filed prediction 1: lab-big"), p.out());
        try (Registry reg = Registry.open(Path.of(db))) {
            Prediction filed = reg.prediction(1).orElseThrow();
            assertEquals("moe", filed.kind());
            assertEquals(3e8, filed.params(), 0);
            assertEquals(truth, filed.predictedLoss(), 0.01 * truth);
            assertTrue(filed.method().startsWith("forecaster: moe: "), filed.method());
            assertTrue(reg.verifyLedger().intact(), reg.verifyLedger().toString());
        }

        // runs export writes the MoE columns back: its CSV, imported as another ladder, forecasts the same number.
        Path out = dir.resolve("export.csv");
        CliRun.Result exported = CliRun.run("runs", "export", "--db", db, "--ladder", "lab", "--format", "csv", "--out", out.toString());
        assertEquals(0, exported.exit(), exported.err());
        String header = Files.readAllLines(out).get(0);
        assertTrue(header.contains("experts,top_k,granularity,balance"), header);
        CliRun.Result again = CliRun.run("runs", "import", out.toString(), "--ladder", "copy", "--db", db);
        assertEquals(0, again.exit(), again.err());
        assertEquals(f.get("loss").asDouble(), forecast(db, "copy").get("loss").asDouble(), 0, "the round trip keeps every column");
    }

    @Test
    void badMoeCellsAreRefusedNamingFileLineAndColumn() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "params,tokens,budget,loss,experts,top_k\n1e6,1e7,6e13,4.1,,\n1e6,1e7,6e13,3.9,8,12\n");
        String db = dir.resolve("lab.duckdb").toString();
        CliRun.Result r = CliRun.run("runs", "import", bad.toString(), "--ladder", "lab", "--db", db);
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains(bad + ":3: column 'top_k': must lie in [1, experts = 8], got 12"), r.err());
        CliRun.Result f = CliRun.run("forecast", bad.toString(), "--target", TARGET);
        assertEquals(2, f.exit(), f.out());
        assertTrue(f.err().contains(bad + ":3: column 'top_k'"), "forecast on the file reads the columns the same way: " + f.err());
    }
}
