package scalelab.fitting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.commons.math3.analysis.MultivariateFunction;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.PointValuePair;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.NelderMeadSimplex;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.SimplexOptimizer;

/**
 * Variable projection with exact non-negative least squares (VPNLS). For fixed exponents (α, β) the surface
 * L = E + A·N^-α + B·D^-β is linear in (E, A, B), solved exactly by {@link Nnls3} (Huber by iteratively reweighted
 * least squares); the profiled objective f(α, β) is searched on a grid over a box, then refined by Nelder–Mead.
 * The 2-D profiled problem is well conditioned where the 5-D one (Approach 3) is not.
 */
public final class Vpnls {
    private Vpnls() {}

    /** IRLS steps per (α, β) of the published vpnls estimator whose numbers the data README quotes. */
    public static final int PUBLISHED_IRLS_ITERATIONS = 10;

    /**
     * @param objective  least squares or Huber(δ) on loss residuals
     * @param units      normalisation of N and D inside the fit
     * @param alphaMin   search box for α (and β below)
     * @param resolution final grid step of (α, β)
     * @param coarseStep step of the grid over the whole box; when larger than {@code resolution}, a grid at
     *                   {@code resolution} is then laid over ±2 coarse steps around the coarse optimum
     * @param refine     polish the best grid point with Nelder–Mead on the continuous profiled objective
     * @param irlsIterations Huber only: IRLS steps from the unweighted NNLS solution at each (α, β). The published
     *                   VPNLS numbers (data README) use 10; 0 iterates to convergence, i.e. the exact Huber
     *                   minimum over (E, A, B), a slightly different (lower-objective) estimator.
     */
    public record Options(LossObjective objective, Units units, double alphaMin, double alphaMax, double betaMin,
                          double betaMax, double resolution, double coarseStep, boolean refine, int irlsIterations) {
        public Options {
            if (!(alphaMin > 0 && alphaMax > alphaMin && betaMin > 0 && betaMax > betaMin)) {
                throw new IllegalArgumentException("exponent box must satisfy 0 < min < max");
            }
            if (!(resolution > 0) || !(coarseStep > 0)) {
                throw new IllegalArgumentException("grid steps must be positive");
            }
            if (irlsIterations < 0) {
                throw new IllegalArgumentException("IRLS iterations must be >= 0 (0 = iterate to convergence)");
            }
        }

        /**
         * The project default: least squares (it extrapolated best in the backtests on both shared data sets, see
         * README), N/1e6 and D/1e9, box [0.01, 1.5]², a 0.05 grid over the box, a 0.01 grid around its optimum, then
         * Nelder–Mead. On both shared data sets this lands on the same optimum as the full 0.01 grid, 20–50× faster.
         * For Huber use {@code withObjective(LossObjective.huber(1e-3))} (10 IRLS steps, as published).
         */
        public static Options defaults() {
            return new Options(LossObjective.MSE, Units.MILLIONS_BILLIONS, 0.01, 1.5, 0.01, 1.5, 0.01, 0.05, true, PUBLISHED_IRLS_ITERATIONS);
        }

        public Options withObjective(LossObjective o) {
            return new Options(o, units, alphaMin, alphaMax, betaMin, betaMax, resolution, coarseStep, refine, irlsIterations);
        }

        public Options withUnits(Units u) {
            return new Options(objective, u, alphaMin, alphaMax, betaMin, betaMax, resolution, coarseStep, refine, irlsIterations);
        }

        /** Final grid step; the whole-box grid keeps its step unless the new resolution is coarser. */
        public Options withResolution(double r) {
            return new Options(objective, units, alphaMin, alphaMax, betaMin, betaMax, r, Math.max(r, coarseStep), refine, irlsIterations);
        }

        public Options withCoarseStep(double s) {
            return new Options(objective, units, alphaMin, alphaMax, betaMin, betaMax, resolution, s, refine, irlsIterations);
        }

        public Options withRefine(boolean r) {
            return new Options(objective, units, alphaMin, alphaMax, betaMin, betaMax, resolution, coarseStep, r, irlsIterations);
        }

        public Options withIrlsIterations(int k) {
            return new Options(objective, units, alphaMin, alphaMax, betaMin, betaMax, resolution, coarseStep, refine, k);
        }

        public Options withBox(double aMin, double aMax, double bMin, double bMax) {
            return new Options(objective, units, aMin, aMax, bMin, bMax, resolution, coarseStep, refine, irlsIterations);
        }
    }

    public static FitResult fit(List<Observation> observations) {
        return fit(observations, Options.defaults());
    }

    public static FitResult fit(List<Observation> observations, Options options) {
        SurfaceDesign.requireIdentifiable("VPNLS", observations);
        Problem p = new Problem(observations, options);
        List<String> warnings = new ArrayList<>();

        double coarse = Math.max(options.coarseStep(), options.resolution());
        GridBest best = p.grid(options.alphaMin(), options.alphaMax(), options.betaMin(), options.betaMax(), coarse);
        if (options.resolution() < coarse) {
            double w = 2 * coarse;
            GridBest fine = p.grid(Math.max(options.alphaMin(), best.alpha - w), Math.min(options.alphaMax(), best.alpha + w),
                    Math.max(options.betaMin(), best.beta - w), Math.min(options.betaMax(), best.beta + w), options.resolution());
            if (fine.objective <= best.objective) {
                best = fine;
            }
        }
        double alpha = best.alpha, beta = best.beta, objective = best.objective;
        double[] theta = best.theta.clone();
        String refinement = "none";
        if (options.refine()) {
            Refined r = p.refine(best, options);
            if (r.objective <= objective) {
                alpha = r.alpha;
                beta = r.beta;
                objective = r.objective;
                theta = r.theta;
            }
            refinement = "nelder-mead (" + r.evaluations + " evaluations)";
            if (!r.converged) {
                warnings.add("Nelder-Mead refinement hit its evaluation limit; the grid optimum was polished only partly");
            }
        }

        return result(observations, options, alpha, beta, objective, theta, refinement, warnings, "vpnls");
    }

    /**
     * VPNLS with the two exponents tied, α = β: L = E + A·N^-α + B·D^-α. In compute C = 6ND and tokens per parameter
     * M = D/N this is Gadre et al.'s (2024) over-training law E + (a·M^η + b·M^-η)·C^η with η = −α/2: one exponent fewer,
     * so it extrapolates in N and D at once (an over-trained target) from fewer sizes. A grid over α, then golden-section.
     */
    public static FitResult fitTied(List<Observation> observations, Options options) {
        SurfaceDesign.requireIdentifiable("VPNLS (α = β)", observations);
        Problem p = new Problem(observations, options);
        double lo = Math.max(options.alphaMin(), options.betaMin()), hi = Math.min(options.alphaMax(), options.betaMax());
        if (!(hi > lo)) {
            throw new IllegalArgumentException("the α and β boxes do not overlap: no tied exponent to search");
        }
        double[] theta = new double[3];
        double bestA = lo, bestObj = Double.POSITIVE_INFINITY;
        for (double a : Problem.axis(lo, hi, options.resolution())) {
            double o = p.at(a, a, theta);
            if (o < bestObj) {
                bestObj = o;
                bestA = a;
            }
        }
        double a0 = Math.max(lo, bestA - options.resolution()), b0 = Math.min(hi, bestA + options.resolution());
        double golden = GoldenSection.minimize(x -> p.at(x, x, theta), a0, b0, 1e-7, 60);
        double[] gTheta = new double[3];
        double gObj = p.at(golden, golden, gTheta);
        double alpha = bestA;
        double[] bestTheta = new double[3];
        double objective = p.at(bestA, bestA, bestTheta);
        if (gObj <= objective) {
            alpha = golden;
            objective = gObj;
            bestTheta = gTheta;
        }
        return result(observations, options, alpha, alpha, objective, bestTheta, "golden section on α = β", new ArrayList<>(),
                "vpnls-tied");
    }

    private static FitResult result(List<Observation> observations, Options options, double alpha, double beta,
                                    double objective, double[] theta, String refinement, List<String> warnings, String method) {
        FitStatus status = FitStatus.CONVERGED;
        String message = "converged";
        double edgeTol = 0.5 * options.resolution() + 1e-12;
        List<String> edges = new ArrayList<>();
        if (alpha - options.alphaMin() <= edgeTol || options.alphaMax() - alpha <= edgeTol) {
            edges.add(String.format(Locale.ROOT, "α = %.4g on the edge of [%s, %s]", alpha, options.alphaMin(), options.alphaMax()));
        }
        if (beta - options.betaMin() <= edgeTol || options.betaMax() - beta <= edgeTol) {
            edges.add(String.format(Locale.ROOT, "β = %.4g on the edge of [%s, %s]", beta, options.betaMin(), options.betaMax()));
        }
        List<String> clamped = new ArrayList<>();
        String[] names = {"E", "A", "B"};
        for (int k = 0; k < 3; k++) {
            if (theta[k] == 0.0) {
                clamped.add(names[k]);
            }
        }
        if (!edges.isEmpty()) {
            status = FitStatus.EXPONENT_ON_GRID_EDGE;
            message = String.join("; ", edges) + ": the optimum may lie outside the search box";
        } else if (!clamped.isEmpty()) {
            status = FitStatus.COEFFICIENT_CLAMPED;
            message = String.join(", ", clamped) + " clamped at 0 by the non-negativity constraint";
        }
        if (status != FitStatus.CONVERGED && !clamped.isEmpty() && !edges.isEmpty()) {
            warnings.add(String.join(", ", clamped) + " clamped at 0 by the non-negativity constraint");
        }
        if (observations.size() < 10) {
            warnings.add("only " + observations.size() + " runs for 5 parameters: the fit is fragile");
        }

        LossSurface fitUnits = new LossSurface(theta[0], theta[1], theta[2], alpha, beta);
        LossSurface raw = fitUnits.fromUnits(options.units());
        String unreliable = FitStatus.unreliability(raw, observations);
        if (unreliable != null && status == FitStatus.CONVERGED) {
            status = FitStatus.UNRELIABLE;
            message = unreliable;
        } else if (unreliable != null) {
            warnings.add(unreliable);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("box", String.format(Locale.ROOT, "alpha [%s, %s], beta [%s, %s]", options.alphaMin(),
                options.alphaMax(), options.betaMin(), options.betaMax()));
        settings.put("resolution", Double.toString(options.resolution()));
        settings.put("coarse_step", Double.toString(Math.max(options.coarseStep(), options.resolution())));
        settings.put("refinement", refinement);
        if (options.objective().kind() == LossObjective.Kind.HUBER) {
            settings.put("irls_iterations", options.irlsIterations() == 0 ? "to convergence" : Integer.toString(options.irlsIterations()));
        }
        FlopConvention flops = FlopConvention.measure(observations);
        return new FitResult(method, status, message, raw, fitUnits, options.units(), options.objective().describe(),
                objective, observations.size(), ContentHash.of(observations), warnings, flops.paramsExponent(raw),
                flops.tokensExponent(raw), null, settings, flops);
    }

    /** Best point of one grid. */
    private record GridBest(double objective, double alpha, double beta, double[] theta) {}

    private record Refined(double objective, double alpha, double beta, double[] theta, int evaluations, boolean converged) {}

    /** The data in fit units, and the profiled objective. */
    private static final class Problem {
        final int n;
        final double[] logN, logD, y, w;
        final LossObjective objective;
        final double swyy;
        final int irlsIterations;

        Problem(List<Observation> obs, Options options) {
            n = obs.size();
            logN = new double[n];
            logD = new double[n];
            y = new double[n];
            w = new double[n];
            double s = 0;
            for (int i = 0; i < n; i++) {
                Observation o = obs.get(i);
                logN[i] = Math.log(o.params() / options.units().paramsScale());
                logD[i] = Math.log(o.tokens() / options.units().tokensScale());
                y[i] = o.loss();
                w[i] = o.weight();
                s += w[i] * y[i] * y[i];
            }
            swyy = s;
            objective = options.objective();
            irlsIterations = options.irlsIterations();
        }

        static double[] axis(double min, double max, double step) {
            int count = (int) Math.floor((max - min) / step + 1e-9) + 1;
            double[] a = new double[count];
            for (int i = 0; i < count; i++) {
                a[i] = min + i * step;
            }
            return a;
        }

        double[][] powers(double[] exps, double[] logs) {
            double[][] out = new double[exps.length][n];
            for (int i = 0; i < exps.length; i++) {
                for (int k = 0; k < n; k++) {
                    out[i][k] = Math.exp(-exps[i] * logs[k]);
                }
            }
            return out;
        }

        GridBest grid(double aMin, double aMax, double bMin, double bMax, double step) {
            double[] alphas = axis(aMin, aMax, step);
            double[] betas = axis(bMin, bMax, step);
            double[][] u = powers(alphas, logN);
            double[][] v = powers(betas, logD);
            // Per-β sums are shared by every α row.
            double[] sv = new double[betas.length], svv = new double[betas.length], svy = new double[betas.length];
            for (int j = 0; j < betas.length; j++) {
                for (int k = 0; k < n; k++) {
                    double vk = v[j][k];
                    sv[j] += w[k] * vk;
                    svv[j] += w[k] * vk * vk;
                    svy[j] += w[k] * vk * y[k];
                }
            }
            double sw = 0, sy = 0;
            for (int k = 0; k < n; k++) {
                sw += w[k];
                sy += w[k] * y[k];
            }
            final double fsw = sw, fsy = sy;
            return IntStream.range(0, alphas.length).parallel().mapToObj(i -> {
                double[] ui = u[i];
                double[] wu = new double[n];
                double su = 0, suu = 0, suy = 0;
                for (int k = 0; k < n; k++) {
                    wu[k] = w[k] * ui[k];
                    su += wu[k];
                    suu += wu[k] * ui[k];
                    suy += wu[k] * y[k];
                }
                double[] theta = new double[3];
                double[] bestTheta = new double[3];
                double bestObj = Double.POSITIVE_INFINITY;
                int bestJ = -1;
                boolean warm = false;
                for (int j = 0; j < betas.length; j++) {
                    double[] vj = v[j];
                    double suv = 0;
                    for (int k = 0; k < n; k++) {
                        suv += wu[k] * vj[k];
                    }
                    double obj;
                    if (objective.kind() == LossObjective.Kind.MSE) {
                        obj = swyy + Nnls3.solve(fsw, su, sv[j], suu, suv, svv[j], fsy, suy, svy[j], theta);
                    } else {
                        if (!warm || irlsIterations > 0) {
                            Nnls3.solve(fsw, su, sv[j], suu, suv, svv[j], fsy, suy, svy[j], theta);
                            warm = true;
                        }
                        obj = huber(ui, vj, theta);
                    }
                    if (obj < bestObj) {
                        bestObj = obj;
                        bestJ = j;
                        System.arraycopy(theta, 0, bestTheta, 0, 3);
                    }
                }
                return new GridBest(bestObj, alphas[i], bestJ < 0 ? Double.NaN : betas[bestJ], bestTheta);
            }).min(Comparator.comparingDouble(GridBest::objective)).orElseThrow();
        }

        /** Profiled objective at one (α, β); theta is the warm start on entry and the solution on exit. */
        double at(double alpha, double beta, double[] theta) {
            double[] u = new double[n], v = new double[n];
            for (int k = 0; k < n; k++) {
                u[k] = Math.exp(-alpha * logN[k]);
                v[k] = Math.exp(-beta * logD[k]);
            }
            if (objective.kind() == LossObjective.Kind.MSE || irlsIterations > 0 || !(theta[0] >= 0)) {
                double s0 = 0, s1 = 0, s2 = 0, s11 = 0, s12 = 0, s22 = 0, c0 = 0, c1 = 0, c2 = 0;
                for (int k = 0; k < n; k++) {
                    double wk = w[k], uk = u[k], vk = v[k];
                    s0 += wk;
                    s1 += wk * uk;
                    s2 += wk * vk;
                    s11 += wk * uk * uk;
                    s12 += wk * uk * vk;
                    s22 += wk * vk * vk;
                    c0 += wk * y[k];
                    c1 += wk * uk * y[k];
                    c2 += wk * vk * y[k];
                }
                double q = Nnls3.solve(s0, s1, s2, s11, s12, s22, c0, c1, c2, theta);
                if (objective.kind() == LossObjective.Kind.MSE) {
                    return swyy + q;
                }
            }
            return huber(u, v, theta);
        }

        /**
         * Huber objective minimised over (E, A, B) ≥ 0 by IRLS from the warm start in theta. Each step minimises the
         * quadratic majoriser (weights ψ(r)/r), so the objective never increases.
         */
        double huber(double[] u, double[] v, double[] theta) {
            double delta = objective.delta();
            double[] h = new double[n], hNext = new double[n];
            double prev = huberAndWeights(u, v, theta, h, delta);
            double[] next = new double[3];
            int maxIterations = irlsIterations > 0 ? irlsIterations : 500;
            for (int it = 0; it < maxIterations; it++) {
                double s0 = 0, s1 = 0, s2 = 0, s11 = 0, s12 = 0, s22 = 0, c0 = 0, c1 = 0, c2 = 0;
                for (int k = 0; k < n; k++) {
                    double hk = h[k], uk = u[k], vk = v[k], hu = hk * uk, hv = hk * vk;
                    s0 += hk;
                    s1 += hu;
                    s2 += hv;
                    s11 += hu * uk;
                    s12 += hu * vk;
                    s22 += hv * vk;
                    c0 += hk * y[k];
                    c1 += hu * y[k];
                    c2 += hv * y[k];
                }
                Nnls3.solve(s0, s1, s2, s11, s12, s22, c0, c1, c2, next);
                double obj = huberAndWeights(u, v, next, hNext, delta);
                if (!(obj <= prev)) {
                    break;
                }
                double change = Math.abs(next[0] - theta[0]) + Math.abs(next[1] - theta[1]) + Math.abs(next[2] - theta[2]);
                double size = Math.abs(theta[0]) + Math.abs(theta[1]) + Math.abs(theta[2]);
                System.arraycopy(next, 0, theta, 0, 3);
                double[] swap = h;
                h = hNext;
                hNext = swap;
                boolean done = irlsIterations > 0 ? change < 1e-14
                        : prev - obj <= 1e-13 * prev && change <= 1e-10 * (1 + size);
                prev = obj;
                if (done) {
                    break;
                }
            }
            return prev;
        }

        private double huberAndWeights(double[] u, double[] v, double[] theta, double[] h, double delta) {
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double r = theta[0] + theta[1] * u[k] + theta[2] * v[k] - y[k];
                double a = Math.abs(r);
                if (a <= delta) {
                    sum += w[k] * 0.5 * r * r;
                    h[k] = w[k];
                } else {
                    sum += w[k] * delta * (a - 0.5 * delta);
                    h[k] = w[k] * delta / a;
                }
            }
            return sum;
        }

        Refined refine(GridBest start, Options options) {
            double[] warm = start.theta.clone();
            int[] evals = {0};
            MultivariateFunction f = x -> {
                evals[0]++;
                if (x[0] < options.alphaMin() || x[0] > options.alphaMax() || x[1] < options.betaMin() || x[1] > options.betaMax()) {
                    return Double.MAX_VALUE;
                }
                return at(x[0], x[1], warm);
            };
            SimplexOptimizer optimizer = new SimplexOptimizer(1e-14, 1e-16);
            double step = options.resolution();
            boolean converged = true;
            double[] point = {start.alpha, start.beta};
            try {
                PointValuePair p = optimizer.optimize(new MaxEval(2000), new ObjectiveFunction(f), GoalType.MINIMIZE,
                        new InitialGuess(point), new NelderMeadSimplex(new double[] {step, step}));
                point = p.getPoint();
            } catch (TooManyEvaluationsException e) {
                converged = false;
            }
            double[] theta = start.theta.clone();
            double obj = at(point[0], point[1], theta);
            return new Refined(obj, point[0], point[1], theta, evals[0], converged);
        }
    }
}
