package scalelab.ladder;

import java.util.List;
import java.util.Map;

/**
 * A resolved ladder: every run with its exact counts, the N* each budget's sizes were centred on, and warnings
 * (e.g. an automatic size clamped to min/max width).
 *
 * @param nStarCentres family → budget → the N* its sizes were centred on (automatic sizes only)
 */
public record LadderPlan(LadderSpec spec, List<PlannedRun> runs, Map<String, Map<Double, Double>> nStarCentres,
                         List<String> warnings) {
    public LadderPlan {
        runs = List.copyOf(runs);
        warnings = List.copyOf(warnings);
    }

    public double totalFlops() {
        return runs.stream().mapToDouble(PlannedRun::plannedFlops).sum();
    }

    public double totalEstimatedSeconds() {
        return runs.stream().mapToDouble(PlannedRun::estimatedSeconds).sum();
    }

    /** The ladder's total compute as a fraction of the target's budget. */
    public double fractionOf(LadderSpec.Target target) {
        return totalFlops() / target.budget();
    }

    public List<PlannedRun> runsAt(double budget) {
        return runs.stream().filter(r -> r.budget() == budget).toList();
    }

    /** The runs of one family (dense, or an MoE family), at every budget. */
    public List<PlannedRun> runsOf(String family) {
        return runs.stream().filter(r -> r.family().equals(family)).toList();
    }
}
