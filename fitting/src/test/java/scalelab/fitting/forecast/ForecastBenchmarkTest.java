package scalelab.fitting.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Coverage, error and width figures of the benchmark, computed from rows whose answers are known. */
class ForecastBenchmarkTest {
    static ForecastBenchmark.Row row(double predicted, double observed, double lo, double hi) {
        return new ForecastBenchmark.Row("set", "forecaster", 0, 1e18, 1e19, 10, Double.NaN, Double.NaN, predicted, observed,
                lo, hi, 0.9, false, "x", "");
    }

    @Test
    void summaryCountsCoverageErrorsAndWidths() {
        List<ForecastBenchmark.Row> rows = List.of(
                row(2.0, 2.02, 1.9, 2.1),   // inside, 0.99% error, width 10%
                row(3.0, 3.3, 2.9, 3.1),    // outside, 9.09% error, width 6.67%
                row(1.0, 1.0, 0.95, 1.05)); // inside, 0%, width 10%
        ForecastBenchmark.Summary s = ForecastBenchmark.summarise(rows, r -> true);
        assertEquals(3, s.forecasts());
        assertEquals(2.0 / 3, s.coverage(), 1e-12);
        assertEquals(100 * 0.3 / 3.3, s.maxAbsPct(), 1e-9);
        assertEquals((100 * 0.02 / 2.02 + 100 * 0.3 / 3.3) / 3, s.meanAbsPct(), 1e-9);
        assertEquals(10, s.medianWidthPct(), 1e-9);
    }

    @Test
    void bucketsSplitAtThreeAndSixteen() {
        assertEquals(0, ForecastBenchmark.bucket(2.99));
        assertEquals(1, ForecastBenchmark.bucket(3));
        assertEquals(1, ForecastBenchmark.bucket(15.9));
        assertEquals(2, ForecastBenchmark.bucket(16));
    }

    @Test
    void everyCutForecastsTheNextAndTheLargestBudget() {
        Ladder l = ForecasterTest.ladder(ForecasterTest.SIX_BUDGETS, 4, 0.002, 0);
        List<ForecastBenchmark.Row> rows = ForecastBenchmark.run("synthetic", l, ForecasterTest.options().withBootstrap(0, 1), 3);
        List<ForecastBenchmark.Row> own = rows.stream().filter(r -> r.forecaster().equals("forecaster")).toList();
        // cuts after budgets 3, 4, 5 of 6: (next, top), (next, top), (top) = 5 forecasts
        assertEquals(5, own.size());
        assertTrue(own.stream().allMatch(ForecastBenchmark.Row::hasInterval));
        assertTrue(rows.stream().anyMatch(r -> r.forecaster().equals("vpnls-mse")));
    }
}
