package scalelab.registry;

import java.util.List;
import scalelab.fitting.Observation;

/**
 * The finished runs of a ladder as a fitter sees them, with the ids and the content hash a saved fit records.
 *
 * @param observations one per finished run, group = budget label (e.g. "1e18"), flops = the run's budget
 * @param runIds       the run id of each observation, same order
 * @param inputHash    SHA-256 over the runs' spec hashes, N, D, C and final losses (order-independent)
 */
public record ObservationSet(List<Observation> observations, List<Long> runIds, String inputHash) {
    public ObservationSet {
        observations = List.copyOf(observations);
        runIds = List.copyOf(runIds);
        if (observations.size() != runIds.size()) {
            throw new IllegalArgumentException("one run id per observation");
        }
    }
}
