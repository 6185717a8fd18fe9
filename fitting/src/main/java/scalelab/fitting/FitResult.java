package scalelab.fitting;

import java.util.List;
import java.util.Map;

/**
 * One fit, with everything needed to trust (or distrust) it and to reproduce it.
 *
 * @param method           "vpnls", "approach3" or "approach2"
 * @param status           how the fit ended; anything but CONVERGED explains itself in {@code message}
 * @param message          human-readable detail of the status
 * @param surface          L(N, D) in raw units (parameters, tokens); null for Approach 2 (no surface)
 * @param surfaceInFitUnits the same surface for N/units.paramsScale, D/units.tokensScale; null for Approach 2
 * @param units            normalisation used inside the fit
 * @param objectiveName    what {@code objectiveValue} is, e.g. "sum of squares" or "sum of huber(delta=0.001)"
 * @param objectiveValue   the minimised objective (summed, not averaged)
 * @param n                number of observations used
 * @param inputSha256      {@link ContentHash} of the observations used
 * @param warnings         everything a reader should know (bias risks, excluded budgets, ...)
 * @param paramsExponent   a in N*(C) ∝ C^a
 * @param tokensExponent   b in D*(C) ∝ C^b
 * @param approach2        per-budget parabolas and vertex laws (Approach 2 only, else null)
 * @param settings         the options that produced the fit (grid, box, refinement, starts ...), for reproduction
 * @param flops            how the runs' FLOP labels count compute (measured on them): the C of {@link #optimalAt} and
 *                         of the exponents is counted the same way, so a fit allocates in its ladder's own FLOPs
 */
public record FitResult(String method, FitStatus status, String message, LossSurface surface,
                        LossSurface surfaceInFitUnits, Units units, String objectiveName, double objectiveValue, int n,
                        String inputSha256, List<String> warnings, double paramsExponent, double tokensExponent,
                        Approach2Details approach2, Map<String, String> settings, FlopConvention flops) {

    public FitResult {
        java.util.Objects.requireNonNull(flops, "flops (use FlopConvention.SIX_ND for C = 6·N·D)");
        warnings = List.copyOf(warnings);
        settings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
    }

    public boolean hasSurface() {
        return surface != null;
    }

    /**
     * Compute-optimal N*, D*, L* at C FLOPs, C counted as the fitted runs' labels count it: from the surface when there
     * is one (along {@link #flops}), else from Approach 2's vertex power laws (fitted on the labels themselves).
     */
    public ComputeOptimal optimalAt(double compute) {
        if (surface != null) {
            return flops.optimalAt(surface, compute);
        }
        if (approach2 == null) {
            throw new IllegalStateException("fit has neither a surface nor Approach 2 laws");
        }
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("compute must be a finite positive number of FLOPs, got " + compute);
        }
        return new ComputeOptimal(compute, approach2.paramsLaw().at(compute), approach2.tokensLaw().at(compute),
                approach2.vertexLossLaw().at(compute));
    }

    /** Predicted loss at a given N and D (needs a surface: Approach 2 has none). */
    public double predictLoss(double params, double tokens) {
        if (surface == null) {
            throw new IllegalStateException(method + " fits no loss surface, so it cannot predict loss at a given N and D");
        }
        return surface.loss(params, tokens);
    }
}
