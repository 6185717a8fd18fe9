package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backs the README's choice of default method ("Which fit method, and how well it extrapolates"): over both shared
 * data sets and both targets, on the cuts where every method predicts, {@link Backtest#DEFAULT_METHOD_NAME} has the
 * smallest average of the four mean |relative errors| and the smallest worst case.
 */
class DefaultMethodBacktestTest {
    /** Every method `backtest --method all` runs without --asymptote. */
    static final List<Backtest.Method> METHODS = List.of(Backtest.Method.VPNLS_HUBER, Backtest.Method.VPNLS_MSE,
            Backtest.Method.APPROACH3, Backtest.Method.APPROACH2, Backtest.Method.ASYMPTOTE_FITTED);

    @Test
    void theDefaultMethodExtrapolatesBestOnTheSharedDataOverCommonCuts() {
        Map<String, Double> sumOfMeans = new LinkedHashMap<>();
        Map<String, Double> worst = new LinkedHashMap<>();
        List<String> table = new ArrayList<>();
        for (String file : List.of("chinchilla-isoflops.csv", "fineweb-c4-isoflops.csv")) {
            List<Observation> obs = TestData.load(file);
            BudgetGrouping budgets = BudgetGrouping.byLabel(obs);
            for (Backtest.Target target : List.of(Backtest.Target.TOP, Backtest.Target.NEXT)) {
                Backtest.CommonCuts common = Backtest.commonCuts(
                        Backtest.run(obs, budgets, METHODS, target, Vpnls.Options.defaults(), null, 2));
                assertTrue(common.cuts().size() >= 5, file + " " + target + ": only " + common.cuts().size() + " common cuts");
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%s %s %d:", file, target, common.cuts().size()));
                for (Backtest.Summary s : common.summaries()) {
                    assertEquals(common.cuts().size(), s.predictions(), s.method() + " predicts at every common cut");
                    sumOfMeans.merge(s.method(), s.meanAbsErrorPct(), Double::sum);
                    worst.merge(s.method(), s.maxAbsErrorPct(), Math::max);
                    row.append(String.format(Locale.ROOT, " %s %.2f (%.2f)", s.method(), s.meanAbsErrorPct(), s.maxAbsErrorPct()));
                }
                table.add(row.toString());
            }
        }
        String evidence = String.join("\n", table) + "\naverage of the four: " + sumOfMeans + " / 4; worst: " + worst;
        System.out.println(evidence);
        String bestAverage = sumOfMeans.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        String bestWorst = worst.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
        assertEquals(Backtest.DEFAULT_METHOD_NAME, bestAverage, evidence);
        assertEquals(Backtest.DEFAULT_METHOD_NAME, bestWorst, evidence);
    }

    @Test
    void commonCutsDropPredictionsAnyMethodMissed() {
        // b predicts cuts 1 and 2, a only cut 2: the comparison is over cut 2 alone, for both
        Backtest.Entry a1 = new Backtest.Entry("a", 1, 10, 10, 2, 8, Double.NaN, 2.0, Double.NaN, "no prediction");
        Backtest.Entry a2 = new Backtest.Entry("a", 2, 10, 5, 3, 12, 2.2, 2.0, 10.0, "ok");
        Backtest.Entry b1 = new Backtest.Entry("b", 1, 10, 10, 2, 8, 2.1, 2.0, 5.0, "ok");
        Backtest.Entry b2 = new Backtest.Entry("b", 2, 10, 5, 3, 12, 1.98, 2.0, -1.0, "ok");
        List<Backtest.Entry> entries = List.of(a1, a2, b1, b2);
        Backtest.Report report = new Backtest.Report(Backtest.Target.TOP, entries,
                List.of(Backtest.summarise("a", List.of(a1, a2)), Backtest.summarise("b", List.of(b1, b2))));
        Backtest.CommonCuts common = Backtest.commonCuts(report);
        assertEquals(List.of(new Backtest.Cut(2, 10)), common.cuts());
        assertEquals(10.0, common.of("a").meanAbsErrorPct(), 1e-12);
        assertEquals(1.0, common.of("b").meanAbsErrorPct(), 1e-12);
        assertEquals(1, common.of("b").predictions());
        assertEquals(3.0, report.summaries().get(1).meanAbsErrorPct(), 1e-12, "the unrestricted summary counts cut 1 too");
    }
}
