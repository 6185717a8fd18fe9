package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainingRegimeTest {
    private static final LadderPlanner PLANNER = new LadderPlanner(ThroughputModel.DEFAULT);

    /** The quickstart ladder's shape with a batch cap of {@code max}: ~1200 steps per run, a target 10x the top budget at d48. */
    private static String ladder(int max) {
        return """
                name: regime
                seq_len: 64
                budgets: [2e11, 4e11, 8e11]
                sizes: {count: 4, span: 3, tokens_per_param: 50, width_step: 8, min_width: 16, max_width: 256}
                rules: {depth: {divisor: 100, min: 2}, head_dim: 8, batch: {min: 4, max: %d, target_steps: 1200}}
                targets:
                  - {name: ten-x, budget: 8e12, width: 48}
                """.formatted(max);
    }

    @Test
    void aTargetWhoseBatchIsCappedTrainsOffTheLaddersStepsAndIsNamed() {
        LadderSpec capped = LadderSpecReader.parse(ladder(64), "capped.yaml");
        LadderPlan plan = PLANNER.plan(capped);
        PlannedRun target = PLANNER.planTarget(capped, capped.targets().get(0));
        long maxLadderSteps = plan.runs().stream().mapToLong(r -> r.spec().steps()).max().orElseThrow();
        // every ladder run stays under the cap; the target hits it and takes ~4x the ladder's steps
        assertEquals(64, target.spec().batchSize());
        assertTrue(target.spec().steps() > TrainingRegime.STEP_TOLERANCE * maxLadderSteps, target.spec().steps() + " vs " + maxLadderSteps);
        Optional<String> warning = TrainingRegime.outsideLadder(plan, target);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().contains("4,076 optimiser steps at batch 64") && warning.get().contains("raise batch.max"), warning.get());
    }

    @Test
    void aTargetThatFollowsTheLaddersBatchRuleStaysInItsRegime() {
        LadderSpec uncapped = LadderSpecReader.parse(ladder(256), "uncapped.yaml");
        LadderPlan plan = PLANNER.plan(uncapped);
        PlannedRun target = PLANNER.planTarget(uncapped, uncapped.targets().get(0));
        assertEquals(256, target.spec().batchSize());
        assertEquals(Optional.empty(), TrainingRegime.outsideLadder(plan, target));
    }

    @Test
    void aTargetOfAFamilyTheLadderLacksIsAnError() {
        LadderSpec spec = LadderSpecReader.parse(ladder(256), "uncapped.yaml");
        LadderPlan plan = PLANNER.plan(spec);
        PlannedRun target = PLANNER.planTarget(spec, spec.targets().get(0));
        PlannedRun moe = new PlannedRun("moe", target.budget(), target.width(), target.spec(), 0, 0);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrainingRegime.outsideLadder(plan, moe));
        assertTrue(e.getMessage().contains("no runs of family moe"), e.getMessage());
    }
}
