package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.LossSurface;
import scalelab.reports.charts.ChartStyle;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.MoeSection;
import scalelab.reports.model.Parabola;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;

class ReportModelTest {

    @Test
    void invalidValuesAreRejectedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class, () -> RunRow.imported("r1", 1e19, 1e8, -5, 3.0));
        assertTrue(e.getMessage().contains("tokens of run r1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunRow.imported("r1", 1e19, 1e8, 1e9, Double.POSITIVE_INFINITY));
        var dup = List.of(RunRow.imported("a", 1e19, 1e8, 1e9, 3), RunRow.imported("a", 1e19, 2e8, 5e8, 3));
        assertThrows(IllegalArgumentException.class, () -> ReportInput.ofRunsAndFits("t", "", dup, List.of()));
        assertThrows(IllegalArgumentException.class, () -> ReportInput.ofRunsAndFits("t", "", List.of(), List.of()));
        var sum = assertThrows(IllegalArgumentException.class, () -> new MoeSection.ExpertLoad(3, List.of(0.5, 0.4)));
        assertTrue(sum.getMessage().contains("sum to"), sum.getMessage());
    }

    @Test
    void parabolaKnowsItsVertexAndWhetherItWasSampled() {
        // loss = 3 - 0.2x + 0.01x² has its vertex at x = 10, N = e^10.
        double v = Math.exp(10);
        Parabola inside = new Parabola(1e19, 3, -0.2, 0.01, v, v / 4, v * 4, List.of());
        assertTrue(inside.hasMinimum() && inside.vertexInsideSampledRange());
        assertEquals(3 - 2 + 1, inside.vertexLoss(), 1e-12);
        assertEquals(Math.log10(16), inside.gridWidthDecades(), 1e-12);
        Parabola outside = new Parabola(1e19, 3, -0.2, 0.01, v, v * 2, v * 8, List.of("vertex below the grid"));
        assertTrue(!outside.vertexInsideSampledRange());
    }

    @Test
    void compactNumbersReadWell() {
        assertEquals("1e19", ChartStyle.compact(1e19));
        assertEquals("3e20", ChartStyle.compact(3e20));
        assertEquals("1.73e9", ChartStyle.compact(1.730543416e9));
        assertEquals("1e10", ChartStyle.compact(9.999e9));
        assertEquals("0.5", ChartStyle.compact(0.5));
        assertEquals("20", ChartStyle.compact(20));
        assertEquals("2.15", ChartStyle.compact(2.1480));
        assertEquals("-4.8", ChartStyle.compact(-4.8));
        assertEquals("–", ChartStyle.compact(Double.NaN));
    }

    /** A clamped fit (no interior optimum) and runs without a loss must render, not throw or draw NaN. */
    @Test
    void clampedFitsAndUnfinishedRunsStillRender(@TempDir Path dir) throws Exception {
        List<RunRow> runs = new ArrayList<>(ReportFixtures.chinchillaRuns());
        RunRow r = runs.get(0);
        runs.set(0, new RunRow("killed-run", r.budget(), r.params(), r.params(), r.tokens(), Double.NaN, "killed", "",
                12.5, Double.NaN));
        FitSummary clamped = FitSummary.ofSurface("", "vpnls", "COEFFICIENT_CLAMPED", "B held at 0", List.of(),
                new LossSurface(1.9, 600, 0, 0.36, 0.40), 0.01, runs.size() - 1, "");
        ReportWriter.ReportFiles files = ReportWriter.write(ReportInput.ofRunsAndFits("clamped", "", runs, List.of(clamped)), dir);
        // No interior optimum: no frontier to draw; the loss chart still shows each budget's best run.
        assertEquals(List.of("isoflop", "loss-frontier", "residuals"), files.figures().stream().map(Figure::name).toList());
        String html = Files.readString(files.html());
        assertTrue(html.contains("COEFFICIENT_CLAMPED — B held at 0"));
        assertTrue(html.contains("<td class=\"bad\">killed</td>"));
        assertTrue(!html.contains("NaN"), "a NaN leaked into the page");
    }
}
