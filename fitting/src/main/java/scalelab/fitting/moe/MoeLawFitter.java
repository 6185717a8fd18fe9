package scalelab.fitting.moe;

import java.util.List;

/** A way of fitting an MoE law to a ladder of dense and MoE runs; bootstrap and backtests refit through this. */
public interface MoeLawFitter {

    String lawName();

    /**
     * Fits the law.
     *
     * @throws IllegalArgumentException if the runs cannot support the law (too few points, too few expert counts …),
     *                                  naming the problem
     */
    MoeLawFit fit(List<MoeObservation> runs);

    /**
     * The fitter to use for bootstrap refits of {@code full}'s data: by default this one; fitters with a costly
     * search also start from {@code full}'s exponents (a coarse grid still runs, and wins if it finds a better basin).
     */
    default MoeLawFitter warmStartedFrom(MoeLawFit full) {
        return this;
    }

    /** The runs of {@code runs} this law uses (e.g. only MoE runs for a granularity law). */
    default List<MoeObservation> usable(List<MoeObservation> runs) {
        return runs;
    }
}
