package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import scalelab.cli.Main;
import scalelab.fitting.Units;
import scalelab.fitting.moe.JointMoeLaw;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.SyntheticMoeLadder;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.training.ModelConfig;
import scalelab.training.RunRegistration;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;

/** {@code scalelab predict --target moe:…} on a registry holding a synthetic dense + MoE ladder (finished runs). */
class PredictMoeCommandTest {
    private static final JointMoeLaw LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);

    @TempDir
    Path dir;

    private String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    private void fill(Path db) {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 16}, 2, new double[] {1.0},
                t -> LAW.loss(t.activeParams(), t.tokens(), t.experts()), 0.002, 3);
        try (Registry r = Registry.open(db)) {
            int i = 0;
            for (MoeObservation o : runs) {
                ModelConfig model = o.isDense() ? ModelConfig.dense(256, 64, 2, 4, 64)
                        : ModelConfig.moe(256, 64, 2, 4, 64, o.experts(), o.topK(), 1);
                RunSpec s = new RunSpec("run-" + i, model, 8, ++i, 1e-3, 0.1, 0.05, "cosine", 1.0, 1, "default", "byte",
                        o.flops(), o.isDense() ? "none" : "quantile", 0, 0);
                long id = r.upsertRun(RunRecord.planned("syn", s.name(), s.specHash(), RunSpecYaml.toJson(s),
                        o.isDense() ? "dense" : "moe", o.activeParams(), o.totalParams(), o.tokens(), o.flops(), o.flops(),
                        null, "test").withMoe(RunRegistration.moeConfig(s)));
                r.finishRun(id, o.loss(), o.loss(), o.flops(), 1.0);
            }
        }
    }

    @Test
    void filesAnMoePredictionFromTheLaddersRuns() {
        Path db = dir.resolve("moe.duckdb");
        fill(db);
        String[] r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target",
                "moe:experts=16,top_k=2,active=3e8,tokens=5e9", "--name", "big-moe", "--bootstrap-samples", "40");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("supported: "), r[1]);
        assertTrue(r[1].contains("filed prediction 1: big-moe"), r[1]);
        assertTrue(r[1].contains("quality gate: ") && r[1].contains("backtest at the largest ratio"), r[1]);
        try (Registry reg = Registry.open(db)) {
            Prediction p = reg.prediction(1).orElseThrow();
            assertEquals("moe", p.kind());
            assertEquals(3e8, p.params(), 0);
            assertEquals(5e9, p.tokens(), 0);
            assertEquals(6 * 3e8 * 5e9, p.compute(), 1);
            double truth = LAW.loss(3e8, 5e9, 16);
            assertEquals(truth, p.predictedLoss(), 0.01 * truth);
            assertTrue(p.intervalLow() < p.intervalHigh());
        }
    }

    @Test
    void theQualityGateIsPrintedAndAFarTargetIsRefusedUnlessForced() {
        Path db = dir.resolve("moe.duckdb");
        fill(db);
        String far = "moe:experts=16,top_k=2,active=1.118e9,tokens=2.236e10"; // 500× the largest budget (3e17)
        String[] r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", far, "--name", "far",
                "--bootstrap-samples", "40");
        assertEquals("2", r[0], r[2] + r[1]);
        assertTrue(r[2].contains("the quality gate refuses to file this forecast") && r[2].contains("nothing filed"), r[2]);
        assertTrue(r[1].contains("quality gate: refuse") && r[1].contains("over 10× past the largest backtest"), r[1]);
        try (Registry reg = Registry.open(db)) {
            assertTrue(reg.predictions().isEmpty(), "nothing filed");
            assertTrue(reg.fits(null).isEmpty(), "no orphan fit");
        }
        r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", far, "--name", "far",
                "--bootstrap-samples", "40", "--force");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("filed prediction 1: far") && r[1].contains("quality gate: refuse"), r[1]);
        try (Registry reg = Registry.open(db)) {
            assertTrue(reg.prediction(1).orElseThrow().intervalNote().contains("filed anyway (--force)"));
        }
    }

    @Test
    void aDryRunPrintsTheEntryAndStoresNothing() {
        Path db = dir.resolve("moe.duckdb");
        fill(db);
        String[] r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target",
                "moe:experts=16,top_k=2,active=3e8,tokens=5e9", "--name", "big-moe", "--bootstrap-samples", "40", "--dry-run");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("dry run: nothing filed") && r[1].contains("kind=moe")
                && r[1].contains("fit_id=(the id of its law fit, stored first on filing)")
                && r[1].contains("quality gate: "), r[1]);
        String far = "moe:experts=16,top_k=2,active=1.118e9,tokens=2.236e10";
        r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", far, "--bootstrap-samples", "40", "--dry-run");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("without --dry-run this would be refused (exit 2) unless --force"), r[1]);
        try (Registry reg = Registry.open(db)) {
            assertTrue(reg.predictions().isEmpty(), "nothing filed");
            assertTrue(reg.fits(null).isEmpty(), "no fit stored");
        }
        // the entry a dry run shows is the one filed: same point, interval and note
        String[] filed = run("predict", "--db", db.toString(), "--ladder", "syn", "--target",
                "moe:experts=16,top_k=2,active=3e8,tokens=5e9", "--name", "big-moe", "--bootstrap-samples", "40");
        assertEquals("0", filed[0], filed[2] + filed[1]);
        String[] dry = run("predict", "--db", db.toString(), "--ladder", "syn", "--target",
                "moe:experts=16,top_k=2,active=3e8,tokens=5e9", "--name", "big-moe", "--bootstrap-samples", "40", "--dry-run");
        try (Registry reg = Registry.open(db)) {
            Prediction p = reg.prediction(1).orElseThrow();
            assertTrue(dry[1].contains("predicted_loss=" + p.predictedLoss()) && dry[1].contains("interval_low=" + p.intervalLow())
                    && dry[1].contains("interval_note=" + p.intervalNote()), dry[1]);
        }
    }

    @Test
    void anMoePredictionTakesTheIntervalLevelAsADenseOneDoes() {
        Path db = dir.resolve("moe.duckdb");
        fill(db);
        String target = "moe:experts=16,top_k=2,active=3e8,tokens=5e9";
        String[] r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", target, "--name", "at-90",
                "--bootstrap-samples", "40");
        assertEquals("0", r[0], r[2] + r[1]);
        r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", target, "--name", "at-50",
                "--bootstrap-samples", "40", "--level", "0.5");
        assertEquals("0", r[0], r[2] + r[1]);
        try (Registry reg = Registry.open(db)) {
            Prediction p90 = reg.prediction(1).orElseThrow(), p50 = reg.prediction(2).orElseThrow();
            assertEquals(0.9, p90.intervalLevel(), 0);
            assertEquals(0.5, p50.intervalLevel(), 0);
            assertEquals(p90.predictedLoss(), p50.predictedLoss(), 0, "the level moves the interval, not the point");
            assertTrue(p50.intervalHigh() - p50.intervalLow() < p90.intervalHigh() - p90.intervalLow(),
                    p50.intervalLow() + ".." + p50.intervalHigh() + " vs " + p90.intervalLow() + ".." + p90.intervalHigh());
            assertTrue(p50.forecast().contains("\"level\":0.5"), p50.forecast());
        }
        r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", target, "--level", "1.5");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("level"), r[2]);
        r = run("predict", "--db", db.toString(), "--ladder", "syn", "--target", target, "--kind", "dense");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("drop --kind dense"), r[2]);
    }

    @Test
    void badTargetsAndMixedOptionsFailWithOneMessage() {
        Path db = dir.resolve("moe.duckdb");
        String[] r = run("predict", "--db", db.toString(), "--target", "moe:experts=8,top_k=2,active=1e8");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("tokens"), r[2]);
        r = run("predict", "--db", db.toString(), "--target", "moe:experts=8,top_k=2,active=1e8,tokens=1e9", "--params", "1e8");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("drop --fit"), r[2]);
    }
}
