package scalelab.cli.fit;

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
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.MoeTarget;
import scalelab.fitting.moe.SyntheticMoeLadder;

/** An MoE ladder trained elsewhere, as a CSV with expert columns, forecast directly. */
class MoeForecastCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Dense Chinchilla-like surface; E experts act as E^0.3 times the active parameters. */
    static double law(MoeTarget t) {
        double n = t.activeParams() * Math.pow(t.experts(), 0.3);
        return 1.8 + 400 * Math.pow(n, -0.34) + 400 * Math.pow(t.tokens(), -0.28);
    }

    static Path ladderCsv(Path dir) throws Exception {
        return ladderCsv(dir, 1);
    }

    /** The ladder with budget labels {@code labelFactor}·6·N_act·D (a lab counting attention, say). */
    static Path ladderCsv(Path dir, double labelFactor) throws Exception {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 8}, 2, new double[] {1.0},
                MoeForecastCommandTest::law, 0.002, 5);
        StringBuilder sb = new StringBuilder("params,tokens,budget,loss,experts,top_k,granularity,total_params\n");
        for (MoeObservation o : runs) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s,%s,%s%n", o.activeParams(), o.tokens(), labelFactor * o.flops(), o.loss(),
                    o.isDense() ? "" : Integer.toString(o.experts()), o.isDense() ? "" : Integer.toString(o.topK()),
                    o.isDense() ? "" : Double.toString(o.granularity()), o.totalParams()));
        }
        Path f = dir.resolve("moe-ladder-" + labelFactor + ".csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void forecastsAnMoeTargetFromExpertColumns(@TempDir Path tmp) throws Exception {
        Path csv = ladderCsv(tmp);
        double n = 3e5, d = 3e18 / (6 * n); // 3e18 active FLOPs: 10× the ladder's largest budget
        MoeTarget target = new MoeTarget(8, 2, 1.0, n, d);
        CliRun.Result r = CliRun.run("forecast", csv.toString(), "--target",
                String.format(Locale.ROOT, "moe:experts=8,top_k=2,active=%s,tokens=%s", n, d), "--bootstrap-samples", "40", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode f = JSON.readTree(r.out());
        double truth = law(target);
        assertTrue(f.get("method").asText().startsWith("moe: "), f.get("method").asText());
        assertEquals(truth, f.get("loss").asDouble(), 0.03 * truth, "forecast of a lightly noisy synthetic MoE ladder");
        assertTrue(f.get("lo").asDouble() <= truth && truth <= f.get("hi").asDouble(), "interval covers the truth: " + r.out());
        assertEquals(10, f.get("ratio").asDouble(), 1e-6);
        assertTrue(f.get("panel").size() >= 2, "the MoE laws side by side");
        assertTrue(f.get("leave_one_out").size() >= 3);

        // labels that count 1.4·6·N_act·D: the target's compute is counted alike, so it lies as far beyond the ladder
        CliRun.Result own = CliRun.run("forecast", ladderCsv(tmp, 1.4).toString(), "--target",
                String.format(Locale.ROOT, "moe:experts=8,top_k=2,active=%s,tokens=%s", n, d), "--bootstrap-samples", "40", "--format", "json");
        assertEquals(0, own.exit(), own.err());
        JsonNode g = JSON.readTree(own.out());
        assertEquals(10, g.get("ratio").asDouble(), 1e-6);
        assertEquals(1.4 * 3e18, g.get("compute").asDouble(), 1e-6 * 4.2e18);
        assertEquals(f.get("loss").asDouble(), g.get("loss").asDouble(), 1e-9, "the loss at N_act and D does not depend on labels");
    }

    @Test
    void backtestsAnMoeCsvRunByRunAndRefusesToTreatItAsDense(@TempDir Path tmp) throws Exception {
        Path csv = ladderCsv(tmp);
        CliRun.Result r = CliRun.run("backtest", csv.toString(), "--held-out", "runs", "--bootstrap-samples", "20", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = JSON.readTree(r.out());
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 8}, 2, new double[] {1.0},
                MoeForecastCommandTest::law, 0.002, 5);
        double[] budgets = runs.stream().mapToDouble(MoeObservation::flops).distinct().sorted().toArray();
        long expected = 0; // cuts after 2 … k−1 budgets (default --min-budgets 2), every run of a larger budget held out
        for (int j = 1; j < budgets.length - 1; j++) {
            double cut = budgets[j];
            expected += runs.stream().filter(o -> o.flops() > cut).count();
        }
        assertEquals(expected, list.size());
        int moeRows = 0, inside = 0;
        for (JsonNode e : list) {
            assertEquals("forecaster", e.get("method").asText());
            double p = e.get("predicted").asDouble(), o = e.get("observed").asDouble();
            assertEquals(100 * (p - o) / o, e.get("relative_error_pct").asDouble(), 1e-9);
            assertTrue(Math.abs(p - o) / o < 0.03, "a lightly noisy synthetic MoE ladder forecasts its larger runs: " + e);
            assertTrue(e.get("target_budget").asDouble() > e.get("cut").asDouble());
            assertTrue(e.has("params") && e.has("tokens") && e.has("experts") && e.has("top_k"), e.toString());
            moeRows += e.get("experts").asInt() > 1 ? 1 : 0;
            inside += e.get("covered").asBoolean() ? 1 : 0;
        }
        assertTrue(moeRows > 0 && moeRows < list.size(), "MoE and dense runs held out alike");
        assertTrue(inside >= 0.8 * list.size(), inside + " of " + list.size() + " inside their intervals");
        // The dense modes would fit experts as if they were dense parameters: refused, naming the fix.
        CliRun.Result dense = CliRun.run("backtest", csv.toString());
        assertEquals(2, dense.exit());
        assertTrue(dense.err().contains("MoE rows") && dense.err().contains("--held-out runs"), dense.err());
        CliRun.Result method = CliRun.run("backtest", csv.toString(), "--held-out", "runs", "--method", "vpnls-mse");
        assertEquals(2, method.exit());
        assertTrue(method.err().contains("--method all"), method.err());
    }

    @Test
    void aBadExpertCountNamesItsLine(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("bad.csv");
        Files.writeString(csv, "params,tokens,budget,loss,experts,top_k\n1e5,1e8,6e13,3.1,,\n2e5,5e7,6e13,3.0,4.5,2\n");
        CliRun.Result r = CliRun.run("forecast", csv.toString(), "--target", "moe:experts=4,top_k=2,active=1e6,tokens=1e9");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(":3") && r.err().contains("experts"), r.err());
    }
}
