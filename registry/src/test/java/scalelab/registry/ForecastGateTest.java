package scalelab.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.IsoFlopSimulator;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.registry.io.ForecastJson;

class ForecastGateTest {
    /** Chinchilla's published surface (Hoffmann et al. 2022): the truth the simulated ladders are sampled from. */
    private static final LossSurface TRUTH = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
    private static final Forecaster.Options OPTIONS = Forecaster.Options.defaults(null).withBootstrap(20, 1);

    private static Ladder simulated(double[] budgets, int sizes, double centreOffsetDecades, double noise) {
        List<Observation> obs = IsoFlopSimulator.sample(TRUTH, new IsoFlopSimulator.Design(budgets, sizes, 4, centreOffsetDecades, 0, noise, 3));
        return new Ladder(obs, BudgetGrouping.byLabel(obs));
    }

    @Test
    void aLadderWhoseBudgetsHaveNoInteriorMinimumIsRefusedAndTheVerdictIsRecordedWhenForced() throws Exception {
        // every size 8–125× above the optimum: loss rises with N across each budget, no budget has a minimum inside
        Ladder ladder = simulated(new double[] {1e18, 3e18, 1e19, 3e19}, 5, 1.5, 0.002);
        Forecast f = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(3e20), OPTIONS);
        ForecastGate.Result gate = ForecastGate.check(ladder, f, OPTIONS);

        assertEquals(ForecastGate.Verdict.REFUSE, gate.verdict(), String.join("\n", gate.describe()));
        assertEquals(List.of(1e18, 3e18, 1e19, 3e19), gate.budgetsWithoutMinimum());
        ForecastGate.Check minima = gate.checks().get(0);
        assertEquals("interior minima", minima.name());
        assertEquals(ForecastGate.Verdict.REFUSE, minima.verdict());
        assertTrue(minima.finding().contains("4 of 4 budgets have no minimum inside their sizes"), minima.finding());
        assertTrue(gate.reasons().stream().anyMatch(r -> r.startsWith("interior minima: ")), gate.reasons().toString());

        // filed anyway (predict --force, the quickstart): the verdict is in the hashed note and the forecast field
        Prediction draft = new Prediction(null, "far-target", "dense", 1e9, 5e10, 3e20, 2.0, null, null, null, "fit's own",
                "vpnls", 1, "hash", "code", "tester", Instant.parse("2026-12-02T19:00:00Z"), null, null, null);
        Prediction filed = Predictions.withGatedForecast(draft, f, gate, true, ForecastJson.line(f, gate, true));
        assertTrue(filed.intervalNote().contains("quality gate: refuse, filed anyway (--force)"), filed.intervalNote());
        assertEquals(gate.lo(), filed.intervalLow());
        assertEquals(gate.hi(), filed.intervalHigh());
        assertEquals(f.loss(), filed.predictedLoss());
        JsonNode json = new ObjectMapper().readTree(filed.forecast());
        assertEquals("refuse", json.get("gate").get("verdict").asText());
        assertTrue(json.get("gate").get("forced").asBoolean());
        assertEquals(4, json.get("gate").get("budgets_without_minimum").size());
        assertEquals("interior minima", json.get("gate").get("checks").get(0).get("check").asText());
        assertEquals(f.lo(), json.get("lo").asDouble(), 0.0, "the forecaster's own interval stays in its fields");
    }

    @Test
    void aBudgetWhoseBestRunIsItsSmallestSizeCountsAsWithoutMinimumThoughItsParabolaCurvesInside() {
        // the shape report's test (LadderStatusTest): the parabola's vertex lies inside these sizes, the best run does not
        double c = 8e11;
        double[] sizes = {1e5, 2e5, 4e5, 8e5, 1.6e6}, losses = {1.90, 1.93, 1.91, 1.95, 2.05};
        List<Observation> obs = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            obs.add(Observation.inBudget(sizes[i], c / (6 * sizes[i]), c, losses[i]));
        }
        assertEquals(List.of(c), ForecastGate.budgetsWithoutMinimum(new Ladder(obs, BudgetGrouping.byLabel(obs))));
    }

    @Test
    void aLeaveOneOutThatCouldNotBeMadeSaysWhy() {
        Ladder ladder = simulated(new double[] {1e18, 3e18, 1e19, 3e19, 1e20}, 7, 0, 0.001);
        Forecast f = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(1e21), OPTIONS);
        // every refit without one budget failed (methods needing more budgets than remain): not "fewer than 3 budgets"
        List<Forecast.LeftOut> failed = f.leaveOneOut().stream().map(x -> new Forecast.LeftOut(x.budget(), Double.NaN)).toList();
        Forecast none = new Forecast(f.loss(), f.lo(), f.hi(), f.level(), f.target(), f.params(), f.tokens(), f.ratio(),
                f.method(), f.weights(), f.panel(), failed, Double.NaN, f.status(), f.warnings(), f.assumptions(), f.interval(),
                f.evidenceSha256(), f.evidenceSummary());
        String finding = ForecastGate.judge(ladder, none, ForecastGate.budgetsWithoutMinimum(ladder), none, List.of(), null).checks().stream()
                .filter(c -> c.name().equals("leave one budget out")).findFirst().orElseThrow().finding();
        assertTrue(finding.contains("no refit without one budget could forecast"), finding);
        Forecast empty = new Forecast(f.loss(), f.lo(), f.hi(), f.level(), f.target(), f.params(), f.tokens(), f.ratio(),
                f.method(), f.weights(), f.panel(), List.of(), Double.NaN, f.status(), f.warnings(), f.assumptions(), f.interval(),
                f.evidenceSha256(), f.evidenceSummary());
        finding = ForecastGate.judge(ladder, empty, ForecastGate.budgetsWithoutMinimum(ladder), empty, List.of(), null).checks().stream()
                .filter(c -> c.name().equals("leave one budget out")).findFirst().orElseThrow().finding();
        assertTrue(finding.contains("fewer than 3 budgets"), finding);
    }

    @Test
    void aRunTargetOnAnOverTrainedLadderIsJudgedOnItsRunsBacktestNotRefusedForLackingAFrontier() {
        // Gadre-like: six sizes, each at 20 and 80 tokens per parameter, one run a budget — no budget has a minimum
        java.util.List<Observation> obs = new java.util.ArrayList<>();
        java.util.Random noise = new java.util.Random(5);
        for (double n = 1e7; n < 4e8; n *= 2) {
            for (double m : new double[] {20, 80}) {
                obs.add(Observation.of(n, m * n, TRUTH.loss(n, m * n) * (1 + 0.002 * noise.nextGaussian())));
            }
        }
        Ladder ladder = new Ladder(obs, BudgetGrouping.byLabel(obs));
        double n = 1.28e9, d = 20 * n;
        Forecast run = Forecaster.forecast(ladder, ForecastTarget.run(n, d), OPTIONS);
        ForecastGate.Result gate = ForecastGate.check(ladder, run, OPTIONS);

        ForecastGate.Check minima = gate.checks().get(0);
        assertEquals(ForecastGate.Verdict.CAVEAT, minima.verdict(), minima.finding());
        assertTrue(minima.finding().contains(ladder.budgetCount() + " of " + ladder.budgetCount() + " budgets have no minimum") && minima.finding().contains("runs backtest"),
                minima.finding());
        ForecastGate.Check backtest = gate.checks().stream().filter(c -> c.name().equals("backtest at the largest ratio"))
                .findFirst().orElseThrow();
        assertTrue(backtest.finding().contains("largest ratio of the runs backtest"), backtest.finding());
        assertTrue(gate.verdict() != ForecastGate.Verdict.REFUSE, String.join("\n", gate.describe()));
        assertEquals(run.ratio(), gate.targetRatio(), 1e-12);
        assertEquals(run.looSpreadPct(), gate.looSpreadPct(), 1e-12, "its own leave-one-budget-out");
        assertTrue(gate.lo() <= run.lo() && gate.hi() >= run.hi());
        // the truth lies inside the interval the gate would file
        double truth = TRUTH.loss(n, d);
        assertTrue(gate.lo() <= truth && truth <= gate.hi(), truth + " in [" + gate.lo() + ", " + gate.hi() + "]");

        // the compute-optimal forecast at the same compute does extrapolate along a frontier the ladder lacks: refused
        Forecast optimal = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(6 * n * d), OPTIONS);
        ForecastGate.Result refused = ForecastGate.check(ladder, optimal, OPTIONS);
        assertEquals(ForecastGate.Verdict.REFUSE, refused.checks().get(0).verdict(), String.join("\n", refused.describe()));
    }

    @Test
    void aWellCentredLadderPassesAndKeepsTheForecastersInterval() {
        Ladder ladder = simulated(new double[] {1e18, 3e18, 1e19, 3e19, 1e20}, 7, 0, 0.001);
        Forecast f = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(1e21), OPTIONS);
        ForecastGate.Result gate = ForecastGate.check(ladder, f, OPTIONS);

        assertEquals(ForecastGate.Verdict.PASS, gate.verdict(), String.join("\n", gate.describe()));
        assertTrue(gate.budgetsWithoutMinimum().isEmpty());
        assertFalse(gate.widened());
        assertEquals(f.lo(), gate.lo());
        assertEquals(f.hi(), gate.hi());
        assertTrue(gate.backtestRatio() > 1 && Math.abs(gate.backtestErrorPct()) < 1, String.join("\n", gate.describe()));
        assertTrue(gate.looSpreadPct() < 1, String.join("\n", gate.describe()));
        // the forecast at a given size is judged on the same compute-optimal evidence
        double n = TRUTH.optimalAt(1e21).params(), d = 1e21 / (6 * n);
        Forecast sized = Forecaster.forecast(ladder, new ForecastTarget(1e21, n, d), OPTIONS);
        ForecastGate.Result sizedGate = ForecastGate.check(ladder, sized, OPTIONS);
        assertEquals(gate.looSpreadPct(), sizedGate.looSpreadPct(), 1e-12);
        assertEquals(gate.backtestErrorPct(), sizedGate.backtestErrorPct(), 1e-12);
        // a check only the caller can make (the target's training regime) joins the checks and can lower the verdict
        ForecastGate.Result offRegime = gate.withCheck(new ForecastGate.Check("training regime", ForecastGate.Verdict.CAVEAT,
                "the target trains 4,076 steps; the ladder's runs 993–1,630"));
        assertEquals(ForecastGate.Verdict.CAVEAT, offRegime.verdict());
        assertEquals(gate.checks().size() + 1, offRegime.checks().size());
        assertEquals(List.of("training regime: the target trains 4,076 steps; the ladder's runs 993–1,630"), offRegime.reasons());
        assertEquals(gate.lo(), offRegime.lo());
        assertEquals(ForecastGate.Verdict.PASS, gate.withCheck(new ForecastGate.Check("training regime", ForecastGate.Verdict.PASS,
                "within")).verdict());
    }

    @Test
    void aTargetFarBeyondTheLargestBacktestIsRefusedAndAnIntervalNarrowerThanTheLeaveOneOutForecastsIsWidened() {
        Ladder ladder = simulated(new double[] {1e18, 3e18, 1e19, 3e19, 1e20}, 7, 0, 0.001);
        // backtests reach 100/3 ≈ 33×: 1e24 is 1e4× past the ladder
        Forecast far = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(1e24), OPTIONS);
        ForecastGate.Result gate = ForecastGate.check(ladder, far, OPTIONS);
        assertEquals(ForecastGate.Verdict.REFUSE, gate.verdict(), String.join("\n", gate.describe()));
        assertTrue(gate.reasons().stream().anyMatch(r -> r.contains("past the largest backtest")), gate.reasons().toString());

        // a 1% interval (±0.015%) is narrower than leaving one budget out moves the forecast (0.05%): widened to cover every one
        Forecast narrow = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(1e21), OPTIONS.withLevel(0.01));
        ForecastGate.Result widened = ForecastGate.check(ladder, narrow, OPTIONS);
        assertTrue(widened.widened(), String.join("\n", widened.describe()));
        assertEquals(ForecastGate.Verdict.CAVEAT, widened.verdict(), String.join("\n", widened.describe()));
        assertTrue(widened.lo() < narrow.lo() || widened.hi() > narrow.hi());
        Forecast optimal = Forecaster.forecast(ladder, ForecastTarget.computeOptimal(1e21), OPTIONS);
        for (Forecast.LeftOut x : optimal.leaveOneOut()) {
            double relative = narrow.loss() * x.loss() / optimal.loss();
            assertTrue(relative >= widened.lo() * (1 - 1e-12) && relative <= widened.hi() * (1 + 1e-12), x + " " + widened);
        }
    }
}
