package scalelab.cli.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import scalelab.ladder.LadderPlan;
import scalelab.ladder.LadderPlanner;
import scalelab.ladder.LadderSpec;
import scalelab.ladder.LadderSpecReader;
import scalelab.ladder.PlannedRun;
import scalelab.ladder.ThroughputModel;

/** The quickstart sizes its target within what the ladder measured, whatever N* a poor fit proposes. */
class TargetSizeTest {
    @Test
    void theTargetsRangeRunsFromTheSmallestRunToTheLargestGrownAsRootCompute() {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot", ".."));
        LadderSpec ladder = LadderSpecReader.read(repo.resolve("examples/ladder-tiny.yaml"));
        LadderPlan plan = new LadderPlanner(ThroughputModel.DEFAULT).plan(ladder);
        LadderSpec.Target target = ladder.targets().get(0);
        double[] range = QuickstartCommand.measuredSizes(plan, target, ladder);
        double smallest = plan.runs().stream().mapToDouble(PlannedRun::activeParams).min().orElseThrow();
        double largest = plan.runs().stream().mapToDouble(PlannedRun::activeParams).max().orElseThrow();
        assertEquals(smallest, range[0]);
        // ladder-tiny's target is 10x its largest budget
        assertEquals(largest * Math.sqrt(10), range[1], 1e-6 * range[1]);
    }

    @Test
    void aPredictionFiledForAnotherTargetIsNotReused() {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot", ".."));
        LadderSpec ladder = LadderSpecReader.read(repo.resolve("examples/ladder-tiny.yaml"));
        LadderPlanner planner = new LadderPlanner(ThroughputModel.DEFAULT);
        PlannedRun d48 = planner.planTarget(ladder, ladder.targets().get(0), 55776);
        PlannedRun d40 = planner.planTarget(ladder, ladder.targets().get(0), 38800);
        scalelab.registry.Prediction filed = new scalelab.registry.Prediction(7L, d48.spec().name(), "dense", d48.activeParams(),
                d48.tokens(), d48.plannedFlops(), 1.69, 1.4, 2.0, 0.9, "note", "method", 1L, "hash", "v", "a",
                java.time.Instant.now(), null, null, null);
        QuickstartCommand.requireFiledFor(filed, d48); // the same target: reused
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> QuickstartCommand.requireFiledFor(filed, d40));
        assertTrue(e.getMessage().contains("prediction #7") && e.getMessage().contains("N=38800") && e.getMessage().contains("new --db"),
                e.getMessage());
    }
}
