package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import scalelab.fitting.FitStatus;

/**
 * Percentile bootstrap over runs: resample runs with replacement within each family (so every family keeps its size
 * and no resample loses the dense reference or an expert count), refit, and read percentile intervals of any fitted
 * quantity. Seeded with {@link SplittableRandom}: the same seed gives the same intervals.
 */
public final class MoeBootstrap {

    /** A percentile interval of one quantity, with the full-data point estimate. */
    public record Interval(String quantity, double point, double lower, double upper, double level) {
        public String describe() {
            return quantity + " = " + FitReport.fmt(point) + " [" + FitReport.fmt(lower) + ", " + FitReport.fmt(upper)
                    + "] (" + Math.round(level * 100) + "% bootstrap)";
        }
    }

    /**
     * @param samples   resamples attempted
     * @param failed    resamples whose refit threw (runs unusable) or ended FAILED; excluded from the intervals
     * @param intervals by quantity name, in the order asked
     */
    public record Result(String lawName, int samples, int failed, long seed, Map<String, Interval> intervals) {
        public Interval interval(String quantity) {
            Interval i = intervals.get(quantity);
            if (i == null) {
                throw new IllegalArgumentException("no bootstrap quantity '" + quantity + "' (have " + intervals.keySet() + ")");
            }
            return i;
        }

        public String describe() {
            StringBuilder sb = new StringBuilder(lawName).append(": ").append(samples - failed).append('/').append(samples)
                    .append(" resamples refitted (seed ").append(seed).append(")\n");
            intervals.values().forEach(i -> sb.append("  ").append(i.describe()).append('\n'));
            return sb.toString().stripTrailing();
        }
    }

    private MoeBootstrap() {
    }

    /** The quantity name {@link #predictionInterval} uses for the target's loss. */
    public static String lossQuantity(MoeTarget target) {
        return "loss@" + target.describe();
    }

    /** Bootstrap interval of the predicted loss at {@code target} plus every fitted parameter of the law. */
    public static Result predictionInterval(MoeLawFitter fitter, List<MoeObservation> runs, MoeTarget target,
                                            int samples, double level, long seed) {
        MoeLawFit full = fitter.fit(runs);
        if (!full.canPredict(target)) {
            full.predict(target); // throws with the law's own explanation
        }
        Map<String, ToDoubleFunction<MoeLawFit>> q = new LinkedHashMap<>();
        q.put(lossQuantity(target), f -> f.predict(target));
        String[] names = full.parameterNames();
        for (int j = 0; j < names.length; j++) {
            int jj = j;
            q.put(names[j], f -> f.parameters()[jj]);
        }
        return run(fitter, runs, q, samples, level, seed);
    }

    /**
     * Bootstrap intervals of arbitrary quantities of the fit (e.g. a compute multiplier).
     *
     * @throws IllegalStateException if fewer than half of the resamples could be refitted
     */
    public static Result run(MoeLawFitter fitter, List<MoeObservation> runs, Map<String, ToDoubleFunction<MoeLawFit>> quantities,
                             int samples, double level, long seed) {
        if (samples < 10) {
            throw new IllegalArgumentException("bootstrap needs at least 10 resamples, got " + samples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("interval level must be in (0, 1), got " + level);
        }
        MoeLawFit full = fitter.fit(runs);
        MoeLawFitter refitter = fitter.warmStartedFrom(full);
        Map<String, List<MoeObservation>> byFamily = new LinkedHashMap<>();
        for (MoeObservation r : runs) {
            byFamily.computeIfAbsent(r.family(), k -> new ArrayList<>()).add(r);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<String> names = new ArrayList<>(quantities.keySet());
        double[][] values = new double[names.size()][samples];
        int ok = 0, failed = 0;
        for (int s = 0; s < samples; s++) {
            List<MoeObservation> resample = new ArrayList<>(runs.size());
            for (List<MoeObservation> fam : byFamily.values()) {
                for (int i = 0; i < fam.size(); i++) {
                    resample.add(fam.get(rnd.nextInt(fam.size())));
                }
            }
            double[] row = new double[names.size()];
            try {
                MoeLawFit fit = refitter.fit(resample);
                if (fit.status() == FitStatus.FAILED) {
                    failed++;
                    continue;
                }
                for (int q = 0; q < names.size(); q++) {
                    row[q] = quantities.get(names.get(q)).applyAsDouble(fit);
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                failed++;
                continue;
            }
            for (int q = 0; q < names.size(); q++) {
                values[q][ok] = row[q];
            }
            ok++;
        }
        if (ok < samples / 2) {
            throw new IllegalStateException(fitter.lawName() + ": only " + ok + " of " + samples
                    + " bootstrap resamples could be refitted; the ladder is too thin for intervals");
        }
        Map<String, Interval> intervals = new LinkedHashMap<>();
        for (int q = 0; q < names.size(); q++) {
            double[] v = Arrays.copyOf(values[q], ok);
            Arrays.sort(v);
            intervals.put(names.get(q), new Interval(names.get(q), quantities.get(names.get(q)).applyAsDouble(full),
                    quantile(v, (1 - level) / 2), quantile(v, (1 + level) / 2), level));
        }
        return new Result(fitter.lawName(), samples, failed, seed, intervals);
    }

    /** Linear-interpolation quantile of sorted values. */
    static double quantile(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
