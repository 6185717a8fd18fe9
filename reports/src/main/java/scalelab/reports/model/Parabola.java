package scalelab.reports.model;

import java.util.List;
import java.util.Objects;

/**
 * Approach 2's fit at one IsoFLOP budget: loss ≈ p0 + p1·x + p2·x² with x = ln N.
 *
 * @param budget      C in FLOPs
 * @param p0          constant term
 * @param p1          linear term
 * @param p2          quadratic term (curvature; must be &gt; 0 for a minimum)
 * @param vertexParams N at the vertex, exp(−p1 / 2p2), or NaN when p2 ≤ 0
 * @param minParams   smallest N sampled at this budget
 * @param maxParams   largest N sampled at this budget
 * @param diagnostics human-readable findings (vertex outside the sampled range, off-centre grid, grid width, ...)
 */
public record Parabola(double budget, double p0, double p1, double p2, double vertexParams,
                       double minParams, double maxParams, List<String> diagnostics) {
    public Parabola {
        Checks.positive("parabola budget", budget);
        Checks.finite("parabola p0", p0);
        Checks.finite("parabola p1", p1);
        Checks.finite("parabola p2", p2);
        Checks.positiveOrNaN("parabola vertex N", vertexParams);
        Checks.positive("parabola min N", minParams);
        Checks.positive("parabola max N", maxParams);
        diagnostics = List.copyOf(Objects.requireNonNull(diagnostics, "diagnostics"));
    }

    public double lossAt(double params) {
        double x = Math.log(params);
        return p0 + p1 * x + p2 * x * x;
    }

    public boolean hasMinimum() {
        return p2 > 0 && !Double.isNaN(vertexParams);
    }

    public double vertexLoss() {
        return lossAt(vertexParams);
    }

    /** Whether the vertex lies inside the sampled N range (else it is an extrapolation). */
    public boolean vertexInsideSampledRange() {
        return hasMinimum() && vertexParams >= minParams && vertexParams <= maxParams;
    }

    /** Width of the sampled N grid in decades. */
    public double gridWidthDecades() {
        return Math.log10(maxParams / minParams);
    }
}
