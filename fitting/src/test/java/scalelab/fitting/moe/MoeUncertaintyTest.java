package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Bootstrap intervals, backtests and the law comparison on synthetic ladders from known laws. */
class MoeUncertaintyTest {

    static final MoeTarget TARGET = JointMoeFitterTest.heldOut();

    @Test
    void bootstrapIsSeededAndCoversTheTruthForBothLaws() {
        List<MoeObservation> runs = JointMoeFitterTest.ladder(0.002, 42);
        double truth = JointMoeFitterTest.TRUE_LAW.loss(TARGET.activeParams(), TARGET.tokens(), TARGET.experts());
        MoeBootstrap.Result joint = MoeBootstrap.predictionInterval(JointMoeFitter.defaults(), runs, TARGET, 40, 0.9, 7);
        MoeBootstrap.Result again = MoeBootstrap.predictionInterval(JointMoeFitter.defaults(), runs, TARGET, 40, 0.9, 7);
        System.out.println(joint.describe());
        assertEquals(joint, again, "same seed, same intervals");
        MoeBootstrap.Interval loss = joint.interval(MoeBootstrap.lossQuantity(TARGET));
        assertTrue(loss.lower() < loss.upper());
        assertTrue(loss.lower() <= loss.point() && loss.point() <= loss.upper(), loss.describe());
        assertTrue(loss.lower() <= truth && truth <= loss.upper(), loss.describe() + " vs truth " + truth);
        assertTrue(loss.upper() - loss.lower() < 0.02 * truth, "interval too wide to be useful: " + loss.describe());
        assertEquals(0, joint.failed());

        // Law (a) on data from its own family: interval on the compute multiplier too.
        List<MoeObservation> famRuns = SharedExponentFitterTest.ladder(0.002, 9);
        Map<String, ToDoubleFunction<MoeLawFit>> q = SharedExponentFitter.defaults().fit(famRuns).familyQuantities(1e21);
        MoeBootstrap.Result fam = MoeBootstrap.run(SharedExponentFitter.defaults(), famRuns, q, 40, 0.9, 3);
        MoeBootstrap.Interval mk = fam.interval("m·k[moe-e32-k2]");
        System.out.println(fam.describe());
        assertTrue(fam.intervals().containsKey("L*[dense]@1.00000e+21"), fam.intervals().keySet().toString());
        double trueMk = SharedExponentFitterTest.M32 * SharedExponentFitterTest.K32;
        assertTrue(mk.lower() <= trueMk && trueMk <= mk.upper(), mk.describe() + " vs truth " + trueMk);
        assertNotEquals(fam, MoeBootstrap.run(SharedExponentFitter.defaults(), famRuns, q, 40, 0.9, 4), "seed matters");
    }

    @Test
    void backtestOnNoiseFreeDataIsExactAndReportsItsReach() {
        List<MoeObservation> runs = JointMoeFitterTest.ladder(0, 1);
        double cut = MoeBacktest.cutBelowLargestBudget(runs);
        assertEquals(1e17, cut);
        MoeBacktest.Result bt = MoeBacktest.run(JointMoeFitter.defaults(), runs, cut);
        System.out.println(bt.describe());
        assertEquals(20, bt.heldOut().size());
        assertEquals(60, bt.trainingRuns());
        assertEquals(3.0, bt.computeRatio(), 1e-9);
        assertTrue(bt.maxAbsRelativeError() < 1e-5, bt.describe());
        var e = assertThrows(IllegalArgumentException.class, () -> MoeBacktest.run(JointMoeFitter.defaults(), runs, 1e18));
        assertTrue(e.getMessage().contains("no usable run lies above"), e.getMessage());
    }

    @Test
    void comparisonPrefersTheLawThatGeneratedTheData() {
        // Joint-law data with γ ≠ 0: the E-dependent N exponent cannot be written with shared exponents.
        List<MoeObservation> runs = JointMoeFitterTest.ladder(0.001, 5);
        List<MoeLawFitter> laws = List.of(SharedExponentFitter.defaults(), JointMoeFitter.defaults(), GranularityLawFitter.defaults());
        MoeLawComparison.Result cmp = MoeLawComparison.compare(laws, runs, TARGET, MoeBacktest.cutBelowLargestBudget(runs), 30, 0.9, 1);
        System.out.println(cmp.describe());
        assertEquals(JointMoeFitter.LAW_NAME, cmp.supportedLaw(), cmp.describe());
        assertTrue(cmp.rows().get(2).problem().contains("granularities") || cmp.rows().get(2).problem().contains("fixed"),
                cmp.rows().get(2).problem());
        assertNotNull(cmp.rows().get(0).prediction());

        // Family-surface data with a known multiplier: law (a) has fewer parameters and extrapolates at least as well.
        List<MoeObservation> famRuns = SharedExponentFitterTest.ladder(0.001, 6);
        MoeTarget famTarget = new MoeTarget(32, 2, 1.0, TARGET.activeParams(), TARGET.tokens());
        MoeLawComparison.Result cmp2 = MoeLawComparison.compare(laws.subList(0, 2), famRuns, famTarget,
                MoeBacktest.cutBelowLargestBudget(famRuns), 0, 0.9, 1);
        System.out.println(cmp2.describe());
        assertTrue(cmp2.rows().get(0).fit().bic() < cmp2.rows().get(1).fit().bic(), cmp2.describe());
        assertEquals(SharedExponentFitter.defaults().lawName(), cmp2.supportedLaw(), cmp2.describe());
        assertTrue(cmp2.reason().contains("BIC"), cmp2.reason());
    }

    @Test
    void predictionRecordCarriesIntervalBacktestAndWarnings() {
        List<MoeObservation> runs = JointMoeFitterTest.ladder(0.002, 42);
        MoePrediction p = MoePrediction.make(JointMoeFitter.defaults(), runs, TARGET, 30, 0.9, 11);
        System.out.println(p.describe());
        assertEquals(30.0, p.extrapolationFactor(), 1e-9);
        assertEquals(4, p.budgets());
        assertTrue(p.lower() <= p.predictedLoss() && p.predictedLoss() <= p.upper());
        assertEquals(3.0, p.backtestComputeRatio(), 1e-9);
        assertTrue(p.backtestMeanAbsRelativeError() < 0.005);
        assertTrue(p.warnings().isEmpty(), p.warnings().toString());

        // Two budgets only, and a target 1000x out: both must be flagged.
        List<MoeObservation> thin = runs.stream().filter(r -> r.flops() <= 3e16).toList();
        MoeTarget far = new MoeTarget(8, 2, 1.0, 1e9, 5e9);
        MoePrediction q = MoePrediction.make(JointMoeFitter.defaults(), thin, far, 20, 0.9, 11);
        assertTrue(q.warnings().stream().anyMatch(w -> w.contains("fragile: only 2 compute budget")), q.warnings().toString());
        assertTrue(q.warnings().stream().anyMatch(w -> w.contains("the largest ladder budget")), q.warnings().toString());
        assertTrue(Double.isNaN(q.backtestMeanAbsRelativeError()));
    }

    @Test
    void aTargetsComputeIsCountedAsTheRunsLabelsCountTheirs() {
        // a ladder whose labels count 1.4·6·N_act·D (attention, say): the target's compute and ratio are counted alike
        List<MoeObservation> runs = JointMoeFitterTest.ladder(0.002, 42).stream()
                .map(r -> new MoeObservation(r.activeParams(), r.totalParams(), r.tokens(), 1.4 * r.flops(), r.loss(),
                        r.experts(), r.topK(), r.granularity(), r.family())).toList();
        MoePrediction p = MoePrediction.make(JointMoeFitter.defaults(), runs, TARGET, 10, 0.9, 11);
        assertEquals(1.4 * TARGET.flops(), p.targetCompute(), 1e-6 * p.targetCompute());
        assertEquals(30.0, p.extrapolationFactor(), 1e-6, "as for the same ladder labelled 6·N_act·D");
    }
}
