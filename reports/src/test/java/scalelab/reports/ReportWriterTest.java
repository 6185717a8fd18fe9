package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.ReportInput;

class ReportWriterTest {

    @Test
    void fullReportIsSelfContainedAndEveryChartIsDrawn(@TempDir Path dir) throws Exception {
        ReportInput in = ReportFixtures.full();
        ReportWriter.ReportFiles files = ReportWriter.write(in, dir);

        Set<String> names = files.figures().stream().map(Figure::name).collect(Collectors.toSet());
        assertEquals(Set.of("isoflop", "frontier", "loss-frontier", "residuals", "training-curves", "backtest",
                "moe-utilisation"), names);
        for (Figure f : files.figures()) {
            assertTrue(Files.size(f.png()) > 10_000, f.png() + " is too small to be a chart");
            assertTrue(Files.size(f.svg()) > 10_000, f.svg() + " is too small to be a chart");
            assertTrue(Files.readString(f.svg()).contains("<svg"), f.svg() + " is not SVG");
            assertTrue(drawnPixelShare(f.png()) > 0.02, f.png() + " is (nearly) blank");
        }

        String html = Files.readString(files.html());
        assertNoExternalReferences(html);
        Matcher img = Pattern.compile("<img[^>]*\\bsrc=\"([^\"]*)\"").matcher(html);
        int images = 0;
        while (img.find()) {
            assertTrue(img.group(1).startsWith("data:image/png;base64,"), "image not inline: " + img.group(1).substring(0, 40));
            images++;
        }
        assertEquals(files.figures().size(), images, "every figure appears once in the HTML");
        // Every section's content made it onto the page.
        for (String s : List.of("vpnls #3", "approach3 #4", "EXPONENT_ON_GRID_EDGE", "β on the upper edge",
                "grids are off-centre", "target-1e22", "4be1f0c3a1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6",
                "inside interval", "pending", "mean |error|", "loss-free bias", "124 runs",
                "N* ∝ C^0.525, D* ∝ C^0.475", "target-1e22 at C = 1e22: N* = 9.8e9, D* = 1.7e11 (17.3 tokens per parameter)",
                "predicted 2.1480 [2.1280, 2.1680], actual 2.1560, error of the prediction -0.37% — inside interval")) {
            assertTrue(html.contains(Html.esc(s)), "HTML lacks " + s);
        }

        String md = Files.readString(files.markdown());
        for (Figure f : files.figures()) {
            assertTrue(md.contains("](figures/" + f.name() + ".png)"), "Markdown lacks figure " + f.name());
        }
        assertTrue(md.contains("|  | vpnls #3 | approach3 #4 | approach2 #5 |"), "Markdown lacks the fits table");
        assertTrue(md.contains("N\\* ∝ C^0.525"), "N* must be escaped in Markdown or it starts italics");
        assertTrue(md.contains("4be1f0c3a1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6"), "Markdown lacks the full hash");
    }

    @Test
    void forecastSectionShowsThePanelTheIntervalAndLeaveOneOut(@TempDir Path dir) throws Exception {
        ReportInput in = ReportFixtures.full();
        assertEquals(1, in.forecasts().size());
        var f = in.forecasts().get(0);
        assertTrue(f.lo() < f.loss() && f.loss() < f.hi());
        assertEquals(10, f.band().size(), "the band runs from the largest budget to the target");
        assertEquals(3e21, f.band().get(0).compute(), 1e9);
        assertEquals(1e23, f.band().get(f.band().size() - 1).compute(), 1e15);
        for (int i = 1; i < f.band().size(); i++) {
            var b = f.band().get(i);
            assertTrue(b.lo() < b.loss() && b.loss() < b.hi(), "band point " + b);
        }
        ReportWriter.ReportFiles files = ReportWriter.write(in, dir);
        String md = Files.readString(files.markdown());
        assertTrue(md.contains("## Forecast"), md);
        assertTrue(md.contains("| method | forecast | backtest error at this ratio | weight | note |"), md);
        for (var p : f.panel()) {
            assertTrue(md.contains("| " + p.method() + " |"), p.method());
        }
        assertTrue(md.contains("Leave one budget out: the forecast moves by up to"), md);
        assertTrue(md.contains("| budget left out (C) | forecast | change |"), md);
        assertTrue(files.figures().stream().anyMatch(x -> x.name().equals("loss-frontier")), "the band's chart is drawn");
    }

    @Test
    void runsOnlyReportDrawsOnlyWhatItHasData(@TempDir Path dir) throws Exception {
        ReportInput in = ReportInput.ofRunsAndFits("runs only", "", ReportFixtures.chinchillaRuns(), List.of());
        ReportWriter.ReportFiles files = ReportWriter.write(in, dir);
        assertEquals(List.of("isoflop"), files.figures().stream().map(Figure::name).toList());
        String html = Files.readString(files.html());
        assertNoExternalReferences(html);
        assertTrue(html.contains("No fit in this report."));
        assertTrue(html.contains("No prediction filed"));
    }

    @Test
    void untrustedTextIsEscaped(@TempDir Path dir) throws Exception {
        var runs = ReportFixtures.chinchillaRuns();
        var first = runs.get(0);
        var evil = new java.util.ArrayList<>(runs);
        evil.set(0, scalelab.reports.model.RunRow.imported("<img src=http://x/y.png>", first.budget(), first.params(),
                first.tokens(), first.loss()));
        ReportWriter.ReportFiles files = ReportWriter.write(ReportInput.ofRunsAndFits("t<script>", "", evil, List.of()), dir);
        String html = Files.readString(files.html());
        assertFalse(html.contains("<script>"));
        assertFalse(html.contains("<img src=http"));
        assertTrue(html.contains("&lt;img src=http://x/y.png&gt;"));
    }

    static void assertNoExternalReferences(String html) {
        assertFalse(html.contains("http://") || html.contains("https://"), "HTML has a URL");
        assertFalse(html.contains("<script"), "HTML has a script");
        assertFalse(html.contains("<link"), "HTML loads a stylesheet");
        assertFalse(html.contains("@import") || html.contains("@font-face") || html.contains("url("), "CSS loads something");
        Matcher src = Pattern.compile("\\b(?:src|href)\\s*=\\s*\"([^\"]*)\"").matcher(html);
        while (src.find()) {
            assertTrue(src.group(1).startsWith("data:"), "non-inline reference: " + src.group(1));
        }
    }

    /** Share of pixels that differ from the top-left (background) colour. */
    static double drawnPixelShare(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        int bg = img.getRGB(0, 0);
        long drawn = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (img.getRGB(x, y) != bg) {
                    drawn++;
                }
            }
        }
        return (double) drawn / ((long) img.getWidth() * img.getHeight());
    }

    @Test
    void backtestRankingComparesMethodsOnTheCutsEveryMethodPredicted() {
        ReportInput full = ReportFixtures.full();
        // "skipper" fails on the hard early cut that "steady" predicts with a 5% error; on the cut both predicted,
        // steady is better (1% vs 2%). Over each method's own cuts skipper would rank first (2% vs 3%).
        // Listed skipper first: the ranking, not the input order, puts steady on top.
        List<scalelab.reports.model.BacktestRow> rows = List.of(
                new scalelab.reports.model.BacktestRow("skipper", 1e20, 3e21, 30, 2.04, 2.0, 2.0),
                new scalelab.reports.model.BacktestRow("steady", 1e19, 3e21, 300, 2.1, 2.0, 5.0),
                new scalelab.reports.model.BacktestRow("steady", 1e20, 3e21, 30, 2.02, 2.0, -1.0));
        ReportInput in = new ReportInput(full.title(), full.ladder(), full.runs(), full.fitsNote(), full.fits(),
                full.allocations(), full.ledger(), rows, full.curves(), full.moe(), full.forecasts());
        ReportWriter.Table t = ReportWriter.backtestSummary(in);
        assertEquals(List.of("method", "backtests", "mean |error| (1 common cut)", "worst |error| (1 common cut)",
                "mean |error| (all its cuts)"), t.header());
        assertEquals(List.of(List.of("steady", "2", "1.00%", "1.00%", "3.00%"), List.of("skipper", "1", "2.00%", "2.00%", "2.00%")),
                t.rows());
    }
}
