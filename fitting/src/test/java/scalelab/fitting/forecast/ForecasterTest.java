package scalelab.fitting.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.IsoFlopSimulator;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;

/** The forecaster's behaviour on synthetic ladders whose true surface is known. */
class ForecasterTest {
    /** Chinchilla's published Approach 3 surface (raw units). */
    static final LossSurface TRUTH = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
    static final double[] SIX_BUDGETS = {1e18, 3e18, 1e19, 3e19, 1e20, 3e20};

    static Ladder ladder(double[] budgets, double width, double noise, double drift) {
        List<Observation> obs = IsoFlopSimulator.sample(TRUTH, new IsoFlopSimulator.Design(budgets, 9, width, 0, drift, noise, 7));
        return new Ladder(obs, BudgetGrouping.byLabel(obs));
    }

    static Forecaster.Options options() {
        return Forecaster.Options.defaults(null).withBootstrap(30, 1);
    }

    @Test
    void noiseFreeLadderIsForecastCloselyAndCovered() {
        Ladder l = ladder(SIX_BUDGETS, 4, 0, 0);
        double c = 3e21;
        Forecast f = Forecaster.forecast(l, ForecastTarget.computeOptimal(c), options());
        double truth = TRUTH.optimalAt(c).loss();
        assertEquals(truth, f.loss(), 0.005 * truth, "point forecast of a noise-free ladder");
        assertTrue(f.covers(truth), "interval " + f.lo() + "–" + f.hi() + " covers the truth " + truth);
        assertEquals(10, f.ratio(), 1e-9);
        assertEquals(0.9, f.level());
        assertEquals(Forecast.Status.OK, f.status(), "warnings: " + f.warnings());
        assertEquals(PanelMethods.defaultPanel(null, false).size(), f.panel().size());
        assertEquals(SIX_BUDGETS.length, f.leaveOneOut().size());
        for (Forecast.LeftOut x : f.leaveOneOut()) {
            assertEquals(f.loss(), x.loss(), 0.01 * f.loss(), "leaving out " + x.budget());
        }
        double wsum = f.weights().stream().mapToDouble(Forecast.Weight::weight).sum();
        assertEquals(1, wsum, 1e-9);
        assertEquals(64, f.evidenceSha256().length());
        assertTrue(f.params() > 0 && f.tokens() > 0);
        assertEquals(TRUTH.optimalAt(c).params(), f.params(), 0.2 * TRUTH.optimalAt(c).params(), "N* near the truth");
    }

    @Test
    void aBestRunLawIsBootstrappedByItsResidualsNotByDroppingBestRuns() {
        // four budgets in the top decade: the minima law fits 4 points, so it has residuals to resample
        Ladder l = ladder(new double[] {1e18, 1e19, 2e19, 4e19, 8e19, 1.6e20}, 4, 0.004, 0);
        ForecastMethod recent = PanelMethods.recentMinima();
        ForecastMethod.Fitted law = recent.fit(l);
        List<Integer> used = RecentMinimaLaw.budgetsUsed(l);
        assertEquals(List.of(2, 3, 4, 5), used, "the top decade's bracketed budgets (1e19 is more than a decade below)");
        List<Ladder> byRuns = Forecaster.resample(l, 200, 1);
        List<Ladder> samples = recent.bootstrapLadders(l, law, byRuns, 3);
        assertEquals(200, samples.size());
        int k = l.budgetCount();
        double inflate = Math.sqrt(4 / 1.0); // √(n/(n−3))
        double[] meanMinimum = new double[k];
        for (Ladder r : samples) {
            assertEquals(l.observations().size(), r.observations().size());
            for (int b = 0; b < k; b++) {
                double residual = used.contains(b) ? inflate * (l.observedMinimum(b) - law.optimalLoss(l.budget(b))) : 0;
                double moved = r.observedMinimum(b) - l.observedMinimum(b);
                // every run of a budget moves alike: the best run stays the best, at the law ± its (inflated) residual
                assertTrue(Math.abs(moved) < 1e-12 || Math.abs(moved + 2 * residual) < 1e-12, "budget " + b + " moved " + moved);
                for (int i : l.grouping().budgets().get(b).members()) {
                    assertEquals(moved, r.observations().get(i).loss() - l.observations().get(i).loss(), 1e-12);
                }
                meanMinimum[b] += (r.observedMinimum(b) - l.observedMinimum(b) + residual) / samples.size();
            }
        }
        for (int b : used) {
            double residual = inflate * Math.abs(l.observedMinimum(b) - law.optimalLoss(l.budget(b)));
            // the signs are symmetric: on average each minimum sits on the law (within 4 standard errors of the draw)
            assertEquals(0, meanMinimum[b], 4 * residual / Math.sqrt(samples.size()) + 1e-12);
        }
        // a resample of runs drops a budget's best run about a third of the time: its spread is that drop, not noise
        double[] runSpread = byRuns.stream().mapToDouble(r -> recent.fit(r).optimalLoss(1e21)).toArray();
        double[] residualSpread = samples.stream().mapToDouble(r -> recent.fit(r).optimalLoss(1e21)).toArray();
        assertTrue(sd(residualSpread) > 0 && sd(residualSpread) < sd(runSpread), "residual spread " + sd(residualSpread)
                + " vs run-resample spread " + sd(runSpread));

        // three budgets for three parameters leave no residuals: the runs are resampled as for every other method
        Ladder three = ladder(SIX_BUDGETS, 4, 0.004, 0);
        assertEquals(3, RecentMinimaLaw.budgetsUsed(three).size());
        List<Ladder> runs = Forecaster.resample(three, 10, 1);
        assertTrue(recent.bootstrapLadders(three, recent.fit(three), runs, 3) == runs);
    }

    private static double sd(double[] x) {
        double m = java.util.Arrays.stream(x).average().orElseThrow();
        return Math.sqrt(java.util.Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / (x.length - 1));
    }

    @Test
    void selectionKeepsOnlyMethodsThatBacktestWell() {
        // A ±16× grid biases the parabola vertices (Czech et al. 2026): the vertex laws backtest badly here.
        Forecast f = Forecaster.forecast(ladder(SIX_BUDGETS, 16, 0.002, 0), ForecastTarget.computeOptimal(3e21), options());
        double best = f.panel().stream().mapToDouble(Forecast.PanelEntry::backtestRmsPct).filter(Double::isFinite).min().orElseThrow();
        // the rule's widest reach: a method with no evidence beside a best with none, F(2, 2)'s upper quartile, √3×
        double widest = Math.sqrt(new org.apache.commons.math3.distribution.FDistribution(2, 2)
                .inverseCumulativeProbability(Forecaster.COMBINE_LEVEL));
        for (Forecast.Weight w : f.weights()) {
            assertTrue(w.rmsErrorPct() <= widest * best + 1e-9, w + " scored far from the best " + best);
        }
        Forecast.PanelEntry vertex = f.panel().stream().filter(p -> p.method().equals("approach2-drift")).findFirst().orElseThrow();
        assertTrue(vertex.backtestRmsPct() > best, "approach2-drift should score worse than the best on a wide grid");
        assertFalse(f.weights().stream().anyMatch(w -> w.method().equals("approach2-drift")), "weights: " + f.weights());
    }

    @Test
    void methodsAreCombinedWhileTheEvidenceCannotTellThemFromTheBest() {
        Forecaster.Options o = options();
        assertTrue(o.combinable(1.0, 10, 1.0, 10), "an equal score is always combined");
        // 1.5× the best's RMS error (2.25× its mean square): indistinguishable on one cut each, distinguished on forty
        assertTrue(o.combinable(1.5, 1, 1.0, 1), "thin evidence: a broad hedge");
        assertFalse(o.combinable(1.5, 40, 1.0, 40), "ample evidence: the worse method is left out");
        // the reach narrows as evidence accumulates
        double previous = Double.POSITIVE_INFINITY;
        for (double cuts : new double[] {0, 1, 3, 10, 30, 100}) {
            double lo = 1, hi = 3;
            for (int i = 0; i < 60; i++) {
                double mid = (lo + hi) / 2;
                if (o.combinable(mid, cuts, 1.0, cuts)) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            assertTrue(lo < previous && lo > 1, cuts + " cuts: reach " + lo + " (before " + previous + ")");
            previous = lo;
        }
        assertTrue(previous < 1.2, "at 100 cuts each the reach is near the best alone: " + previous);
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionAndItsValue() {
        IllegalArgumentException level = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> options().withCombineLevel(1.5));
        assertTrue(level.getMessage().contains("combination level") && level.getMessage().contains("1.5"), level.getMessage());
        IllegalArgumentException memory = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> options().withRecencyDecades(0));
        assertTrue(memory.getMessage().contains("memory") && memory.getMessage().contains("0.0"), memory.getMessage());
    }

    @Test
    void thinLadderRestsOnThePriorWithAWiderInterval() {
        Forecast thin = Forecaster.forecast(ladder(new double[] {1e18, 3e18, 1e19}, 4, 0.002, 0),
                ForecastTarget.computeOptimal(1e20), options());
        Forecast rich = Forecaster.forecast(ladder(SIX_BUDGETS, 4, 0.002, 0), ForecastTarget.computeOptimal(3e21), options());
        assertEquals(Forecast.Status.INSUFFICIENT, thin.status());
        assertTrue(thin.warnings().stream().anyMatch(w -> w.contains("prior")), thin.warnings().toString());
        assertTrue((thin.hi() - thin.lo()) / thin.loss() > (rich.hi() - rich.lo()) / rich.loss(),
                "a 3-budget ladder gets a wider interval at the same 10× ratio");
        assertTrue(thin.lo() > 0, "intervals stay positive");
    }

    @Test
    void aBudgetThatMovesTheForecastIsFlaggedAndTheIntervalCoversEveryLeaveOneOut() {
        Ladder base = ladder(SIX_BUDGETS, 4, 0.001, 0);
        // The top budget's runs 4% high: leaving it out moves every forecast.
        List<Observation> shifted = new ArrayList<>();
        for (Observation o : base.observations()) {
            shifted.add(o.flops() == 3e20 ? new Observation(o.params(), o.tokens(), o.flops(), o.loss() * 1.04, o.group(), 1) : o);
        }
        Ladder l = new Ladder(shifted, BudgetGrouping.byLabel(shifted));
        Forecast f = Forecaster.forecast(l, ForecastTarget.computeOptimal(3e21), options());
        assertEquals(Forecast.Status.UNRELIABLE, f.status(), f.toString());
        assertTrue(f.warnings().stream().anyMatch(w -> w.startsWith("unstable")), f.warnings().toString());
        assertTrue(f.interval().widened());
        for (Forecast.LeftOut x : f.leaveOneOut()) {
            if (Double.isFinite(x.loss())) {
                assertTrue(f.covers(x.loss()), "leave-one-out " + x + " inside [" + f.lo() + ", " + f.hi() + "]");
            }
        }
        assertTrue(f.looSpreadPct() > 1, "spread " + f.looSpreadPct());
    }

    @Test
    void budgetsWithoutAnInteriorMinimumAreNamed() {
        // Grids drift off the optimum by 0.5 decades per decade of compute: the top budgets' minima fall off the grid.
        Forecast f = Forecaster.forecast(ladder(SIX_BUDGETS, 3, 0.001, 0.5), ForecastTarget.computeOptimal(3e21), options());
        assertTrue(f.warnings().stream().anyMatch(w -> w.startsWith("budgets without an interior minimum") && w.contains("3.000e+20")),
                f.warnings().toString());
    }

    @Test
    void aRunAtAGivenSizeIsForecastFromSurfacesOnly() {
        Ladder l = ladder(SIX_BUDGETS, 4, 0, 0);
        double n = 2e9, d = 4e11; // over-trained: 200 tokens per parameter
        Forecast f = Forecaster.forecast(l, ForecastTarget.run(n, d), options());
        assertEquals(TRUTH.loss(n, d), f.loss(), 0.005 * TRUTH.loss(n, d));
        assertTrue(f.covers(TRUTH.loss(n, d)));
        assertEquals(n, f.params());
        for (Forecast.Weight w : f.weights()) {
            assertTrue(w.method().startsWith("vpnls"), "only surface methods can forecast a given N and D: " + w);
        }
        // leave one budget out works for a run at a given size too: on a noise-free ladder no budget moves it
        assertEquals(SIX_BUDGETS.length, f.leaveOneOut().size());
        for (Forecast.LeftOut x : f.leaveOneOut()) {
            assertEquals(f.loss(), x.loss(), 0.01 * f.loss(), "leaving out " + x.budget());
        }
    }

    @Test
    void aLadderThatCountsFlopsItsOwnWayIsForecastInItsOwnFlops() {
        // Labels of 0.33·6·N·D (a lab counting FLOPs without embeddings, say): the same runs, filed under budgets 3× lower.
        List<Observation> own = new ArrayList<>();
        for (Observation o : ladder(SIX_BUDGETS, 4, 0, 0).observations()) {
            own.add(Observation.inBudget(o.params(), o.tokens(), 0.33 * o.flops(), o.loss()));
        }
        Observation stray = own.get(5); // and one run filed under a budget 3× its own
        own.add(Observation.inBudget(stray.params(), stray.tokens(), 3 * stray.flops(), stray.loss()));
        Ladder l = new Ladder(own, BudgetGrouping.byLabel(own));
        Forecast f = Forecaster.forecast(l, ForecastTarget.computeOptimal(0.33 * 3e21), options());
        double truth = TRUTH.optimalAt(3e21).loss();
        assertEquals(truth, f.loss(), 0.005 * truth, f.method());
        assertTrue(f.covers(truth));
        assertEquals(TRUTH.optimalAt(3e21).params(), f.params(), 0.1 * f.params(), "N* in the ladder's own FLOPs");
        for (Forecast.PanelEntry p : f.panel()) {
            if (p.method().startsWith("vpnls") && Double.isFinite(p.loss())) {
                assertEquals(truth, p.loss(), 0.005 * truth, p.method() + " reads the labels as the ladder counts them");
            }
        }
        assertTrue(f.assumptions().stream().anyMatch(a -> a.startsWith("FLOP labels are 0.33")), f.assumptions().toString());
        assertTrue(f.warnings().stream().anyMatch(w -> w.startsWith("1 run(s) have FLOP labels")), f.warnings().toString());
        // a run's compute, unless given, is counted as the ladder counts: its ratio is to the ladder's labelled budgets
        double n = 2e9, d = 4e10;
        Forecast run = Forecaster.forecast(l, ForecastTarget.run(n, d), options());
        assertEquals(0.33 * 6 * n * d, run.target().compute(), 1e-9 * run.target().compute());
        assertEquals(0.33 * 6 * n * d / (0.33 * SIX_BUDGETS[SIX_BUDGETS.length - 1]), run.ratio(), 1e-6);
        Forecast given = Forecaster.forecast(l, new ForecastTarget(1e21, n, d), options());
        assertEquals(1e21, given.target().compute());
        // a stated compute is kept even when it happens to equal 6·N·D: stated is a fact of the target, not of its value
        Forecast stated = Forecaster.forecast(l, new ForecastTarget(6 * n * d, n, d), options());
        assertEquals(6 * n * d, stated.target().compute());
    }

    @Test
    void aTargetInsideTheLadderIsCalledAProjection() {
        Forecast f = Forecaster.forecast(ladder(SIX_BUDGETS, 4, 0.001, 0), ForecastTarget.computeOptimal(1e19), options());
        assertTrue(f.ratio() < 1);
        assertTrue(f.warnings().stream().anyMatch(w -> w.contains("projection")), f.warnings().toString());
    }

    @Test
    void recentCutsSetTheModelErrorAndTheirEffectiveCountTheQuantile() {
        // The two smallest budgets' runs 5% high (as under-trained early runs are): backtests from the first cuts err
        // badly, later cuts, fitted on many good budgets, do not.
        double[] eight = {1e17, 3e17, 1e18, 3e18, 1e19, 3e19, 1e20, 3e20};
        Ladder base = ladder(eight, 4, 0.001, 0);
        List<Observation> bad = new ArrayList<>();
        for (Observation o : base.observations()) {
            bad.add(o.flops() < 5e17 ? new Observation(o.params(), o.tokens(), o.flops(), o.loss() * 1.05, o.group(), 1) : o);
        }
        Ladder l = new Ladder(bad, BudgetGrouping.byLabel(bad));
        ForecastTarget t = ForecastTarget.computeOptimal(3e21);
        Forecast recent = Forecaster.forecast(l, t, options());
        Forecast flat = Forecaster.forecast(l, t, options().withRecencyDecades(Double.POSITIVE_INFINITY));
        assertEquals(flat.loss(), recent.loss(), 1e-12, "recency weighs the interval's evidence, not the choice of method");
        assertTrue(recent.interval().modelErrorPct() < flat.interval().modelErrorPct(),
                recent.interval() + " vs " + flat.interval());
        assertTrue(recent.interval().effectiveCuts() < recent.interval().backtestCuts(), recent.interval().toString());
        assertEquals(flat.interval().backtestCuts(), flat.interval().effectiveCuts(), 1e-9);
        assertTrue(recent.interval().degreesOfFreedom() < flat.interval().degreesOfFreedom());
        // the model error is measured about zero (no mean error is estimated): each effective cut and each of the prior's
        // 2 cuts is a degree of freedom
        assertEquals(recent.interval().effectiveCuts() + 2, recent.interval().degreesOfFreedom(), 1e-9);
        assertTrue(recent.interval().describe(0.9).contains("effective"), recent.interval().describe(0.9));
    }

    @Test
    void theIntervalIsLaplaceShapedOnTheBacktestsMeanAbsoluteError() {
        Ladder l = ladder(SIX_BUDGETS, 4, 0.003, 0);
        for (double level : new double[] {0.5, 0.9}) {
            Forecast f = Forecaster.forecast(l, ForecastTarget.computeOptimal(1e22), options().withLevel(level));
            Forecast.IntervalParts p = f.interval();
            assertFalse(p.widened(), p.toString());
            // |e| ÷ (mean of ν |eᵢ|) is F(2, 2ν) for Laplace errors: the level's quantile of that, not Student-t's
            double q = new org.apache.commons.math3.distribution.FDistribution(2, 2 * p.degreesOfFreedom())
                    .inverseCumulativeProbability(level);
            assertEquals(q, p.quantile(), 1e-9);
            // the bootstrap's sd enters as the Laplace scale of its variance
            double half = q * Math.sqrt(Math.pow(p.modelErrorPct() / 100, 2) + Math.pow(p.bootstrapPct() / 100, 2) / 2);
            assertEquals(half, Math.log(f.hi() / f.loss()), 1e-9);
            assertEquals(half, Math.log(f.loss() / f.lo()), 1e-9);
        }
        // with many cuts the quantile is the Laplace one: P(|e| ≤ q·b) = 1 − e^(−q), so ln 2 at 50%
        assertEquals(Math.log(2), new org.apache.commons.math3.distribution.FDistribution(2, 2e6)
                .inverseCumulativeProbability(0.5), 1e-3);
    }

    @Test
    void kishCountsEqualWeightsAsTheirNumberAndOneDominantWeightAsAboutOne() {
        assertEquals(4, Forecaster.effectiveCount(List.of(2.0, 2.0, 2.0, 2.0)), 1e-12);
        assertEquals(1, Forecaster.effectiveCount(List.of(1.0, 1e-9, 1e-9)), 1e-6);
        assertEquals(0, Forecaster.effectiveCount(List.of()), 0);
    }

    @Test
    void aSurfaceWithoutAComputeOptimumStillForecastsARunAtAGivenSize() {
        // Loss that does not depend on N (A = 0): no compute optimum, but a run's loss at (N, D) is still defined.
        LossSurface flatInN = new LossSurface(1.69, 0, 410.7, 0.34, 0.28);
        List<Observation> obs = new ArrayList<>();
        for (double size : new double[] {1e7, 3e7, 1e8, 3e8, 1e9}) {
            for (double perParam : new double[] {5, 20, 80}) {
                obs.add(Observation.of(size, perParam * size, flatInN.loss(size, perParam * size)));
            }
        }
        Ladder l = new Ladder(obs, BudgetGrouping.cluster(obs, BudgetGrouping.DEFAULT_GAP_DECADES));
        double n = 1e9, d = 2e10;
        Forecast f = Forecaster.forecast(l, ForecastTarget.run(n, d), options());
        assertEquals(flatInN.loss(n, d), f.loss(), 0.01 * flatInN.loss(n, d));
        assertTrue(f.panel().stream().anyMatch(p -> p.note() != null && p.note().startsWith("no compute optimum")), f.panel().toString());
    }
}
