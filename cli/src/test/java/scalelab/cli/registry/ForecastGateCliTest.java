package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.fitting.LossSurface;
import scalelab.registry.FitRecord;
import scalelab.registry.LedgerKeys;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;

/** `predict` checks the ladder before filing: refuses a ladder that cannot support its target, records every verdict. */
class ForecastGateCliTest {
    @TempDir
    Path dir;

    private String before;

    @BeforeEach
    void keys() {
        before = System.getProperty(LedgerKeys.DIR_PROPERTY);
        System.setProperty(LedgerKeys.DIR_PROPERTY, dir.resolve("keys").toString());
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(LedgerKeys.DIR_PROPERTY);
        } else {
            System.setProperty(LedgerKeys.DIR_PROPERTY, before);
        }
    }

    private static final LossSurface CHINCHILLA = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);

    private String db() {
        return "--db=" + dir.resolve("gate.duckdb");
    }

    /** Finished runs on the Chinchilla surface at sizes {@code factors}·N*(C) of each budget, and a stored fit of them. */
    private void ladder(String name, double[] budgets, double[] factors) {
        try (Registry r = Registry.open(dir.resolve("gate.duckdb"))) {
            List<Long> ids = new ArrayList<>();
            for (double c : budgets) {
                for (double f : factors) {
                    double n = CHINCHILLA.optimalAt(c).params() * f, d = c / (6 * n);
                    long id = r.upsertRun(RunRecord.planned(name, name + "-" + c + "-" + f, name + c + f, "{}", "dense", n, n, d,
                            c, c, null, "x"));
                    r.finishRun(id, CHINCHILLA.loss(n, d), CHINCHILLA.loss(n, d), c, 1);
                    ids.add(id);
                }
            }
            r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", CHINCHILLA, 1e-4, "h", ids, name, "{}", List.of(), null));
        }
    }

    private List<Prediction> predictions() {
        try (Registry r = Registry.open(dir.resolve("gate.duckdb"))) {
            return r.predictions();
        }
    }

    @Test
    void aLadderWithoutInteriorMinimaIsRefusedAndForceFilesTheVerdict() throws Exception {
        // every size 8–32× above the optimum: loss rises with N across each budget
        ladder("edge", new double[] {1e19, 3e19, 1e20, 3e20}, new double[] {8, 16, 32});

        Result refused = run("predict", "--ladder", "edge", "--compute", "3e21", "--name", "far", db());
        assertEquals(2, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().contains("the quality gate refuses to file this forecast") && refused.err().contains("interior minima: 4 of 4 budgets"),
                refused.err());
        assertTrue(refused.out().contains("quality gate: refuse"), refused.out());
        assertTrue(predictions().isEmpty(), "nothing filed");

        Result dry = run("predict", "--ladder", "edge", "--compute", "3e21", "--name", "far", "--dry-run", db());
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().contains("would be refused (exit 2) unless --force"), dry.out());
        assertTrue(predictions().isEmpty(), "a dry run files nothing");

        Result forced = run("predict", "--ladder", "edge", "--compute", "3e21", "--name", "far", "--force", db());
        assertEquals(0, forced.exit(), forced.out() + forced.err());
        assertTrue(forced.out().contains("quality gate: refuse"), forced.out());
        Prediction p = predictions().get(0);
        assertTrue(p.intervalNote().contains("quality gate: refuse, filed anyway (--force)"), p.intervalNote());
        JsonNode gate = new ObjectMapper().readTree(p.forecast()).get("gate");
        assertEquals("refuse", gate.get("verdict").asText());
        assertTrue(gate.get("forced").asBoolean());
        assertEquals(4, gate.get("budgets_without_minimum").size());
        assertEquals(gate.get("lo").asDouble(), p.intervalLow(), 0.0, "the gate's interval is the one filed");
        assertEquals(gate.get("hi").asDouble(), p.intervalHigh(), 0.0);
    }

    @Test
    void aWellCentredLadderPassesTheGateAndItsVerdictIsFiled() throws Exception {
        ladder("centred", new double[] {1e19, 3e19, 1e20, 3e20, 1e21}, new double[] {0.25, 0.5, 1, 2, 4});

        Result filed = run("predict", "--ladder", "centred", "--compute", "1e22", "--name", "next", db());
        assertEquals(0, filed.exit(), filed.out() + filed.err());
        assertTrue(filed.out().contains("quality gate: pass"), filed.out());
        Prediction p = predictions().get(0);
        assertTrue(p.intervalNote().contains("quality gate: pass"), p.intervalNote());
        JsonNode forecast = new ObjectMapper().readTree(p.forecast());
        JsonNode gate = forecast.get("gate");
        assertEquals("pass", gate.get("verdict").asText());
        assertFalse(gate.get("forced").asBoolean());
        assertFalse(gate.get("widened").asBoolean());
        assertEquals(forecast.get("lo").asDouble(), p.intervalLow(), 0.0, "a passing forecast keeps the forecaster's interval");
        assertEquals(0, gate.get("budgets_without_minimum").size());
    }

    @Test
    void aRunTargetOnAnOverTrainedLadderIsFiledOnItsRunsBacktestNotRefused() throws Exception {
        // Gadre-like: six sizes at 20 and 80 tokens per parameter, a budget per run — no budget has a minimum
        try (Registry r = Registry.open(dir.resolve("gate.duckdb"))) {
            List<Long> ids = new ArrayList<>();
            for (double n = 1e7; n < 4e8; n *= 2) {
                for (double m : new double[] {20, 80}) {
                    double d = m * n, c = 6 * n * d;
                    long id = r.upsertRun(RunRecord.planned("over", "over-" + n + "-" + m, "over" + n + m, "{}", "dense", n, n, d,
                            c, c, null, "x"));
                    r.finishRun(id, CHINCHILLA.loss(n, d), CHINCHILLA.loss(n, d), c, 1);
                    ids.add(id);
                }
            }
            r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", CHINCHILLA, 1e-4, "h", ids, "over", "{}", List.of(), null));
        }
        double n = 1.28e9, d = 20 * n;
        Result filed = run("predict", "--ladder", "over", "--params", String.valueOf(n), "--tokens", String.valueOf(d),
                "--name", "big", db());
        assertEquals(0, filed.exit(), filed.out() + filed.err());
        assertTrue(filed.out().contains("judged on the runs backtest"), filed.out());
        assertFalse(filed.out().contains("quality gate: refuse"), filed.out());
        Prediction p = predictions().get(0);
        JsonNode gate = new ObjectMapper().readTree(p.forecast()).get("gate");
        assertEquals("caveat", gate.get("checks").get(0).get("verdict").asText(), gate.toString());
        double truth = CHINCHILLA.loss(n, d);
        assertTrue(p.intervalLow() <= truth && truth <= p.intervalHigh(), truth + " in " + p.intervalLow() + "–" + p.intervalHigh());
    }
}
