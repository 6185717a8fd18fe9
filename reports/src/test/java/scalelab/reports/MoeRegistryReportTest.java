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
}
