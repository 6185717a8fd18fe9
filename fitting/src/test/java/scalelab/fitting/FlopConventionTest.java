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
    void aFitThatReadsComputeAsSixNdSaysSoWhenTheLabelsCountOtherwise() {
        List<Observation> own = relabelled(0.33, 0.06);
        FitResult fit = Vpnls.fit(own, Vpnls.Options.defaults());
        assertTrue(fit.warnings().stream().anyMatch(w -> w.startsWith("the runs' FLOP labels are 0.301·6·N·D (at N = 2.21e+08)")), fit.warnings().toString());
        // labels within 10% of 6·N·D (Chinchilla's digitised ones are 1.04 ± 5%) are not worth a warning
        assertEquals(null, FlopConvention.sixNdWarning(relabelled(1.05, 0)));
        assertEquals(null, FlopConvention.sixNdWarning(IsoFlopSimulator.sample(TRUTH,
                new IsoFlopSimulator.Design(BUDGETS, 7, 8, 0, 0, 0, 1))));
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
