package scalelab.fitting.forecast;

import java.util.Locale;

/**
 * What is forecast: the compute-optimal loss at C FLOPs, or the loss of a run of N parameters trained on D tokens
 * (C = 6·N·D then, unless given; a forecast reports it in the ladder's own FLOP labels, see FlopConvention).
 *
 * @param compute      C in FLOPs
 * @param params       N, or NaN for a compute-optimal target
 * @param tokens       D, or NaN for a compute-optimal target
 * @param computeGiven whether C was stated (always, for a compute-optimal target) rather than defaulted to 6·N·D
 */
public record ForecastTarget(double compute, double params, double tokens, boolean computeGiven) {

    /** A target whose compute is stated. */
    public ForecastTarget(double compute, double params, double tokens) {
        this(compute, params, tokens, true);
    }

    public ForecastTarget {
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("target compute must be a finite positive number of FLOPs, got " + compute);
        }
        boolean hasN = !Double.isNaN(params), hasD = !Double.isNaN(tokens);
        if (hasN != hasD) {
            throw new IllegalArgumentException("a target at a given size needs both N (params) and D (tokens)");
        }
        if (hasN && (!(params > 0) || !(tokens > 0) || !Double.isFinite(params) || !Double.isFinite(tokens))) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "target N and D must be finite positive numbers, got N=%s D=%s", params, tokens));
        }
        computeGiven = computeGiven || !hasN; // a compute-optimal target is its compute
    }

    public static ForecastTarget computeOptimal(double compute) {
        return new ForecastTarget(compute, Double.NaN, Double.NaN);
    }

    /** A run of N parameters on D tokens whose compute is not stated: C = 6·N·D until the ladder's count says otherwise. */
    public static ForecastTarget run(double params, double tokens) {
        return new ForecastTarget(6 * params * tokens, params, tokens, false);
    }

    /** A run whose compute was not given, so defaulted to 6·N·D: the forecast counts it in the ladder's own FLOPs. */
    public boolean computeDefaulted() {
        return !computeGiven;
    }

    public boolean atGivenSize() {
        return !Double.isNaN(params);
    }

    public String describe() {
        return atGivenSize() ? String.format(Locale.ROOT, "N=%.4g, D=%.4g (C=%.3e)", params, tokens, compute)
                : String.format(Locale.ROOT, "compute-optimal at C=%.3e", compute);
    }
}
