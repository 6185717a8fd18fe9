package scalelab.cli.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
