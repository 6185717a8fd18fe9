package scalelab.fitting;

/**
 * One finished training run as the fitters see it.
 *
 * @param params N: parameters (non-embedding, or active per token for MoE)
 * @param tokens D: training tokens
 * @param flops  C: training compute in FLOPs (the run's budget label, or 6·N·D when unknown)
 * @param loss   final held-out loss
 * @param group  IsoFLOP budget / family label, or null
 * @param weight relative weight in the objective (1 by default)
 */
public record Observation(double params, double tokens, double flops, double loss, String group, double weight) {

    public Observation {
        requirePositive("params", params);
        requirePositive("tokens", tokens);
        requirePositive("flops", flops);
        requirePositive("loss", loss);
        requirePositive("weight", weight);
    }

    /** An unlabelled observation with C = 6·N·D and weight 1. */
    public static Observation of(double params, double tokens, double loss) {
        return new Observation(params, tokens, 6.0 * params * tokens, loss, null, 1.0);
    }

    /** An observation in an IsoFLOP budget {@code flops}, labelled by that budget. */
    public static Observation inBudget(double params, double tokens, double flops, double loss) {
        return new Observation(params, tokens, flops, loss, null, 1.0);
    }

    /**
     * The one order fits and forecasts read runs in: by C, N, D, loss, weight. Fitters sum in order and the bootstrap
     * resamples by index, so the same runs read from a CSV (file order) and from the registry (id order) gave slightly
     * different numbers (the same interval as [1.9871, 2.0529] and [1.9874, 2.0531]); sorted, they give the same.
     */
    public static final java.util.Comparator<Observation> CANONICAL_ORDER = java.util.Comparator
            .comparingDouble(Observation::flops).thenComparingDouble(Observation::params)
            .thenComparingDouble(Observation::tokens).thenComparingDouble(Observation::loss)
            .thenComparingDouble(Observation::weight);

    /**
     * Lowest loss first; among equal losses the smaller N, then the smaller D: a budget's best run, whatever order its
     * runs were read in (published ladders repeat digitised losses, so ties are real).
     */
    public static final java.util.Comparator<Observation> BEST_FIRST = java.util.Comparator
            .comparingDouble(Observation::loss).thenComparingDouble(Observation::params).thenComparingDouble(Observation::tokens);

    public Observation withGroup(String newGroup) {
        return new Observation(params, tokens, flops, loss, newGroup, weight);
    }

    private static void requirePositive(String name, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(name + " must be a finite positive number, got " + v);
        }
    }
}
