package scalelab.fitting;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Nonparametric bootstrap of a fit: resample runs (or whole budgets) with replacement, refit, and report percentile
 * intervals for every parameter, N*, D* and the compute-optimal loss at a target compute. The resamples are drawn
 * serially from one seed before the refits run in parallel, so results are reproducible for a given seed.
 */
public final class Bootstrap {
    private Bootstrap() {}

    public enum Resample { RUNS, BUDGETS }

    /** Percentile interval and median of one quantity over the successful replicates. */
    public record Interval(double low, double median, double high) {}

    /**
     * @param surfaces  each successful replicate's surface in raw units (empty for Approach 2, which has none);
     *                  the registry stores these to put intervals on predictions
     * @param intervals keyed E, A, B, alpha, beta (surface methods), a, b, params_opt, tokens_opt, loss_opt
     * @param failures     replicates whose refit failed (counted, not hidden)
     * @param unconverged  replicates kept although their refit hit a bound (exponent on the grid edge, coefficient
     *                     clamped): they are what the estimator gives on that resample, but a large share says the
     *                     intervals lean on the box
     * @param firstFailure why the first failed replicate failed (null when none did)
     */
    public record Result(String method, Resample resample, int samples, long seed, double level, double targetCompute,
                         int failures, int unconverged, String firstFailure, List<LossSurface> surfaces,
                         Map<String, Interval> intervals) {
        public Result {
            surfaces = List.copyOf(surfaces);
            intervals = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(intervals));
        }

        /** True when no replicate could be refitted: the intervals are all NaN. */
        public boolean allFailed() {
            return failures == samples;
        }
    }

    /**
     * @param fitter        the fit to repeat (e.g. {@code obs -> Vpnls.fit(obs, options)})
     * @param grouping      budgets (used for BUDGETS resampling; replicate runs keep their budget labels)
     * @param level         central interval mass, e.g. 0.95
     */
    public static Result run(List<Observation> observations, BudgetGrouping grouping,
                             Function<List<Observation>, FitResult> fitter, String method, Resample resample,
                             int samples, long seed, double targetCompute, double level) {
        if (samples < 1) {
            throw new IllegalArgumentException("bootstrap needs at least 1 sample");
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must be in (0, 1)");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<int[]> draws = new ArrayList<>(samples);
        List<BudgetGrouping.Budget> budgets = grouping.budgets();
        for (int s = 0; s < samples; s++) {
            if (resample == Resample.RUNS) {
                int[] idx = new int[observations.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = rng.nextInt(observations.size());
                }
                draws.add(idx);
            } else {
                List<Integer> idx = new ArrayList<>();
                for (int b = 0; b < budgets.size(); b++) {
                    idx.addAll(budgets.get(rng.nextInt(budgets.size())).members());
                }
                draws.add(idx.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        String[] failure = new String[samples];
        FitResult[] fits = IntStream.range(0, samples).parallel().mapToObj(s -> {
            int[] idx = draws.get(s);
            List<Observation> replicate = new ArrayList<>(idx.length);
            for (int i : idx) {
                replicate.add(observations.get(i));
            }
            try {
                FitResult r = fitter.apply(replicate);
                if (r.status() == FitStatus.FAILED) {
                    failure[s] = r.message();
                    return null;
                }
                return r;
            } catch (RuntimeException e) {
                failure[s] = e.getMessage(); // e.g. a replicate with too few distinct budgets: counted as a failure
                return null;
            }
        }).toArray(FitResult[]::new);

        List<FitResult> ok = Arrays.stream(fits).filter(Objects::nonNull).toList();
        int unconverged = (int) ok.stream().filter(r -> r.status() != FitStatus.CONVERGED).count();
        String firstFailure = Arrays.stream(failure).filter(Objects::nonNull).findFirst().orElse(null);
        Map<String, double[]> values = new LinkedHashMap<>();
        List<LossSurface> surfaces = new ArrayList<>();
        boolean withSurface = !ok.isEmpty() && ok.get(0).hasSurface();
        List<String> keys = new ArrayList<>(withSurface ? List.of("E", "A", "B", "alpha", "beta") : List.of());
        keys.addAll(List.of("a", "b", "params_opt", "tokens_opt", "loss_opt"));
        for (String k : keys) {
            values.put(k, new double[ok.size()]);
        }
        for (int i = 0; i < ok.size(); i++) {
            FitResult r = ok.get(i);
            if (withSurface) {
                LossSurface s = r.surface();
                surfaces.add(s);
                values.get("E")[i] = s.E();
                values.get("A")[i] = s.A();
                values.get("B")[i] = s.B();
                values.get("alpha")[i] = s.alpha();
                values.get("beta")[i] = s.beta();
            }
            values.get("a")[i] = r.paramsExponent();
            values.get("b")[i] = r.tokensExponent();
            ComputeOptimal opt;
            try {
                opt = r.optimalAt(targetCompute);
            } catch (RuntimeException e) {
                opt = new ComputeOptimal(targetCompute, Double.NaN, Double.NaN, Double.NaN);
            }
            values.get("params_opt")[i] = opt.params();
            values.get("tokens_opt")[i] = opt.tokens();
            values.get("loss_opt")[i] = opt.loss();
        }
        Map<String, Interval> intervals = new LinkedHashMap<>();
        double tail = (1 - level) / 2;
        values.forEach((k, v) -> {
            double[] finite = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
            intervals.put(k, finite.length == 0 ? new Interval(Double.NaN, Double.NaN, Double.NaN)
                    : new Interval(percentile(finite, tail), percentile(finite, 0.5), percentile(finite, 1 - tail)));
        });
        return new Result(method, resample, samples, seed, level, targetCompute, samples - ok.size(), unconverged, firstFailure,
                surfaces, intervals);
    }

    /** Linear interpolation between order statistics (numpy's default). */
    static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
