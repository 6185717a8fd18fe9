package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.Approach2;
import scalelab.fitting.Bootstrap;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitResult;
import scalelab.fitting.Vpnls;
import scalelab.registry.CurvePoint;
import scalelab.registry.FitRecord;
import scalelab.registry.ObservationSet;
import scalelab.registry.Prediction;
import scalelab.registry.Predictions;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.FitJson;
import scalelab.registry.io.RunTableReader;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.Allocation;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.LedgerRow;
import scalelab.reports.model.ReportInput;

/**
 * Issue 6's acceptance without the trainer: a registry filled by importing the Chinchilla ladder, with loss curves,
 * stored fits, a checked and a pending prediction, rendered to a self-contained report whose charts are all drawn.
 */
class RegistryReportTest {
    static Path data(String name) {
        return DataDirectory.dataFile(name);
    }

    /** The ladder imported, three runs with curves, a VPNLS fit with bootstrap surfaces and an Approach 2 fit stored. */
    static long[] fill(Registry r) {
        r.importRuns(RunTableReader.read(data("chinchilla-isoflops.csv")), "chin");
        List<RunRecord> runs = r.runs("chin");
        for (RunRecord run : runs.subList(0, 3)) {
            List<CurvePoint> curve = new ArrayList<>();
            for (int k = 0; k <= 20; k++) {
                long tokens = (long) (run.tokens() * k / 20);
                double loss = run.finalLoss() + 2.0 * Math.exp(-4.0 * k / 20);
                curve.add(new CurvePoint(100L * k, tokens, loss + 0.05, k % 5 == 0 ? loss : Double.NaN));
            }
            r.appendCurve(run.id(), curve);
        }
        ObservationSet in = r.observationSet("chin");
        BudgetGrouping g = BudgetGrouping.byLabel(in.observations());
        FitResult vp = Vpnls.fit(in.observations());
        Bootstrap.Result boot = Bootstrap.run(in.observations(), g, Vpnls::fit, "vpnls", Bootstrap.Resample.RUNS, 40, 7,
                1e22, 0.95);
        long vpId = r.saveFit(new FitRecord(null, vp.method(), vp.objectiveName(), vp.status().name(), vp.surface(),
                vp.objectiveValue(), in.inputHash(), in.runIds(), "chin", FitJson.write(vp), boot.surfaces(), null));
        FitResult a2 = Approach2.fit(in.observations(), g);
        long a2Id = r.saveFit(new FitRecord(null, a2.method(), a2.objectiveName(), a2.status().name(), null,
                a2.objectiveValue(), in.inputHash(), in.runIds(), "chin", FitJson.write(a2), List.of(), null));
        return new long[] {vpId, a2Id};
    }

    @Test
    void ladderReportShowsEveryMethodTheLedgerAndDrawsEveryChart(@TempDir Path dir) throws Exception {
        ReportInput in;
        Prediction checked;
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            long[] ids = fill(r);
            FitRecord vp = r.fit(ids[0]).orElseThrow();
            checked = r.filePrediction(Predictions.draft(vp, new Predictions.Target("target-5.76e23", "dense", null, null, 5.76e23),
                    0.95, null, "test", "tester", Instant.now()));
            r.checkAgainstLoss(checked.id(), checked.predictedLoss() * 1.5);
            r.checkAgainstLoss(checked.id(), checked.predictedLoss() * 1.001);
            r.filePrediction(Predictions.draft(vp, new Predictions.Target("target-1e22", "dense", null, null, 1e22), 0.95, null,
                    "test", "tester", Instant.now()));
            in = RegistryReport.load(r, "chin", new RegistryReport.Options(true,
                    List.of("vpnls-mse", "approach2")));
        }

        assertEquals(124, in.runs().size());
        assertEquals("vpnls #1", in.primaryFit().label(), "the fit behind the predictions leads");
        List<String> labels = in.fits().stream().map(FitSummary::label).toList();
        assertEquals(List.of("vpnls #1", "approach2 #2", "approach3"), labels, "stored fits, then the missing method computed");
        FitSummary a2 = in.fits().get(1);
        assertEquals(9, a2.parabolas().size());
        assertTrue(a2.parabolas().stream().anyMatch(p -> p.diagnostics().contains("vertex outside the sampled range")),
                "Chinchilla's 1e20 budget has its vertex outside the grid");
        assertTrue(a2.warnings().stream().anyMatch(w -> w.startsWith("Approach 2 likely biased")), a2.warnings().toString());
        FitSummary a3 = in.fits().get(2);
        assertEquals("CONVERGED", a3.status());
        assertTrue(a3.warnings().get(0).startsWith("computed for this report"), a3.warnings().toString());

        assertEquals(2, in.allocations().size());
        Allocation at = in.allocations().get(0);
        assertNotNull(at.lossBand(), "bootstrap band from the stored surfaces");
        assertTrue(at.lossBand().contains(at.loss()) && at.paramsBand().contains(at.params()));
        // Chinchilla's labels count ~1.03·6·N·D: the stored fit records it, and its allocation spends C as they do
        scalelab.fitting.FlopConvention count = in.primaryFit().flops();
        assertFalse(count.isSixNd());
        assertEquals(at.compute(), count.flops(at.params(), at.tokens()), 1e-6 * at.compute());

        LedgerRow l1 = in.ledger().get(0), l2 = in.ledger().get(1);
        assertEquals(checked.entryHash(), l1.hash());
        assertTrue(l1.checked());
        assertEquals(100 * (1 / 1.001 - 1), l1.relativeErrorPct(), 1e-9, "(predicted − actual)/actual, signed");
        // The last check (actual = 1.001 × predicted) lies inside the filed bootstrap interval, so the verdict is "inside".
        double actual = checked.predictedLoss() * 1.001;
        assertTrue(checked.intervalLow() < actual && actual < checked.intervalHigh(),
                "interval [" + checked.intervalLow() + ", " + checked.intervalHigh() + "] vs " + actual);
        assertTrue(l1.verdict().startsWith("inside interval"), l1.verdict());
        assertTrue(l1.verdict().contains("not shown preregistered (loss given by hand)"), l1.verdict());
        assertTrue(l1.verdict().contains("2 checks: outside " + String.format(java.util.Locale.ROOT, "%.4f", checked.predictedLoss() * 1.5)
                + " → "), "both verdicts kept, oldest first: " + l1.verdict());
        assertEquals("pending", l2.verdict());
        assertFalse(l2.checked());

        assertEquals(2 * 7, in.backtests().size(), "two methods, cuts at budgets 2 … 8 of 9");
        assertEquals(3, in.curves().size());
        assertEquals(21 - 1, in.curves().values().iterator().next().size(), "the zero-token point is dropped");

        ReportWriter.ReportFiles files = ReportWriter.write(in, dir.resolve("out"));
        Set<String> names = files.figures().stream().map(Figure::name).collect(Collectors.toSet());
        assertEquals(Set.of("isoflop", "frontier", "loss-frontier", "residuals", "training-curves", "backtest"), names);
        for (Figure f : files.figures()) {
            assertTrue(Files.size(f.png()) > 10_000, f.png() + " is too small to be a chart");
            assertTrue(Files.size(f.svg()) > 10_000, f.svg() + " is too small to be a chart");
            assertTrue(ReportWriterTest.drawnPixelShare(f.png()) > 0.02, f.png() + " is (nearly) blank");
        }
        String html = Files.readString(files.html());
        ReportWriterTest.assertNoExternalReferences(html);
        Matcher img = Pattern.compile("<img[^>]*\\bsrc=\"([^\"]*)\"").matcher(html);
        int images = 0;
        while (img.find()) {
            assertTrue(img.group(1).startsWith("data:image/png;base64,"));
            images++;
        }
        assertEquals(files.figures().size(), images);
        for (String s : List.of(checked.entryHash(), "pending", "approach3", "computed for this report", "target-5.76e23",
                "vpnls #1: FLOP labels are 1.03")) {
            assertTrue(html.contains(Html.esc(s)), "HTML lacks " + s);
        }
    }

    @Test
    void verdictSaysPreregisteredOnlyWhenTheRunStartedAfterFiling(@TempDir Path dir) throws Exception {
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            long early = r.upsertRun(scalelab.registry.RunRecord.planned("t", "big", "spec-early", "{}", "dense", 1e9, 1e9, 2e10,
                    1.2e20, 1.2e20, null, "x"));
            r.markRunning(early);
            Thread.sleep(5);
            long fitId = r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", new scalelab.fitting.LossSurface(1.69, 406.4,
                    410.7, 0.34, 0.28), 1e-4, "h", List.of(), "t", "{}", List.of(), null));
            Prediction p = r.filePrediction(Predictions.draft(r.fit(fitId).orElseThrow(),
                    new Predictions.Target("big", "dense", 1e9, 2e10, null), 0.95, null, "test", "tester", Instant.now()));
            Thread.sleep(5);
            long late = r.upsertRun(scalelab.registry.RunRecord.planned("t2", "big", "spec-late", "{}", "dense", 1e9, 1e9, 2e10,
                    1.2e20, 1.2e20, null, "x"));
            r.markRunning(late);
            r.finishRun(early, 2.5, 2.5, 1.2e20, 1);
            r.finishRun(late, 2.5, 2.5, 1.2e20, 1);
            r.checkAgainstRun(p.id(), early);
            String before = RegistryReport.ledgerRow(r, p).verdict();
            assertTrue(before.contains("NOT preregistered: run started before filing"), before);
            assertFalse(before.contains("preregistered (run started after filing)"), before);
            r.checkAgainstRun(p.id(), late);
            String after = RegistryReport.ledgerRow(r, p).verdict();
            assertTrue(after.contains("; preregistered (run started after filing)"), after);
        }
    }

    @Test
    void withoutStoredFitsOrBacktestItShowsOnlyWhatIsStored(@TempDir Path dir) {
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            r.importRuns(RunTableReader.read(data("chinchilla-isoflops.csv")), "chin");
            ReportInput in = RegistryReport.load(r, "chin", new RegistryReport.Options(false, List.of()));
            assertTrue(in.fits().isEmpty());
            assertTrue(in.backtests().isEmpty() && in.ledger().isEmpty() && in.allocations().isEmpty());
            assertEquals("No backtest asked for (report --no-backtest, or no method to backtest).", in.backtestNote());
            assertNull(in.primaryFit());
            assertEquals("finished", in.runs().get(0).status());
            assertTrue(Double.isNaN(in.runs().get(0).wallSeconds()) && Double.isNaN(in.runs().get(0).mfu()),
                    "imported runs have no timings: unknown, not zero");
        }
    }

    @Test
    void anUnknownLadderNamesTheKnownOnes(@TempDir Path dir) {
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RegistryReport.load(r, "chin"));
            assertTrue(e.getMessage().contains("registry is empty"), e.getMessage());
            r.importRuns(RunTableReader.read(data("chinchilla-isoflops.csv")), "chin");
            e = assertThrows(IllegalArgumentException.class, () -> RegistryReport.load(r, "nope"));
            assertTrue(e.getMessage().contains("no runs in ladder nope") && e.getMessage().contains("ladders: chin"), e.getMessage());
        }
    }

    @Test
    void aMethodTheLadderCannotSupportShowsAsFailedWithItsReason(@TempDir Path dir) throws Exception {
        // Two runs per budget: no parabola for Approach 2, while the surface fits still run.
        StringBuilder csv = new StringBuilder("params,tokens,budget,loss\n");
        scalelab.fitting.LossSurface truth = new scalelab.fitting.LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
        for (double c : new double[] {1e18, 1e19, 1e20}) {
            double n0 = truth.optimalAt(c).params();
            for (double n : new double[] {n0 / 3, n0 * 3}) {
                csv.append(n).append(',').append(c / (6 * n)).append(',').append(c).append(',').append(truth.loss(n, c / (6 * n))).append('\n');
            }
        }
        Path file = dir.resolve("pairs.csv");
        Files.writeString(file, csv);
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            r.importRuns(RunTableReader.read(file), "pairs");
            ReportInput in = RegistryReport.load(r, "pairs", new RegistryReport.Options(true, List.of()));
            FitSummary a2 = in.fits().stream().filter(f -> f.method().equals("approach2")).findFirst().orElseThrow();
            assertEquals("FAILED", a2.status());
            assertTrue(a2.message().contains("a parabola needs at least 3"), a2.message());
            assertNotNull(in.primaryFit(), "VPNLS still fits the six runs");
            ReportWriter.ReportFiles files = ReportWriter.write(in, dir.resolve("out"));
            assertTrue(Files.readString(files.html()).contains("FAILED"));
        }
    }

    @Test
    void anEmptyBacktestSaysWhy(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("params,tokens,budget,loss\n");
        scalelab.fitting.LossSurface truth = new scalelab.fitting.LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
        for (double c : new double[] {1e18, 1e19}) {
            double n0 = truth.optimalAt(c).params();
            for (double n : new double[] {n0 / 3, n0, n0 * 3}) {
                csv.append(n).append(',').append(c / (6 * n)).append(',').append(c).append(',').append(truth.loss(n, c / (6 * n))).append('\n');
            }
        }
        Path file = dir.resolve("two.csv");
        Files.writeString(file, csv);
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            r.importRuns(RunTableReader.read(file), "two");
            ReportInput in = RegistryReport.load(r, "two", new RegistryReport.Options(false, List.of("vpnls-mse")));
            assertTrue(in.backtests().isEmpty());
            assertEquals("No backtest: it fits on at least 2 budgets and predicts a larger one, and this ladder has 2 budgets.",
                    in.backtestNote());
            String html = Files.readString(ReportWriter.write(in, dir.resolve("out")).html());
            assertTrue(html.contains("this ladder has 2 budgets"), "the report says why there is no backtest");
            assertFalse(html.contains("No backtest in this report."));
        }
    }
}
