package scalelab.fitting.moe;

import scalelab.fitting.Observation;

/**
 * One finished dense or mixture-of-experts run as the MoE fitters see it. A dense run is {@code experts = 1,
 * topK = 1, granularity = 1, totalParams = activeParams}.
 *
 * @param activeParams N_act: parameters used per token (shared + top-k experts + router); compute is counted in these
 * @param totalParams  N_total: all parameters (memory footprint), at least N_act
 * @param tokens       D: training tokens
 * @param flops        C: training compute in FLOPs, counted with active parameters
 * @param loss         final held-out loss
 * @param experts      E: routed experts per MoE layer (1 for dense)
 * @param topK         experts each token is routed to, 1 ≤ top-k ≤ E
 * @param granularity  G of Krajewski et al. 2024: dense FFN width / expert width (1 = standard experts)
 * @param family       ladder family label (one expert configuration per family), non-blank
 */
public record MoeObservation(double activeParams, double totalParams, double tokens, double flops, double loss,
                             int experts, int topK, double granularity, String family) {

    public MoeObservation {
        requirePositive("activeParams", activeParams);
        requirePositive("totalParams", totalParams);
        requirePositive("tokens", tokens);
        requirePositive("flops", flops);
        requirePositive("loss", loss);
        requirePositive("granularity", granularity);
        if (totalParams < activeParams) {
            throw new IllegalArgumentException("totalParams (" + totalParams + ") must be at least activeParams ("
                    + activeParams + ") in family " + family);
        }
        if (experts < 1) {
            throw new IllegalArgumentException("experts must be at least 1 (1 = dense), got " + experts);
        }
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("topK must be between 1 and experts (" + experts + "), got " + topK);
        }
        if (family == null || family.isBlank()) {
            throw new IllegalArgumentException("family label must be non-blank");
        }
    }

    /** A dense run with C = 6·N·D. */
    public static MoeObservation dense(double params, double tokens, double loss, String family) {
        return new MoeObservation(params, params, tokens, 6.0 * params * tokens, loss, 1, 1, 1.0, family);
    }

    /** An MoE run with standard-width experts (G = 1) and C = 6·N_act·D. */
    public static MoeObservation moe(double activeParams, double totalParams, double tokens, double loss,
                                     int experts, int topK, String family) {
        return new MoeObservation(activeParams, totalParams, tokens, 6.0 * activeParams * tokens, loss, experts, topK,
                1.0, family);
    }

    public boolean isDense() {
        return experts == 1;
    }

    /** How these runs' FLOP labels relate to 6·N_act·D (see {@link scalelab.fitting.FlopConvention}). */
    public static scalelab.fitting.FlopConvention flopConvention(java.util.List<MoeObservation> runs) {
        return scalelab.fitting.FlopConvention.measure(runs.stream()
                .map(o -> Observation.inBudget(o.activeParams(), o.tokens(), o.flops(), o.loss())).toList());
    }

    /** The (E, top-k, G) configuration this run belongs to, as a prediction target at its own N_act and D. */
    public MoeTarget asTarget() {
        return new MoeTarget(experts, topK, granularity, activeParams, tokens);
    }

    /** The shared dense-fitter view (N = active parameters), labelled with this run's family. */
    public Observation toObservation() {
        return new Observation(activeParams, tokens, flops, loss, family, 1.0);
    }

    private static void requirePositive(String name, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(name + " must be a finite positive number, got " + v);
        }
    }
}
