package scalelab.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.Units;
import scalelab.fitting.moe.JointMoeLaw;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.MoeTarget;
import scalelab.fitting.moe.SyntheticMoeLadder;
import scalelab.registry.io.RunTableReader;

/**
 * A registry filled with a synthetic dense + MoE ladder from a known joint law (finished runs with their expert
 * configuration, aux-balanced copies of the MoE families with a different loss as decoys), and an MoE prediction
 * filed from its rows — as a ladder scalelab trained stores them, and as a lab's own ladder imported from a CSV.
 */
class MoePredictionsTest {
    static final JointMoeLaw TRUE_LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);

    private static void insert(Registry registry, String ladder, MoeObservation o, String balance, double loss, int index) {
        String name = (o.isDense() ? "dense" : o.family() + "-" + balance) + "-" + index;
        RunRecord planned = RunRecord.planned(ladder, name, ladder + "/" + name, "{}", o.isDense() ? "dense" : "moe",
                o.activeParams(), o.totalParams(), o.tokens(), o.flops(), o.flops(), null, "test")
                .withMoe(o.isDense() ? null : new MoeConfig(o.experts(), o.topK(), o.granularity(), balance));
        long id = registry.upsertRun(planned);
        registry.finishRun(id, loss, loss, o.flops(), 1.0);
    }

    static List<MoeObservation> ladder(double offset) {
        return SyntheticMoeLadder.ladder(new int[] {1, 4, 8, 32}, 2, new double[] {1.0},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()) + offset, 0, 1);
    }

    static void fill(Registry registry, String ladder) {
        int index = 0;
        for (MoeObservation o : ladder(0)) {
            insert(registry, ladder, o, "quantile", o.loss(), index++);
            if (!o.isDense()) {
                insert(registry, ladder, o, "aux", o.loss() * 1.05, index++); // decoys: must not be pooled in
            }
        }
    }

    /** A held-out MoE target 30× the ladder's largest budget (3e17 FLOPs). */
    static MoeTarget target() {
        double c = 30 * 3e17;
        double n = Math.sqrt(c / 6 / 20);
        return MoeTarget.parse("moe:experts=8,top_k=2,active=" + n + ",tokens=" + c / (6 * n));
    }

    @Test
    void filesTheJointLawPredictionForAHeldOutMoeTarget(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            fill(registry, "synthetic");
            MoeTarget target = target();
            MoePredictions.Filed filed = MoePredictions.file(registry, "synthetic", target, "quantile", 40, 7, "big-moe");

            Prediction p = filed.prediction();
            assertEquals(1L, p.id());
            assertEquals("big-moe", p.targetName());
            assertEquals("moe", p.kind());
            assertEquals(target.activeParams(), p.params(), 0);
            assertEquals(target.flops(), p.compute(), 1e-6 * target.flops());
            double truth = TRUE_LAW.loss(target.activeParams(), target.tokens(), 8);
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
            assertTrue(fit.resultJson().contains("\"supported_law\"") && fit.resultJson().contains("\"balance\":\"quantile\""));
            LedgerVerification v = registry.verifyLedger();
            assertTrue(v.intact(), v.toString());
            assertEquals(1, v.entries());
        }
    }

    @Test
    void filesFromAnImportedMoeLadderWithoutRunSpecs(@TempDir Path tmp) throws Exception {
        // A lab's routed-MoE ladder as a CSV: no run specs, no balance column.
        StringBuilder csv = new StringBuilder("params,tokens,budget,loss,experts,top_k,granularity,total_params\n");
        for (MoeObservation o : ladder(0)) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s,%s,%s%n", o.activeParams(), o.tokens(), o.flops(), o.loss(),
                    o.isDense() ? "" : o.experts(), o.isDense() ? "" : o.topK(), o.isDense() ? "" : o.granularity(), o.totalParams()));
        }
        Path file = tmp.resolve("lab-moe.csv");
        Files.writeString(file, csv);
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            registry.importRuns(RunTableReader.read(file), "lab");
            MoePredictions.Runs runs = MoePredictions.runs(registry, "lab", "quantile");
            assertEquals(80, runs.observations().size(), "no balancing recorded: every MoE run is fitted");
            assertEquals(null, runs.balance(), "the runs record no balancing method");
            MoePredictions.Filed filed = MoePredictions.file(registry, "lab", target(), "quantile", 40, 7, "lab-big");
            double truth = TRUE_LAW.loss(target().activeParams(), target().tokens(), 8);
            assertEquals(truth, filed.prediction().predictedLoss(), 0.005 * truth);
            assertTrue(registry.verifyLedger().intact(), registry.verifyLedger().toString());
        }
    }

    @Test
    void anUnconvergedLawFitIsRefusedBeforeAnythingIsStoredUnlessAllowed(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            // Losses 1.9 below the true law: the irreducible term would have to be negative, so NNLS clamps it at 0.
            int index = 0;
            for (MoeObservation o : ladder(-1.9)) {
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
            assertTrue(registry.verifyLedger().intact(), registry.verifyLedger().toString());
        }
    }

    @Test
    void theQualityGateJudgesEveryMoeForecastAndRefusesWhatTheLadderCannotSupport(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            fill(registry, "synthetic");
            // 30× the largest budget: the law's backtest reaches 10× (fitted on 2 of 3 budgets), so it is within reach.
            MoePredictions.Filed near = MoePredictions.file(registry, "synthetic", target(), "quantile", 40, 7, "near");
            assertTrue(near.gate().verdict() != ForecastGate.Verdict.REFUSE, near.gate().describe().toString());
            assertEquals(10, near.gate().backtestRatio(), 1e-6, "the rolling backtest's largest ratio, not the last cut's 3×");
            assertTrue(near.prediction().forecast().contains("\"gate\""), near.prediction().forecast());
            assertTrue(near.prediction().intervalNote().contains("quality gate: "), near.prediction().intervalNote());
            assertEquals(near.gate().lo(), near.prediction().intervalLow(), 0, "the interval filed is the gate's");
            assertEquals(near.gate().hi(), near.prediction().intervalHigh(), 0);

            // 500×: over 10× past the largest backtest — refused before anything is stored.
            double c = 500 * 3e17, n = Math.sqrt(c / 6 / 20);
            MoeTarget far = MoeTarget.parse("moe:experts=8,top_k=2,active=" + n + ",tokens=" + c / (6 * n));
            int fits = registry.fits(null).size();
            MoePredictions.GateRefused refused = assertThrows(MoePredictions.GateRefused.class,
                    () -> MoePredictions.file(registry, "synthetic", far, "quantile", 40, 7, "far"));
            assertTrue(refused.getMessage().contains("over 10× past the largest backtest"), refused.getMessage());
            assertEquals(ForecastGate.Verdict.REFUSE, refused.gate().verdict());
            assertEquals(1, registry.predictions().size(), "nothing filed");
            assertEquals(fits, registry.fits(null).size(), "no orphan fit stored");

            // --force files it, and the entry says it was filed over the refusal.
            MoePredictions.Filed forced = MoePredictions.file(registry, "synthetic", far, "quantile", 40, 7, "far", false,
                    Predictions.Overrides.NONE, true);
            assertTrue(forced.prediction().intervalNote().contains("quality gate: refuse, filed anyway (--force)"),
                    forced.prediction().intervalNote());
            assertTrue(forced.prediction().forecast().contains("\"forced\":true"), forced.prediction().forecast());
            assertTrue(registry.verifyLedger().intact(), registry.verifyLedger().toString());
        }
    }

    @Test
    void refusesALadderWithoutMoeRunsOfTheBalancingMethod(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            insert(registry, "d", MoeObservation.dense(1e6, 2e7, 3.0, "dense"), "none", 3.0, 0);
            insert(registry, "d", MoeObservation.moe(1e6, 4e6, 2e7, 2.9, 4, 2, "m"), "aux", 2.9, 1);
            MoeTarget target = MoeTarget.parse("moe:experts=8,top_k=2,active=1e8,tokens=2e9");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MoePredictions.file(registry, "d", target, "quantile", 40, 1, null));
            assertTrue(e.getMessage().contains("no finished MoE runs with quantile balancing")
                    && e.getMessage().contains("balanced by: aux"), e.getMessage());
            assertTrue(registry.predictions().isEmpty(), "nothing filed");
        }
    }

    @Test
    void anMoeRunWithoutAnExpertConfigurationIsNamed(@TempDir Path tmp) {
        try (Registry registry = Registry.open(tmp.resolve("r.duckdb"))) {
            long id = registry.upsertRun(RunRecord.planned("x", "mystery", "x/mystery", "{}", "moe", 1e6, 4e6, 2e7, 1.2e14,
                    1.2e14, null, "test"));
            registry.finishRun(id, 3.0, 3.0, 1.2e14, 1.0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MoePredictions.runs(registry, "x", "quantile"));
            assertTrue(e.getMessage().contains("MoE run " + id + " (mystery) of ladder x records no expert configuration"),
                    e.getMessage());
        }
    }
}
