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

        // backtest: the registry ladder (--moe) and the file it came from give the same entries, MoE rows run by run
        CliRun.Result fromDb = CliRun.run("backtest", "--db", db, "--ladder", "lab", "--moe", "--held-out", "runs",
                "--bootstrap-samples", "20", "--format", "json");
        assertEquals(0, fromDb.exit(), fromDb.err());
        CliRun.Result fromFile = CliRun.run("backtest", ladderCsv().toString(), "--held-out", "runs", "--bootstrap-samples", "20",
                "--format", "json");
        assertEquals(0, fromFile.exit(), fromFile.err());
        JsonNode a = JSON.readTree(fromDb.out()), b = JSON.readTree(fromFile.out());
        assertEquals(a.size(), b.size());
        assertTrue(a.size() > 0);
        boolean sawMoe = false;
        for (int i = 0; i < a.size(); i++) {
            for (String k : new String[] {"cut", "params", "tokens", "experts", "observed"}) {
                assertEquals(b.get(i).get(k).asDouble(), a.get(i).get(k).asDouble(), 1e-9 * Math.abs(b.get(i).get(k).asDouble()), k);
            }
            assertEquals(b.get(i).get("predicted").asDouble(), a.get(i).get("predicted").asDouble(), 1e-6);
            sawMoe |= a.get(i).get("experts").asInt() == 16;
        }
        assertTrue(sawMoe, "16-expert runs held out and forecast");

        // --max-budget cuts the registry ladder as it cuts the file; --where is a file's column filter, refused here
        List<Double> budgets = Files.readAllLines(ladderCsv()).stream().skip(1).map(l -> Double.parseDouble(l.split(",")[3]))
                .distinct().sorted().toList();
        String cap = String.valueOf(budgets.get(budgets.size() - 2));
        CliRun.Result cutDb = CliRun.run("backtest", "--db", db, "--ladder", "lab", "--moe", "--held-out", "runs",
                "--max-budget", cap, "--bootstrap-samples", "20", "--format", "json");
        assertEquals(0, cutDb.exit(), cutDb.err());
        CliRun.Result cutFile = CliRun.run("backtest", ladderCsv().toString(), "--held-out", "runs", "--max-budget", cap,
                "--bootstrap-samples", "20", "--format", "json");
        assertEquals(0, cutFile.exit(), cutFile.err());
        JsonNode c = JSON.readTree(cutDb.out()), d = JSON.readTree(cutFile.out());
        assertEquals(d.size(), c.size());
        assertTrue(c.size() < a.size(), c.size() + " entries below the cap vs " + a.size());
        for (int i = 0; i < c.size(); i++) {
            assertEquals(d.get(i).get("predicted").asDouble(), c.get(i).get("predicted").asDouble(), 1e-6);
        }
        CliRun.Result where = CliRun.run("backtest", "--db", db, "--ladder", "lab", "--moe", "--where", "dataset=x");
        assertEquals(2, where.exit(), where.out());
        assertTrue(where.err().contains("--where applies to files only"), where.err());
    }

    @Test
    void granularityComesFromExpertAndFfnWidthsWhenALabRecordsThose() throws Exception {
        String db = dir.resolve("lab.duckdb").toString();
        Path widths = dir.resolve("widths.csv");
        Files.writeString(widths, "params,tokens,budget,loss,experts,top_k,expert_width,ffn_width\n"
                + "1e6,1e7,6e13,4.1,,,,\n1e6,1e7,6e13,3.9,8,2,256,1024\n");
        CliRun.Result ok = CliRun.run("runs", "import", widths.toString(), "--ladder", "w", "--db", db);
        assertEquals(0, ok.exit(), ok.err());
        CliRun.Result listed = CliRun.run("runs", "list", "--db", db, "--ladder", "w", "--format", "json");
        assertEquals(0, listed.exit(), listed.err());
        JsonNode runs = JSON.readTree(listed.out());
        boolean found = false;
        for (JsonNode r : runs) {
            if (r.has("experts") && r.get("experts").asInt() == 8) {
                assertEquals(4.0, r.get("granularity").asDouble(), 1e-12, "G = ffn_width / expert_width: " + r);
                found = true;
            }
        }
        assertTrue(found, listed.out());

        Path half = dir.resolve("half.csv");
        Files.writeString(half, "params,tokens,budget,loss,experts,top_k,expert_width\n1e6,1e7,6e13,3.9,8,2,256\n");
        CliRun.Result missing = CliRun.run("runs", "import", half.toString(), "--ladder", "h", "--db", db);
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains(half + ":2: column 'ffn_width'"), missing.err());
        Path both = dir.resolve("both.csv");
        Files.writeString(both, "params,tokens,budget,loss,experts,top_k,granularity,expert_width,ffn_width\n"
                + "1e6,1e7,6e13,3.9,8,2,2,256,1024\n");
        CliRun.Result disagree = CliRun.run("runs", "import", both.toString(), "--ladder", "b", "--db", db);
        assertEquals(2, disagree.exit());
        assertTrue(disagree.err().contains(both + ":2: column 'granularity'") && disagree.err().contains("disagrees"), disagree.err());
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
