package scalelab.reports.model;

import java.util.List;
import java.util.Objects;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.LossSurface;

/**
 * One fit method's result, as the report compares them side by side.
 *
 * @param id         the fit's id in the registry, or "" when it was never stored
 * @param method     e.g. "vpnls", "approach3", "approach2"
 * @param status     e.g. "CONVERGED", "EXPONENT_ON_GRID_EDGE" (from {@link scalelab.fitting.FitStatus} or the method's own)
 * @param message    the status's explanation, "" when converged cleanly
 * @param warnings   e.g. Approach 2 bias warnings
 * @param surface    the fitted L(N, D) in raw units, or null for methods without one (Approach 2)
 * @param objective  final objective value, or NaN when not applicable
 * @param paramsExponent a of N*(C) ∝ C^a
 * @param tokensExponent b of D*(C) ∝ C^b
 * @param parabolas  Approach 2's per-budget parabolas, empty for other methods
 * @param inputCount number of runs fitted
 * @param inputHash  content hash of the fitted inputs, or ""
 * @param flops      how the fitted runs' labels count FLOPs: the C of {@link #optimalAt} (6·N·D when null is given)
 */
public record FitSummary(String id, String method, String status, String message, List<String> warnings,
                         LossSurface surface, double objective, double paramsExponent, double tokensExponent,
                         List<Parabola> parabolas, int inputCount, String inputHash, FlopConvention flops) {
    public FitSummary {
        flops = flops == null ? FlopConvention.SIX_ND : flops;
        id = id == null ? "" : id;
        Objects.requireNonNull(method, "fit method");
        Objects.requireNonNull(status, "fit status");
        message = message == null ? "" : message;
        inputHash = inputHash == null ? "" : inputHash;
        warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
        parabolas = List.copyOf(Objects.requireNonNull(parabolas, "parabolas"));
        Checks.finiteOrNaN("objective of " + method, objective);
        Checks.finiteOrNaN("exponent a of " + method, paramsExponent);
        Checks.finiteOrNaN("exponent b of " + method, tokensExponent);
        if (inputCount < 0) {
            throw new IllegalArgumentException("input count of " + method + " must be ≥ 0, got " + inputCount);
        }
    }

    /** A fit with a full surface; exponents a and b follow from it. */
    public static FitSummary ofSurface(String id, String method, String status, String message, List<String> warnings,
                                       LossSurface surface, double objective, int inputCount, String inputHash) {
        return new FitSummary(id, method, status, message, warnings, surface, objective,
                surface.paramsExponent(), surface.tokensExponent(), List.of(), inputCount, inputHash, FlopConvention.SIX_ND);
    }

    /** The same summary with other warnings. */
    public FitSummary withWarnings(List<String> newWarnings) {
        return new FitSummary(id, method, status, message, newWarnings, surface, objective, paramsExponent, tokensExponent,
                parabolas, inputCount, inputHash, flops);
    }

    /** Compute-optimal N*, D*, L* at C counted as the fitted runs count FLOPs (needs a surface with an optimum). */
    public ComputeOptimal optimalAt(double compute) {
        return flops.optimalAt(surface, compute);
    }

    public boolean hasSurface() {
        return surface != null;
    }

    /** A label for legends and table headers: the method, plus the id when there is one. */
    public String label() {
        return id.isEmpty() ? method : method + " #" + id;
    }
}
