package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.IsoFlopMinimum.Verdict;
import scalelab.ladder.LadderStatus.BudgetShape;
import scalelab.ladder.LadderStatus.Entry;

class LadderStatusTest {

    private static Entry finished(String family, double budget, int width, long params, long steps, double loss) {
        return new Entry("x-" + family + "-d" + width, "h" + width, family, budget, width, params, (long) (budget / (6.0 * params)),
                steps, RunState.FINISHED, 1, loss, null);
    }

    private static Entry pending(String family, double budget, int width, long params) {
        return new Entry("x-" + family + "-d" + width, "h" + width, family, budget, width, params, 1000, 500, RunState.PENDING, 0, null, null);
    }

    @Test
    void aCurveWithItsLowestLossInsideTheSizesIsUShaped() {
        // examples/ladder-cpu.yaml's top budget, 1.5e13 FLOPs at batch 4-32 (measured 2026-12-02, BENCHMARKS.md)
        List<Entry> runs = List.of(finished("dense", 1.5e13, 56, 75824, 5161, 1.5921), finished("dense", 1.5e13, 72, 125136, 3396, 1.5688),
                finished("dense", 1.5e13, 80, 231520, 1954, 1.5895), finished("dense", 1.5e13, 104, 390832, 1231, 1.6297),
                finished("dense", 1.5e13, 128, 788736, 1285, 1.6864));
        BudgetShape s = LadderStatus.shapes(runs).get(0);
        assertEquals(Verdict.INTERIOR, s.shape());
        assertEquals(72, s.bestWidth());
        assertEquals(125136, s.bestActiveParams());
        assertEquals(1.5688, s.bestLoss());
        assertEquals(5, s.finished());
        assertFalse(s.lossFollowsSteps(), "d56 has the most steps and not the lowest loss");
        assertTrue(s.describe().startsWith("U-shaped"), s.describe());
    }

    @Test
    void stepLimitedRunsAreNamedAsSuch() {
        // ladder-cpu at 2.5e13 FLOPs with target_steps 300 (measured 2026-12-01): loss ordered by steps, smallest best
        List<Entry> runs = List.of(finished("dense", 2.5e13, 72, 125136, 1415, 1.573), finished("dense", 2.5e13, 88, 280016, 689, 1.971),
                finished("dense", 2.5e13, 104, 390832, 513, 2.076), finished("dense", 2.5e13, 128, 788736, 268, 2.346),
                finished("dense", 2.5e13, 152, 1389584, 314, 2.226));
        BudgetShape s = LadderStatus.shapes(runs).get(0);
        assertEquals(Verdict.LOWEST_AT_SMALLEST, s.shape());
        assertTrue(s.lossFollowsSteps());
        assertTrue(s.describe().contains("step-limited"), s.describe());
        assertTrue(s.describe().contains("target_steps"), s.describe());
    }

    @Test
    void aCurveStillFallingAtTheLargestSizeSaysTheSizesAreTooSmall() {
        List<Entry> runs = List.of(finished("dense", 1e12, 32, 25000, 900, 2.3), finished("dense", 1e12, 48, 56000, 900, 2.1),
                finished("dense", 1e12, 64, 99000, 900, 2.0), finished("dense", 1e12, 80, 231000, 900, 1.95));
        BudgetShape s = LadderStatus.shapes(runs).get(0);
        assertEquals(Verdict.LOWEST_AT_LARGEST, s.shape());
        assertFalse(s.lossFollowsSteps(), "equal step counts are no evidence either way");
        assertTrue(s.describe().contains("too small"), s.describe());
    }

    @Test
    void onlyFinishedRunsCountAndTwoAreTooFewForAShape() {
        List<Entry> runs = List.of(finished("dense", 1e12, 32, 25000, 900, 2.3), pending("dense", 1e12, 48, 56000),
                finished("dense", 1e12, 64, 99000, 800, 2.0), pending("dense", 1e12, 80, 231000));
        BudgetShape s = LadderStatus.shapes(runs).get(0);
        assertEquals(Verdict.TOO_FEW_SIZES, s.shape());
        assertEquals(2, s.finished());
        assertEquals(4, s.runs());
        assertEquals(64, s.bestWidth());

        BudgetShape none = LadderStatus.shapes(List.of(pending("dense", 1e12, 48, 56000))).get(0);
        assertEquals(0, none.finished());
        assertEquals(Verdict.TOO_FEW_SIZES, none.shape());
    }

    @Test
    void theReportJudgesAMinimumAsTheGateDoes() {
        // lowest loss at the smallest size while a parabola through the five runs has its vertex inside: the report
        // used to pass such a budget to the gate as "no minimum" while the gate called it interior (ladder-tiny seed 3)
        List<Entry> runs = List.of(finished("dense", 8e11, 16, 100000, 1200, 1.90), finished("dense", 8e11, 24, 200000, 1200, 1.93),
                finished("dense", 8e11, 32, 400000, 1200, 1.91), finished("dense", 8e11, 40, 800000, 1200, 1.95),
                finished("dense", 8e11, 48, 1600000, 1200, 2.05));
        assertEquals(Verdict.LOWEST_AT_SMALLEST, LadderStatus.shapes(runs).get(0).shape());
        assertTrue(LadderStatus.shapeReport(runs).stream().anyMatch(l -> l.startsWith("warning: 1 budget(s) have no inside minimum")),
                LadderStatus.shapeReport(runs).toString());
        // lowest run inside, the parabola's vertex off the grid: not U-shaped either
        List<Entry> flat = List.of(finished("dense", 8e11, 16, 100000, 1200, 1.902), finished("dense", 8e11, 24, 200000, 1200, 1.90),
                finished("dense", 8e11, 32, 400000, 1200, 1.97), finished("dense", 8e11, 40, 800000, 1200, 2.0),
                finished("dense", 8e11, 48, 1600000, 1200, 2.02));
        assertEquals(Verdict.VERTEX_OUTSIDE, LadderStatus.shapes(flat).get(0).shape());
    }

    @Test
    void familiesAndBudgetsAreSeparateCurvesAndTargetRunsBelongToNone() {
        List<Entry> runs = new ArrayList<>();
        for (double b : new double[] {3e12, 1e12}) {
            runs.add(finished("moe4", b, 32, 20000, 900, 2.2));
            runs.add(finished("moe4", b, 48, 50000, 900, 2.0));
            runs.add(finished("moe4", b, 64, 90000, 900, 2.1));
            runs.add(finished("dense", b, 32, 25000, 900, 2.0));
            runs.add(finished("dense", b, 48, 56000, 900, 2.1));
            runs.add(finished("dense", b, 64, 99000, 900, 2.2));
        }
        runs.add(new Entry("x-target-big-d256", "t", null, 1e14, 256, 3_000_000, 5_000_000, 900, RunState.FINISHED, 1, 1.5, null));
        List<BudgetShape> shapes = LadderStatus.shapes(runs);
        assertEquals(4, shapes.size(), shapes.toString());
        assertEquals(List.of("dense", "dense", "moe4", "moe4"), shapes.stream().map(BudgetShape::family).toList());
        assertEquals(List.of(1e12, 3e12, 1e12, 3e12), shapes.stream().map(BudgetShape::budget).toList());
        shapes.forEach(s -> assertEquals(3, s.finished()));
        assertEquals(Verdict.LOWEST_AT_SMALLEST, shapes.get(0).shape());
        assertEquals(Verdict.INTERIOR, shapes.get(2).shape());
    }

    @Test
    void theFamilyIsReadBackFromEveryPlannedRunName() {
        LadderSpec spec = LadderSpecReader.parse("""
                name: fam-test
                seq_len: 64
                families:
                  - name: dense
                  - {name: moe-4e, experts: 4, top_k: 2, balance: aux, granularity: 2}
                budgets: [2e11, 7e11]
                sizes: {count: 3, span: 3, tokens_per_param: 20, width_step: 8, min_width: 16, max_width: 256}
                rules: {depth: {divisor: 32, min: 2}, head_dim: 16, batch: {min: 2, max: 64, target_steps: 100}}
                targets:
                  - {name: big-C1e12-run, budget: 1e13, width: 128}
                """, "fam.yaml");
        LadderPlanner planner = new LadderPlanner(ThroughputModel.DEFAULT);
        LadderPlan plan = planner.plan(spec);
        for (PlannedRun r : plan.runs()) {
            assertEquals(r.family(), LadderPlanner.familyOfRunName("fam-test", r.spec().name()), r.spec().name());
        }
        PlannedRun target = planner.planTarget(spec, spec.targets().get(0), 1e5);
        assertNull(LadderPlanner.familyOfRunName("fam-test", target.spec().name()), target.spec().name());
        assertNull(LadderPlanner.familyOfRunName("other", plan.runs().get(0).spec().name()));
    }
}
