package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.forecast.ForecastMethod;
import scalelab.fitting.forecast.Ladder;
import scalelab.fitting.forecast.PanelMethods;

class FlopConventionTest {
    private static final LossSurface TRUTH = new LossSurface(1.8, 400, 410, 0.34, 0.28);
    private static final double[] BUDGETS = {1e18, 3e18, 1e19, 3e19, 1e20};

    /** A ladder sampled at 6·N·D = C/κ(N) but labelled C, as a lab that counts FLOPs its own way files it. */
    private static List<Observation> relabelled(double kappaAt1e9, double slope) {
        List<Observation> out = new ArrayList<>();
        for (Observation o : IsoFlopSimulator.sample(TRUTH, new IsoFlopSimulator.Design(BUDGETS, 7, 8, 0, 0, 0, 1))) {
            double kappa = kappaAt1e9 * Math.pow(o.params() / 1e9, slope);
            // same N, fewer tokens: the run that label C buys under this convention
            double d = o.flops() / (6 * kappa * o.params());
            out.add(Observation.inBudget(o.params(), d, o.flops(), TRUTH.loss(o.params(), d)));
        }
        return out;
    }

    @Test
    void labelsThatAreSixNdGiveTheClosedFormUnchanged() {
        List<Observation> obs = IsoFlopSimulator.sample(TRUTH, new IsoFlopSimulator.Design(BUDGETS, 7, 8, 0, 0, 0, 1));
        FlopConvention c = FlopConvention.measure(obs);
        assertSame(FlopConvention.SIX_ND, c);
        assertEquals(TRUTH.optimalAt(1e21), c.optimalAt(TRUTH, 1e21));
        assertEquals(6e20, c.flops(1e9, 1e11), 1e6);
    }

    @Test
    void measuresAConventionThatVariesWithSizeAndReportsMislabelledRuns() {
        List<Observation> obs = new ArrayList<>(relabelled(0.33, 0.06));
        // two runs filed under a budget 3× too large (a checkpoint of a smaller budget's run, say)
        Observation a = obs.get(3), b = obs.get(20);
        obs.add(Observation.inBudget(a.params(), a.tokens(), 3 * a.flops(), a.loss()));
        obs.add(Observation.inBudget(b.params(), b.tokens(), 3 * b.flops(), b.loss()));
        FlopConvention c = FlopConvention.measure(obs);
        assertEquals(2, c.disagreeing());
        assertEquals(obs.size() - 2, c.runs());
        assertEquals(0.06, c.slope(), 1e-9);
        assertEquals(0.33, c.kappa(1e9), 1e-9);
        assertEquals(0.33 * Math.pow(4, 0.06) * 6 * 4e9 * 1e11, c.flops(4e9, 1e11), 1e12);
    }

    @Test
    void theOptimumUnderAConventionIsTheMinimumAlongItsBudget() {
        FlopConvention c = FlopConvention.measure(relabelled(0.33, 0.06));
        double budget = 1e22;
        ComputeOptimal opt = c.optimalAt(TRUTH, budget);
        assertEquals(budget, c.flops(opt.params(), opt.tokens()), budget * 1e-9);
        // brute force over ln N along κ(N)·6·N·D = C
        double best = Double.POSITIVE_INFINITY;
        for (double ln = Math.log(1e8); ln < Math.log(1e12); ln += 1e-4) {
            double n = Math.exp(ln);
            best = Math.min(best, TRUTH.loss(n, budget / (6 * c.kappa(n) * n)));
        }
        assertEquals(best, opt.loss(), 1e-7);
        // and it is not the 6·N·D optimum of the same label: a label of 0.33·6·N·D spends 3× the compute it says
        assertTrue(opt.loss() < TRUTH.optimalAt(budget).loss() * 0.995, opt + " vs " + TRUTH.optimalAt(budget));
    }

    @Test
    void aFitAllocatesInItsRunsOwnFlopCount() {
        List<Observation> own = relabelled(0.33, 0.06);
        FitResult fit = Vpnls.fit(own, Vpnls.Options.defaults());
        FlopConvention measured = FlopConvention.measure(own);
        assertEquals(measured, fit.flops());
        double budget = 1e22;
        ComputeOptimal opt = fit.optimalAt(budget);
        // the allocation spends the label as these runs spend theirs, and is the surface's minimum along it
        assertEquals(budget, measured.flops(opt.params(), opt.tokens()), budget * 1e-9);
        assertEquals(measured.optimalAt(fit.surface(), budget).loss(), opt.loss(), 1e-12);
        // its exponents describe the same frontier: N*(C) ∝ C^a along the labels
        double a = Math.log(fit.optimalAt(10 * budget).params() / opt.params()) / Math.log(10);
        assertEquals(a, fit.paramsExponent(), 1e-9);
        double b = Math.log(fit.optimalAt(10 * budget).tokens() / opt.tokens()) / Math.log(10);
        assertEquals(b, fit.tokensExponent(), 1e-9);
        // a run of N parameters labelled C trains on the tokens the labels imply, and back
        double d = measured.tokensAt(2e9, budget);
        assertEquals(budget, measured.flops(2e9, d), budget * 1e-12);
        assertEquals(2e9, measured.paramsAt(d, budget), 2e9 * 1e-9);
        // runs labelled 6·N·D allocate as the surface's own closed form
        FitResult six = Vpnls.fit(IsoFlopSimulator.sample(TRUTH, new IsoFlopSimulator.Design(BUDGETS, 7, 8, 0, 0, 0, 1)),
                Vpnls.Options.defaults());
        assertTrue(six.flops().isSixNd());
        assertEquals(six.surface().optimalAt(budget), six.optimalAt(budget));
    }

    @Test
    void aSurfaceMethodForecastsTheFrontierInTheLaddersOwnFlops() throws Exception {
        List<Observation> obs = relabelled(0.33, 0.06);
        Ladder ladder = new Ladder(obs, BudgetGrouping.byLabel(obs));
        ForecastMethod.Fitted f = PanelMethods.vpnls(LossObjective.MSE).fit(ladder);
        double target = 1e21;
        double truth = FlopConvention.measure(ladder.observations()).optimalAt(TRUTH, target).loss();
        assertEquals(truth, f.optimalLoss(target), truth * 1e-4);
        // read as 6·N·D the same label would be forecast > 0.5% too high: the error this convention removes
        assertTrue(TRUTH.optimalAt(target).loss() > truth * 1.005);
    }
}
