package scalelab.fitting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a ladder's FLOP labels relate to 6·N·D: C = κ(N)·6·N·D with κ(N) = κ_ref·(N/N_ref)^b, measured on its runs.
 *
 * <p>Labs count FLOPs their own way (attention, the LM head, N with or without embeddings), so a budget label of
 * 1e20 may hold runs whose 6·N·D is 3e20 (Marin's 2026 IsoFLOP ladders: κ ≈ 0.25–0.36, rising with N). A surface's
 * compute optimum at a label C must then be sought along κ(N)·6·N·D = C, not 6·N·D = C, or a surface fit that is
 * right about every run forecasts the frontier 3× off in compute. Files whose labels are all within 2% of 6·N·D
 * (nominal budgets, or no budget column) get {@link #SIX_ND} and the closed form of {@link LossSurface#optimalAt}
 * unchanged.
 *
 * @param logKappaRef ln κ at {@code logParamsRef}
 * @param slope       b: d ln κ / d ln N (0 when the ladder's sizes span less than 2×)
 * @param logParamsRef ln N_ref, the mean ln N of the runs measured
 * @param runs        runs the fit used
 * @param disagreeing runs whose label differs from κ(N)·6·N·D by more than {@link #DISAGREEMENT}× (left out of the fit:
 *                    a run filed under the wrong budget, or a token count in other units)
 */
public record FlopConvention(double logKappaRef, double slope, double logParamsRef, int runs, int disagreeing) {
    /** C = 6·N·D exactly. */
    public static final FlopConvention SIX_ND = new FlopConvention(0, 0, 0, 0, 0);
    /** A run whose label is off the ladder's convention by more than this factor is reported, not fitted. */
    public static final double DISAGREEMENT = 1.5;
    /** Labels all within 2% of 6·N·D count as 6·N·D: a budget rounded to its nominal value, not a convention. */
    private static final double ROUNDING = Math.log(1.02);
    /** b is kept within ±this: the optimum's closed form needs 1 + b > 0, and a steeper κ(N) is a data problem. */
    private static final double MAX_SLOPE = 0.5;

    public FlopConvention {
        if (!Double.isFinite(logKappaRef) || !Double.isFinite(slope) || !Double.isFinite(logParamsRef)) {
            throw new IllegalArgumentException("FLOP convention parameters must be finite");
        }
        if (Math.abs(slope) > MAX_SLOPE) {
            throw new IllegalArgumentException("FLOP convention slope must be within ±" + MAX_SLOPE + ", got " + slope);
        }
    }

    /** Measures the convention of these runs' FLOP labels (their {@code flops}) against 6·N·D. */
    public static FlopConvention measure(List<Observation> observations) {
        int n = observations.size();
        double[] x = new double[n], y = new double[n];
        boolean exact = true;
        for (int i = 0; i < n; i++) {
            Observation o = observations.get(i);
            x[i] = Math.log(o.params());
            y[i] = Math.log(o.flops()) - Math.log(6 * o.params() * o.tokens());
            exact &= Math.abs(y[i]) <= ROUNDING;
        }
        if (n == 0 || exact) {
            return SIX_ND;
        }
        double limit = Math.log(DISAGREEMENT);
        boolean[] keep = new boolean[n];
        java.util.Arrays.fill(keep, true);
        double[] line = line(x, y, keep);
        // One refit without the runs far off the first line: a mislabelled run must not tilt the convention.
        for (int i = 0; i < n; i++) {
            keep[i] = offLine(line, x[i], y[i]) <= limit;
        }
        if (countTrue(keep) >= 2) {
            line = line(x, y, keep);
        } else {
            java.util.Arrays.fill(keep, true);
        }
        int used = 0, off = 0;
        for (int i = 0; i < n; i++) {
            if (offLine(line, x[i], y[i]) > limit) {
                off++;
            } else {
                used++;
            }
        }
        return new FlopConvention(line[0], line[1], line[2], used, off);
    }

    /** Least squares of y on x over the kept points: {intercept at the mean x, slope (clamped), mean x}. */
    private static double[] line(double[] x, double[] y, boolean[] keep) {
        List<double[]> pts = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (keep[i]) {
                pts.add(new double[] {x[i], y[i]});
            }
        }
        double mx = pts.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = pts.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double sxx = 0, sxy = 0, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] p : pts) {
            sxx += (p[0] - mx) * (p[0] - mx);
            sxy += (p[0] - mx) * (p[1] - my);
            lo = Math.min(lo, p[0]);
            hi = Math.max(hi, p[0]);
        }
        // sizes within 2× of each other cannot tell a trend in κ from noise
        double b = hi - lo < Math.log(2) || sxx == 0 ? 0 : sxy / sxx;
        return new double[] {my, Math.max(-MAX_SLOPE, Math.min(MAX_SLOPE, b)), mx};
    }

    /** |ln κ − the line's ln κ| at ln N = x. */
    private static double offLine(double[] line, double x, double y) {
        return Math.abs(y - line[0] - line[1] * (x - line[2]));
    }

    private static int countTrue(boolean[] a) {
        int c = 0;
        for (boolean v : a) {
            c += v ? 1 : 0;
        }
        return c;
    }

    public boolean isSixNd() {
        return logKappaRef == 0 && slope == 0;
    }

    /** κ(N): a run's FLOP label ÷ 6·N·D under this convention. */
    public double kappa(double params) {
        return isSixNd() ? 1.0 : Math.exp(logKappaRef + slope * (Math.log(params) - logParamsRef));
    }

    /** The FLOP label this ladder would give a run of N parameters on D tokens. */
    public double flops(double params, double tokens) {
        return kappa(params) * 6 * params * tokens;
    }

    /**
     * The surface's compute optimum at a label of C FLOPs: N*, D* minimise L on κ(N)·6·N·D = C. With κ = K·N^b the
     * loss along the budget is E + A·N^−α + B·(C/6K)^−β·N^{β(1+b)}, whose minimum has a closed form.
     */
    public ComputeOptimal optimalAt(LossSurface s, double compute) {
        if (isSixNd()) {
            return s.optimalAt(compute);
        }
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("compute must be a finite positive number of FLOPs, got " + compute);
        }
        if (!s.hasComputeOptimum()) {
            throw new IllegalStateException("no interior compute optimum: needs A, B, α, β > 0 but surface is " + s);
        }
        double logC6K = Math.log(compute / 6.0) - logKappaAtOne();
        double gamma = s.beta() * (1 + slope);
        double logN = (Math.log(s.alpha() * s.A()) - Math.log(gamma * s.B()) + s.beta() * logC6K) / (s.alpha() + gamma);
        double n = Math.exp(logN);
        double d = Math.exp(logC6K - (1 + slope) * logN);
        return new ComputeOptimal(compute, n, d, s.loss(n, d));
    }

    /** Exponent a of N*(C) ∝ C^a along this convention: β / (α + β·(1 + b)). */
    public double paramsExponent(LossSurface s) {
        return s.beta() / (s.alpha() + s.beta() * (1 + slope));
    }

    /** Exponent of D*(C) ∝ C^b along this convention: 1 − (1 + b)·a, since D = C / (6·κ(N)·N). */
    public double tokensExponent(LossSurface s) {
        return 1 - (1 + slope) * paramsExponent(s);
    }

    /** D of a run of N parameters that this ladder would label C FLOPs. */
    public double tokensAt(double params, double compute) {
        return compute / (6 * kappa(params) * params);
    }

    /** N of a run on D tokens that this ladder would label C FLOPs: κ(N)·6·N·D = C solved for N. */
    public double paramsAt(double tokens, double compute) {
        return Math.exp((Math.log(compute / (6 * tokens)) - logKappaAtOne()) / (1 + slope));
    }

    /** ln K of κ(N) = K·N^b: ln κ at N = 1, the form both closed forms solve in. */
    private double logKappaAtOne() {
        return logKappaRef - slope * logParamsRef;
    }

    /** One line for a forecast's assumptions, e.g. "FLOP labels are 0.34·6ND at N = 1.2e9, ∝ N^0.052 (89 runs)". */
    public String describe() {
        if (isSixNd()) {
            return "FLOP labels are 6·N·D";
        }
        return String.format(Locale.ROOT, "FLOP labels are %.3g·6·N·D at N = %.3g%s, measured on %d runs; surface "
                        + "optima are sought along that convention%s", Math.exp(logKappaRef), Math.exp(logParamsRef),
                slope == 0 ? "" : String.format(Locale.ROOT, ", ∝ N^%.3g", slope), runs,
                disagreeing == 0 ? "" : String.format(Locale.ROOT, " (%d runs more than %.3g× off it left out)", disagreeing,
                        DISAGREEMENT));
    }
}
