package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.FitResult;
import scalelab.fitting.Vpnls;
import scalelab.registry.ExpertShare;
import scalelab.registry.FitRecord;
import scalelab.registry.MoePredictions;
import scalelab.registry.ObservationSet;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.FitJson;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.MoeSection;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;
import scalelab.fitting.moe.MoeTarget;

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
            in = RegistryReport.load(r, "moe", new RegistryReport.Options(true, List.of("vpnls-mse")));
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
            in = RegistryReport.load(r, "moe", new RegistryReport.Options(true, List.of()));
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

    /** Expert e's share at a step: skewed early, balanced later (each layer's shares sum to 1). */
    static double share(long step, int expert) {
        return 0.25 + 0.15 * Math.exp(-step / 20.0) * (expert - 1.5) / 1.5;
    }

    static List<ExpertShare> shares() {
        List<ExpertShare> out = new ArrayList<>();
        for (long step = 1; step <= 100; step++) {
            for (int layer = 0; layer < 2; layer++) {
                for (int e = 0; e < 4; e++) {
                    out.add(new ExpertShare(step, layer, e, share(step, e)));
                }
            }
        }
        return out;
    }

    @Test
    void theMoeSectionComparesBothBalancingMethodsWithDenseAndShowsTheSupportedLaw(@TempDir Path dir) throws Exception {
        ReportInput in;
        MoeRegistryFixture.Filled runs;
        MoePredictions.Filed quantile, aux;
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            runs = MoeRegistryFixture.fill(r, "moe");
            // Only the quantile family has expert shares: the aux family's utilisation must be left empty, with a note.
            for (RunRecord run : runs.quantile()) {
                r.appendExpertShares(run.id(), shares());
            }
            quantile = fileMoePrediction(r, "moe", "quantile");
            aux = fileMoePrediction(r, "moe", "aux");
            in = RegistryReport.load(r, "moe", new RegistryReport.Options(true, List.of()));
        }
        assertEquals(runs.dense().size(), in.primaryFit().inputCount(), "dense fits use only the dense runs");
        MoeSection moe = in.moe();
        assertNotNull(moe, "a ladder with MoE runs has an MoE section");

        assertEquals(List.of(MoeRegistryFixture.QUANTILE, MoeRegistryFixture.AUX),
                moe.families().stream().map(MoeSection.FamilyRow::family).toList());
        MoeSection.FamilyRow q = moe.families().get(0), a = moe.families().get(1);
        assertEquals("quantile", q.balance());
        assertEquals("aux", a.balance());
        assertEquals(20, q.runs());
        // Equal compute: each budget's best MoE loss against its best dense loss, from the runs themselves.
        double expected = 0;
        List<Double> budgets = runs.dense().stream().map(RunRecord::budgetFlops).distinct().sorted().toList();
        for (double c : budgets) {
            double d = best(runs.dense(), c), m = best(runs.quantile(), c);
            expected += 100 * (m - d) / d / budgets.size();
            MoeSection.BudgetRow row = moe.equalCompute().stream().filter(b -> b.budget() == c).findFirst().orElseThrow();
            assertEquals(Map.of("dense", d, MoeRegistryFixture.QUANTILE, m, MoeRegistryFixture.AUX, best(runs.aux(), c)),
                    row.bestLoss());
        }
        assertEquals(budgets.size(), moe.equalCompute().size());
        assertEquals(expected, q.meanDeltaPct(), 1e-9);
        assertTrue(q.meanDeltaPct() < 0, "4 experts beat dense at equal compute under the true law: " + q.meanDeltaPct());
        assertTrue(a.meanDeltaPct() > q.meanDeltaPct(), "the aux family's losses are 5% higher");

        // Utilisation over steps 91..100: known from the shares written.
        assertEquals(share(91, 0), q.minShare(), 1e-12);
        assertEquals(share(91, 3), q.maxShare(), 1e-12);
        assertTrue(Double.isNaN(a.minShare()) && Double.isNaN(a.maxShare()));
        assertTrue(moe.notes().stream().anyMatch(n -> n.startsWith("20 MoE runs have no expert shares")), moe.notes().toString());
        assertEquals(1, moe.utilisation().size(), "one chart panel: the quantile family's best run at its largest budget");
        assertEquals(40, moe.balancing().size());
        assertEquals(Set.of("quantile", "aux"), moe.balancing().stream().map(MoeSection.BalancingRow::method).collect(Collectors.toSet()));

        assertEquals(2, moe.laws().size());
        assertEquals(List.of("quantile", "aux"), moe.laws().stream().map(MoeSection.LawFit::balance).toList());
        for (var pair : List.of(List.of(moe.laws().get(0), quantile), List.of(moe.laws().get(1), aux))) {
            MoeSection.LawFit law = (MoeSection.LawFit) pair.get(0);
            MoePredictions.Filed filed = (MoePredictions.Filed) pair.get(1);
            assertEquals(filed.comparison().supportedLaw(), law.supported());
            assertEquals(String.valueOf(filed.fitId()), law.fitId());
            assertEquals(filed.prediction().predictedLoss(), law.predicted(), 1e-12);
            assertEquals(filed.comparison().rows().size(), law.rows().size());
            assertTrue(law.rows().stream().anyMatch(r -> r.law().equals(law.supported()) && !r.status().isEmpty()));
        }
        assertTrue(q.paramsMultiplier() > 1 && Double.isFinite(q.computeMultiplier()),
                "MoE's effective-parameter multiplier over dense from the shared-exponent fit: " + q.paramsMultiplier());

        ReportWriter.ReportFiles files = ReportWriter.write(in, dir.resolve("out"));
        assertTrue(files.figures().stream().anyMatch(f -> f.name().equals("moe-utilisation")));
        for (Path page : List.of(files.html(), files.markdown())) {
            String text = Files.readString(page);
            for (String s : List.of("Mixture of experts", MoeRegistryFixture.QUANTILE, MoeRegistryFixture.AUX,
                    "supported law " + moe.laws().get(0).supported(), "quantile balancing", "aux balancing",
                    "no expert shares recorded")) {
                assertTrue(text.contains(page.toString().endsWith(".html") ? Html.esc(s) : s), page + " lacks " + s);
            }
        }
    }

    private static double best(List<RunRecord> runs, double budget) {
        return runs.stream().filter(r -> r.budgetFlops() == budget).mapToDouble(RunRecord::finalLoss).min().orElseThrow();
    }
}
