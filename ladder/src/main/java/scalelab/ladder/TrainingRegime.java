package scalelab.ladder;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a target trains under the regime its ladder was measured in. A law fitted on runs of ~1,200 optimiser steps
 * says what ~1,200-step runs reach; a target that takes 4× the steps (its batch held at the cap while the ladder's grew
 * with the tokens) is not on that law — measured on the quickstart ladder: 7% below the forecast at 4,076 steps,
 * 0.1% at 1,019 (BENCHMARKS.md "The quickstart ladder").
 */
public final class TrainingRegime {

    /** How far beyond the ladder's own step range a target may go before its loss is said to be off the ladder's law. */
    public static final double STEP_TOLERANCE = 1.5;

    private TrainingRegime() {}

    /**
     * @param plan   the ladder, whose runs of the target's family are compared
     * @param target the target as planned
     * @return what is off, in a sentence, or empty when the target's steps lie within the ladder runs' range widened by
     * {@link #STEP_TOLERANCE} either way
     */
    public static Optional<String> outsideLadder(LadderPlan plan, PlannedRun target) {
        List<PlannedRun> family = plan.runsOf(target.family());
        if (family.isEmpty()) {
            throw new IllegalArgumentException("the ladder has no runs of family " + target.family() + " to compare its target with");
        }
        long min = family.stream().mapToLong(r -> r.spec().steps()).min().orElseThrow();
        long max = family.stream().mapToLong(r -> r.spec().steps()).max().orElseThrow();
        long steps = target.spec().steps();
        if (steps >= min / STEP_TOLERANCE && steps <= max * STEP_TOLERANCE) {
            return Optional.empty();
        }
        int maxBatch = family.stream().mapToInt(r -> r.spec().batchSize()).max().orElseThrow();
        return Optional.of(String.format(Locale.ROOT, "the target trains %,d optimiser steps at batch %d; the ladder's %s runs "
                        + "trained %,d–%,d steps at batch ≤ %d: its loss is not on the law those runs measured (%s the "
                        + "ladder's batch rule%s)", steps, target.spec().batchSize(), target.family(), min, max, maxBatch,
                steps > max ? "raise batch.max so the target follows" : "lower batch.min so the target follows",
                steps > max ? " instead of capping it" : ""));
    }
}
