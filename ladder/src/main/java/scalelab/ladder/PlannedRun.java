package scalelab.ladder;

import scalelab.training.RunSpec;

/**
 * One run of a planned ladder.
 *
 * @param family           family name
 * @param budget           the compute budget C this run is planned for (FLOPs)
 * @param width            d_model
 * @param spec             the resolved run spec (its {@link RunSpec#specHash()} keys the run everywhere)
 * @param estimatedSeconds expected wall time on this machine from the {@link ThroughputModel}: start-up, training and
 *                         every held-out evaluation pass
 * @param evalTokens       held-out tokens per evaluation, the ladder's {@code eval.tokens} (one fixed set per ladder)
 */
public record PlannedRun(String family, double budget, int width, RunSpec spec, double estimatedSeconds, long evalTokens) {

    public String specHash() {
        return spec.specHash();
    }

    /** N: non-embedding parameters (all experts). */
    public long params() {
        return spec.model().nonEmbeddingParams();
    }

    /** N_active: non-embedding parameters a token passes through (the N of the scaling law). */
    public long activeParams() {
        return spec.model().activeParams();
    }

    /** D: training tokens. */
    public long tokens() {
        return spec.tokens();
    }

    /** Exact planned FLOPs under ModelConfig's convention. */
    public double plannedFlops() {
        return spec.flops();
    }

    /** (planned FLOPs − budget) / budget. */
    public double budgetError() {
        return plannedFlops() / budget - 1.0;
    }
}
