package scalelab.registry;

import java.util.List;
import scalelab.fitting.ContentHash;
import scalelab.fitting.Observation;

/**
 * The finished runs of a ladder as a fitter sees them, with the ids and the content hash a saved fit records.
 *
 * @param observations one per finished run, group = budget label (e.g. "1e18"), flops = the run's budget
 * @param runIds       the run id of each observation, same order
 * @param inputHash    {@link ContentHash#of} the observations: the one canonical hash of a set of runs, equal to the
 *                     hash a fit of the same runs read from a CSV reports, whatever their order. Always computed
 *                     here, so a hash passed in by a caller (the registry's older spec-hash digest) is replaced.
 */
public record ObservationSet(List<Observation> observations, List<Long> runIds, String inputHash) {
    public ObservationSet {
        observations = List.copyOf(observations);
        runIds = List.copyOf(runIds);
        if (observations.size() != runIds.size()) {
            throw new IllegalArgumentException("one run id per observation");
        }
        // One hash for one set of runs (issue 16): the registry once digested spec hashes, which differ by source.
        inputHash = ContentHash.of(observations);
    }

    /** The same runs in {@link Observation#CANONICAL_ORDER}, run ids kept beside their observations. */
    public ObservationSet canonicalOrder() {
        List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, observations.size()).boxed().toList());
        order.sort((a, b) -> Observation.CANONICAL_ORDER.compare(observations.get(a), observations.get(b)));
        return new ObservationSet(order.stream().map(observations::get).toList(), order.stream().map(runIds::get).toList());
    }

    /** The set with its canonical hash. */
    public ObservationSet(List<Observation> observations, List<Long> runIds) {
        this(observations, runIds, null);
    }
}
