package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * The nonlinear half of variable projection: minimise the profiled objective f(θ) over exponents θ in a box.
 * A coarse grid over the first dimensions (the dense exponents α, β) picks starting points, then BOBYQA (bounded,
 * derivative-free) refines from each. Candidate for sharing with the dense VPNLS grid + refine.
 */
final class ProfiledSearch {

    /** Best exponents, their objective, evaluations used, and the names of exponents that ended on a box edge. */
    record Result(double[] theta, double value, int evaluations, List<String> atBound, String problem) {
    }

    private ProfiledSearch() {
    }

    /**
     * @param names      exponent names (for messages)
     * @param lower      box lower bounds
     * @param upper      box upper bounds
     * @param gridDims   how many leading dimensions to scan on a grid (others start at {@code base})
     * @param gridSteps  grid points per scanned dimension
     * @param base       starting values of the dimensions not scanned
     * @param extraStarts further starting points (e.g. a warm start), may be empty
     * @param refineFrom number of best grid points to refine from
     */
    static Result minimize(ToDoubleFunction<double[]> f, String[] names, double[] lower, double[] upper,
                           int gridDims, int gridSteps, double[] base, List<double[]> extraStarts, int refineFrom) {
        int dim = lower.length;
        int evals = 0;
        List<PointValuePair> seeds = new ArrayList<>();
        int total = (int) Math.pow(gridSteps, gridDims);
        for (int cell = 0; cell < total; cell++) {
            double[] th = base.clone();
            int rest = cell;
            for (int d = 0; d < gridDims; d++) {
                int k = rest % gridSteps;
                rest /= gridSteps;
                // Interior grid: the edges themselves are poor starting points for a trust-region method.
                th[d] = lower[d] + (upper[d] - lower[d]) * (k + 0.5) / gridSteps;
            }
            double v = f.applyAsDouble(th);
            evals++;
            if (Double.isFinite(v)) {
                seeds.add(new PointValuePair(th, v));
            }
        }
        seeds.sort((a, b) -> Double.compare(a.getValue(), b.getValue()));
        List<double[]> starts = new ArrayList<>();
        for (double[] s : extraStarts) {
            starts.add(clamp(s, lower, upper));
        }
        for (int i = 0; i < Math.min(refineFrom, seeds.size()); i++) {
            starts.add(seeds.get(i).getPoint());
        }
        if (starts.isEmpty()) {
            return new Result(base.clone(), Double.NaN, evals, List.of(), "profiled objective was not finite anywhere on the grid");
        }
        double minWidth = Double.POSITIVE_INFINITY;
        for (int d = 0; d < dim; d++) {
            minWidth = Math.min(minWidth, upper[d] - lower[d]);
        }
        double[] bestTheta = null;
        double bestValue = Double.POSITIVE_INFINITY;
        int refined = 0;
        for (double[] start : starts) {
            double v0 = f.applyAsDouble(start);
            evals++;
            if (Double.isFinite(v0) && v0 < bestValue) {
                bestValue = v0;
                bestTheta = start.clone();
            }
            if (dim == 1) {
                continue;
            }
            BOBYQAOptimizer opt = new BOBYQAOptimizer(2 * dim + 1, Math.min(0.1, minWidth / 4), 1e-9);
            try {
                PointValuePair p = opt.optimize(new MaxEval(4000), GoalType.MINIMIZE,
                        new ObjectiveFunction(th -> {
                            double v = f.applyAsDouble(th);
                            return Double.isFinite(v) ? v : 1e300;
                        }),
                        new InitialGuess(start), new SimpleBounds(lower, upper));
                evals += opt.getEvaluations();
                refined++;
                if (p.getValue() < bestValue) {
                    bestValue = p.getValue();
                    bestTheta = p.getPoint();
                }
            } catch (TooManyEvaluationsException e) {
                evals += 4000;
            }
        }
        String problem = dim > 1 && refined == 0
                ? "no refinement met its tolerance within 4000 evaluations (best grid point kept)" : null;
        if (bestTheta == null) {
            return new Result(base.clone(), Double.NaN, evals, List.of(), "profiled objective was not finite at any start");
        }
        List<String> atBound = new ArrayList<>();
        for (int d = 0; d < dim; d++) {
            double tol = 1e-4 * (upper[d] - lower[d]);
            if (bestTheta[d] - lower[d] <= tol || upper[d] - bestTheta[d] <= tol) {
                atBound.add(names[d] + "=" + String.format(java.util.Locale.ROOT, "%.4g", bestTheta[d])
                        + " in [" + lower[d] + ", " + upper[d] + "]");
            }
        }
        return new Result(bestTheta, bestValue, evals, atBound, problem);
    }

    private static double[] clamp(double[] x, double[] lower, double[] upper) {
        double[] c = x.clone();
        for (int d = 0; d < c.length; d++) {
            c[d] = Math.min(upper[d], Math.max(lower[d], c[d]));
        }
        return c;
    }
}
