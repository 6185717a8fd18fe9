package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.commons.math3.exception.ConvergenceException;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.exception.TooManyIterationsException;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresBuilder;
import org.apache.commons.math3.fitting.leastsquares.LeastSquaresOptimizer;
import org.apache.commons.math3.fitting.leastsquares.LevenbergMarquardtOptimizer;
import org.apache.commons.math3.fitting.leastsquares.MultivariateJacobianFunction;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.util.Pair;

/**
 * The nonlinear half of variable projection: minimise the profiled objective Σ r̃_i(θ)² over exponents θ in a box,
 * where r̃(θ) are the residuals left after the exact linear solve (signed √ρ for Huber). A coarse grid over the
 * leading dimensions (the dense exponents α, β) picks starting points, then Levenberg–Marquardt with a
 * forward-difference Jacobian refines from each, its steps clamped into the box. Candidate for sharing with the dense
 * VPNLS grid + refine.
 */
final class ProfiledSearch {

    /** Best exponents, their objective, evaluations used, the exponents that ended on a box edge, any failure. */
    record Result(double[] theta, double value, int evaluations, List<String> atBound, String problem) {
    }

    private static final int MAX_EVALUATIONS = 3000;

    private ProfiledSearch() {
    }

    /**
     * @param residuals  θ ↦ profiled residual vector (NaN-free for θ in the box)
     * @param names      exponent names (for messages)
     * @param gridDims   how many leading dimensions to scan on a grid (others start at {@code base})
     * @param gridSteps  grid points per scanned dimension
     * @param extraStarts further starting points (e.g. a warm start), refined first
     * @param refineFrom number of best grid points to refine from (a grid point after a warm start is refined only
     *                   if it already beats the best found)
     */
    static Result minimize(Function<double[], double[]> residuals, String[] names, double[] lower, double[] upper,
                           int gridDims, int gridSteps, double[] base, List<double[]> extraStarts, int refineFrom) {
        int dim = lower.length;
        int[] evals = {0};
        Function<double[], Double> value = th -> {
            evals[0]++;
            double s = 0;
            for (double r : residuals.apply(th)) {
                s += r * r;
            }
            return s;
        };
        List<double[]> seeds = new ArrayList<>();
        List<Double> seedValues = new ArrayList<>();
        int total = (int) Math.pow(gridSteps, gridDims);
        for (int cell = 0; cell < total; cell++) {
            double[] th = base.clone();
            int rest = cell;
            for (int d = 0; d < gridDims; d++) {
                int k = rest % gridSteps;
                rest /= gridSteps;
                // Interior grid: edges are poor starting points.
                th[d] = lower[d] + (upper[d] - lower[d]) * (k + 0.5) / gridSteps;
            }
            double v = value.apply(th);
            if (Double.isFinite(v)) {
                seeds.add(th);
                seedValues.add(v);
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(seedValues.get(a), seedValues.get(b)));
        List<double[]> starts = new ArrayList<>();
        for (double[] s : extraStarts) {
            starts.add(clamp(s, lower, upper));
        }
        int warm = starts.size();
        for (int i = 0; i < Math.min(refineFrom, order.size()); i++) {
            starts.add(seeds.get(order.get(i)));
        }
        if (starts.isEmpty()) {
            return new Result(base.clone(), Double.NaN, evals[0], List.of(), "profiled objective was not finite anywhere on the grid");
        }
        double[] bestTheta = null;
        double bestValue = Double.POSITIVE_INFINITY;
        int refined = 0;
        int attempted = 0;
        for (int si = 0; si < starts.size(); si++) {
            double[] start = starts.get(si);
            double v0 = value.apply(start);
            if (si >= warm && warm > 0 && !(v0 < bestValue)) {
                continue;
            }
            if (Double.isFinite(v0) && v0 < bestValue) {
                bestValue = v0;
                bestTheta = start.clone();
            }
            attempted++;
            try {
                double[] th = levenbergMarquardt(residuals, start, lower, upper, evals);
                double v = value.apply(th);
                refined++;
                if (v < bestValue) {
                    bestValue = v;
                    bestTheta = th;
                }
            } catch (TooManyEvaluationsException | TooManyIterationsException | ConvergenceException e) {
                // keep the best point seen; reported below if no start converged
            }
        }
        if (bestTheta == null) {
            return new Result(base.clone(), Double.NaN, evals[0], List.of(), "profiled objective was not finite at any start");
        }
        String problem = attempted > 0 && refined == 0
                ? "Levenberg–Marquardt did not converge from any start within " + MAX_EVALUATIONS + " evaluations" : null;
        List<String> atBound = new ArrayList<>();
        for (int d = 0; d < dim; d++) {
            double tol = 1e-4 * (upper[d] - lower[d]);
            if (bestTheta[d] - lower[d] <= tol || upper[d] - bestTheta[d] <= tol) {
                atBound.add(names[d] + "=" + String.format(Locale.ROOT, "%.4g", bestTheta[d])
                        + " in [" + lower[d] + ", " + upper[d] + "]");
            }
        }
        return new Result(bestTheta, bestValue, evals[0], atBound, problem);
    }

    private static double[] levenbergMarquardt(Function<double[], double[]> residuals, double[] start, double[] lower,
                                               double[] upper, int[] evals) {
        int dim = start.length;
        double[] r0 = residuals.apply(start);
        MultivariateJacobianFunction model = point -> {
            double[] th = clamp(point.toArray(), lower, upper);
            double[] r = residuals.apply(th);
            evals[0]++;
            double[][] jac = new double[r.length][dim];
            for (int d = 0; d < dim; d++) {
                double[] t = th.clone();
                double h = 1e-7 * Math.max(1.0, Math.abs(th[d]));
                // Step away from the nearer edge so the difference stays inside the box.
                if (t[d] + h > upper[d]) {
                    h = -h;
                }
                t[d] += h;
                double[] rh = residuals.apply(t);
                evals[0]++;
                for (int i = 0; i < r.length; i++) {
                    jac[i][d] = (rh[i] - r[i]) / h;
                }
            }
            return new Pair<RealVector, org.apache.commons.math3.linear.RealMatrix>(new ArrayRealVector(r, false),
                    new Array2DRowRealMatrix(jac, false));
        };
        LeastSquaresOptimizer.Optimum opt = new LevenbergMarquardtOptimizer().optimize(new LeastSquaresBuilder()
                .model(model)
                .target(new double[r0.length])
                .start(start)
                .parameterValidator(p -> new ArrayRealVector(clamp(p.toArray(), lower, upper), false))
                .maxEvaluations(MAX_EVALUATIONS)
                .maxIterations(MAX_EVALUATIONS)
                .build());
        return clamp(opt.getPoint().toArray(), lower, upper);
    }

    private static double[] clamp(double[] x, double[] lower, double[] upper) {
        double[] c = x.clone();
        for (int d = 0; d < c.length; d++) {
            c[d] = Math.min(upper[d], Math.max(lower[d], c[d]));
        }
        return c;
    }
}
