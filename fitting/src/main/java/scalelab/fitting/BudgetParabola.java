package scalelab.fitting;

/**
 * Approach 2's fit of one IsoFLOP budget: L ≈ p0 + p1·x + p2·x² with x = ln N, and its diagnostics.
 *
 * @param compute        the budget C (FLOPs)
 * @param runs           runs in the budget
 * @param p0             constant term (x = ln N, raw parameters)
 * @param p1             linear term
 * @param p2             curvature; must be positive for a minimum
 * @param vertexParams   N* = exp(−p1 / 2p2)
 * @param vertexTokens   D* = C / (6·N*)
 * @param vertexLoss     the parabola's value at its vertex
 * @param curvaturePositive p2 > 0
 * @param vertexInside   the vertex lies inside the sampled range of ln N
 * @param offCentre      (x* − centre) / half-width of the sampled ln N range: 0 is a centred grid, ±1 is the edge
 * @param widthDecades   log10(N_max / N_min): wide grids bias the vertex (Czech et al. 2026)
 * @param minObservedLoss the lowest observed loss in the budget
 * @param used           whether this budget entered the power-law regressions
 */
public record BudgetParabola(double compute, int runs, double p0, double p1, double p2, double vertexParams,
                             double vertexTokens, double vertexLoss, boolean curvaturePositive, boolean vertexInside,
                             double offCentre, double widthDecades, double minObservedLoss, boolean used) {
}
