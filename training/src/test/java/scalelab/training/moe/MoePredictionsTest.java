package scalelab.training.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.Units;
import scalelab.fitting.moe.JointMoeLaw;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.MoeTarget;
import scalelab.fitting.moe.SyntheticMoeLadder;
import scalelab.registry.FitRecord;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;

/**
 * A registry filled with a synthetic dense + MoE ladder from a known joint law (finished runs with realistic spec
 * JSON, aux-balanced copies of the MoE families with a different loss as decoys), and an MoE prediction filed from it.
 */
class MoePredictionsTest {
    static final JointMoeLaw TRUE_LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);

    private static RunSpec spec(MoeObservation o, String balance, int index) {
        // d = 64 and granularity 1: expert width 4·d / G = 256
        ModelConfig model = o.isDense() ? ModelConfig.dense(256, 64, 2, 4, 64)
                : ModelConfig.moe(256, 64, 2, 4, 64, o.experts(), o.topK(), 1);
        return new RunSpec(o.family() + "-" + index, model, 8, index + 1, 1e-3, 0.1, 0.05, "cosine", 1.0, 1, "default", "byte",
                o.flops(), o.isDense() ? "none" : balance, 0, "aux".equals(balance) ? 0.01 : 0);
    }

    private static void insert(Registry registry, String ladder, MoeObservation o, String balance, double loss, int index) {
        RunSpec s = spec(o, balance, index);
        RunRecord planned = RunRecord.planned(ladder, s.name(), s.specHash(), RunSpecYaml.toJson(s),
                o.isDense() ? "dense" : "moe", o.activeParams(), o.totalParams(), o.tokens(), o.flops(), o.flops(), null, "test");
        long id = registry.upsertRun(planned);
        registry.finishRun(id, loss, loss, o.flops(), 1.0);
    }

    static void fill(Registry registry, String ladder) {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 8, 32}, 2, new double[] {1.0},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()), 0, 1);
        int index = 0;
        for (MoeObservation o : runs) {
            insert(registry, ladder, o, "quantile", o.loss(), index++);
            if (!o.isDense()) {
                insert(registry, ladder, o, "aux", o.loss() * 1.05, index++); // decoys: must not be pooled in
            }
        }
    }

    @Test
    void filesTheJointLawPredictionForAHeldOutMoeTarget(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            fill(registry, "synthetic");
            double c = 30 * 3e17;
            double n = Math.sqrt(c / 6 / 20);
            MoeTarget target = MoeTarget.parse("moe:experts=8,top_k=2,active=" + n + ",tokens=" + c / (6 * n));
            MoePredictions.Filed filed = MoePredictions.file(registry, "synthetic", target, "quantile", 40, 7, "big-moe");
            System.out.println(filed.comparison().describe() + "\n" + filed.moePrediction().describe());

            Prediction p = filed.prediction();
            assertEquals(1L, p.id());
            assertEquals("big-moe", p.targetName());
            assertEquals("moe", p.kind());
            assertEquals(n, p.params(), 0);
            assertEquals(6 * n * (c / (6 * n)), p.compute(), 1e-6 * c);
            double truth = TRUE_LAW.loss(n, c / (6 * n), 8);
            assertEquals(truth, p.predictedLoss(), 0.005 * truth, "held-out 30x point within 0.5%");
            assertTrue(p.hasInterval() && p.intervalLow() <= p.predictedLoss() && p.predictedLoss() <= p.intervalHigh());
            assertTrue(p.method().startsWith("forecaster: moe: "), p.method());
            assertEquals(0.9, p.intervalLevel(), 0);
            assertTrue(p.forecast().contains("\"interval\"") && p.forecast().contains("\"leave_one_out\""), p.forecast());
            assertTrue(p.method().contains(filed.comparison().supportedLaw()));
            // only dense + quantile runs were fitted: 20 dense + 3 × 20 MoE
            assertEquals(80, filed.observations().size());
            assertTrue(filed.observations().stream().allMatch(o -> o.isDense() || o.family().endsWith("-quantile")));
            FitRecord fit = registry.fit(filed.fitId()).orElseThrow();
            assertEquals(p.fitId(), fit.id());
            assertEquals(p.inputHash(), fit.inputHash());
            assertEquals(80, fit.runIds().size());
            assertEquals("synthetic", fit.ladder());
            assertTrue(fit.resultJson().contains("\"supported_law\""));
            assertTrue(registry.verifyLedger().intact(), registry.verifyLedger().toString());
        }
    }

    @Test
    void anUnconvergedLawFitIsRefusedBeforeAnythingIsStoredUnlessAllowed(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            // Losses 1.9 below the true law: the irreducible term would have to be negative, so NNLS clamps it at 0.
            List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4, 8, 32}, 2, new double[] {1.0},
                    t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()) - 1.9, 0, 1);
            int index = 0;
            for (MoeObservation o : runs) {
                insert(registry, "clamped", o, "quantile", o.loss(), index++);
            }
            MoeTarget target = MoeTarget.parse("moe:experts=8,top_k=2,active=3e8,tokens=6e9");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MoePredictions.file(registry, "clamped", target, "quantile", 40, 7, "t"));
            assertTrue(e.getMessage().contains("did not converge (COEFFICIENT_CLAMPED"), e.getMessage());
            assertTrue(registry.predictions().isEmpty(), "nothing filed");
            assertTrue(registry.fits(null).isEmpty(), "no orphan fit stored");

            MoePredictions.Filed filed = MoePredictions.file(registry, "clamped", target, "quantile", 40, 7, "t", true);
            assertEquals("COEFFICIENT_CLAMPED", filed.moePrediction().fitStatus().name());
            assertTrue(filed.prediction().intervalNote().contains("filed from an unconverged fit: the "
                    + filed.moePrediction().lawName() + " fit of ladder clamped ended COEFFICIENT_CLAMPED"),
                    filed.prediction().intervalNote());
            assertEquals(1, registry.predictions().size());
        }
    }

    @Test
    void targetOfAPlannedMoeRunCarriesItsExpertConfiguration() {
        ModelConfig m = ModelConfig.moe(256, 128, 4, 4, 128, 4, 2, 2);
        RunSpec spec = new RunSpec("target", m, 16, 1000, 1e-3, 0.1, 0.05, "cosine", 1.0, 1, "default", "byte", 1e14,
                "quantile", 0, 0);
        MoeTarget t = MoePredictions.targetOf(spec);
        assertEquals(new MoeTarget(4, 2, 2.0, m.activeParams(), 1000.0 * 16 * 128), t);
        RunSpec dense = new RunSpec("d", ModelConfig.dense(256, 64, 2, 4, 64), 8, 10, 1e-3, 0.1, 0.05, "cosine", 1.0, 1,
                "default", "byte", 0, "none", 0, 0);
        assertThrows(IllegalArgumentException.class, () -> MoePredictions.targetOf(dense));
    }

    @Test
    void refusesALadderWithoutMoeRunsOfTheBalancingMethod(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            MoeObservation dense = MoeObservation.dense(1e6, 2e7, 3.0, "dense");
            insert(registry, "d", dense, "none", 3.0, 0);
            MoeTarget target = MoeTarget.parse("moe:experts=8,top_k=2,active=1e8,tokens=2e9");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MoePredictions.file(registry, "d", target, "quantile", 40, 1, null));
            assertTrue(e.getMessage().contains("no finished MoE runs"), e.getMessage());
            assertTrue(registry.predictions().isEmpty(), "nothing filed");
        }
    }
}
