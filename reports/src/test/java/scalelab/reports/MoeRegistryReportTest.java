package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.Backtest;
import scalelab.fitting.FitResult;
import scalelab.fitting.Vpnls;
import scalelab.registry.FitRecord;
import scalelab.registry.ObservationSet;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.FitJson;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;
import scalelab.fitting.moe.MoeTarget;
import scalelab.training.moe.MoePredictions;

/** The registry report of a dense + MoE ladder: dense laws on the dense family only, the MoE families on their own. */
class MoeRegistryReportTest {

    @Test
    void denseFitsUseOnlyTheDenseFamilyAndSaySo(@TempDir Path dir) throws Exception {
        ReportInput in;
        MoeRegistryFixture.Filled runs;
        long pooledId;
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            runs = MoeRegistryFixture.fill(r, "moe");
            // What `scalelab fit --ladder moe` stored before it knew about families: every run pooled.
            ObservationSet all = r.observationSet("moe");
            FitResult vp = Vpnls.fit(all.observations());
            pooledId = r.saveFit(new FitRecord(null, vp.method(), vp.objectiveName(), vp.status().name(), vp.surface(),
                    vp.objectiveValue(), all.inputHash(), all.runIds(), "moe", FitJson.write(vp), List.of(), null));
            in = RegistryReport.load(r, "moe", new RegistryReport.Options(true, EnumSet.of(Backtest.Method.VPNLS_MSE)));
        }
        int dense = runs.dense().size();
        assertEquals(20, dense);
        assertEquals(60, in.runs().size(), "the runs table still lists every family");
        assertEquals(Set.of("dense", MoeRegistryFixture.QUANTILE, MoeRegistryFixture.AUX),
                in.runs().stream().map(RunRow::family).collect(Collectors.toSet()));
        assertTrue(in.fitsNote().contains("only the dense family (" + dense + " finished runs)"), in.fitsNote());
        assertTrue(in.fitsNote().contains(MoeRegistryFixture.QUANTILE) && in.fitsNote().contains(MoeRegistryFixture.AUX),
                in.fitsNote());

        FitSummary primary = in.primaryFit();
        assertEquals("vpnls", primary.label(), "the dense VPNLS computed here leads, not the pooled stored one");
        assertEquals(dense, primary.inputCount());
        for (FitSummary f : in.fits()) {
            if (f.id().equals(String.valueOf(pooledId))) {
                assertEquals(60, f.inputCount(), "the stored fit says what it was fitted on");
                assertTrue(f.warnings().get(0).startsWith("fitted on 60 runs of several families pooled (40 MoE runs)"),
                        f.warnings().toString());
            } else {
                assertEquals(dense, f.inputCount(), f.label() + " must see the dense runs only");
            }
        }
        // The truth is known: the dense fit recovers the law's dense exponents (pooled MoE runs would pull them off).
        assertEquals(MoeRegistryFixture.TRUE_LAW.alpha(), primary.surface().alpha(), 0.02);
        assertEquals(MoeRegistryFixture.TRUE_LAW.beta(), primary.surface().beta(), 0.02);

        assertFalse(in.backtests().isEmpty());
        for (BacktestRow b : in.backtests()) {
            double best = runs.dense().stream().filter(x -> x.budgetFlops() == b.targetBudget())
                    .mapToDouble(RunRecord::finalLoss).min().orElseThrow();
            assertEquals(best, b.observed(), 1e-12, "backtest targets are the dense family's best runs");
        }

        ReportWriter.ReportFiles files = ReportWriter.write(in, dir.resolve("out"));
        assertTrue(Files.readString(files.markdown()).contains("only the dense family"));
        assertTrue(Files.readString(files.html()).contains("only the dense family"));
    }

    /** A quantile-MoE target at 10× the ladder's largest budget, preregistered from the ladder's runs. */
    static MoePredictions.Filed fileMoePrediction(Registry r, String ladder, String balance) {
        double c = 10 * 3e17;
        double n = Math.sqrt(c / 6 / 20);
        MoeTarget target = MoeTarget.parse("moe:experts=4,top_k=2,active=" + n + ",tokens=" + c / (6 * n) + ",granularity=1");
        return MoePredictions.file(r, ladder, target, balance, 20, 7, "moe-big-" + balance);
    }

    @Test
    void theStoredMoeFitIsNotReadAsADenseFitAndItsTargetGetsNoDenseAllocation(@TempDir Path dir) {
        ReportInput in;
        MoePredictions.Filed filed;
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            MoeRegistryFixture.fill(r, "moe");
            filed = fileMoePrediction(r, "moe", "quantile");
            in = RegistryReport.load(r, "moe", new RegistryReport.Options(true, Set.of()));
        }
        assertEquals(1, in.ledger().size(), "the MoE prediction is in the ledger");
        assertEquals(filed.prediction().entryHash(), in.ledger().get(0).hash());
        for (FitSummary f : in.fits()) {
            assertFalse(f.method().startsWith("moe"), "MoE law fit listed with the dense fits: " + f.label());
            assertTrue(f.warnings().stream().noneMatch(w -> w.contains("unreadable")), f.label() + ": " + f.warnings());
        }
        assertEquals(Set.of("vpnls", "approach2", "approach3"), in.fits().stream().map(FitSummary::method).collect(Collectors.toSet()));
        assertTrue(in.allocations().isEmpty(), "a dense surface gives no allocation for an MoE target: " + in.allocations());
    }
}
