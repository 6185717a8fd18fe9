package scalelab.fitting;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chinchilla Approach 2: per budget a parabola of loss in ln N, its vertex N*, then power laws of the vertices
 * against compute. Widely used and biased (the IsoFLOP curve is not a parabola in ln N: grid width, off-centre
 * sampling and α ≠ β all move the vertex), so every budget carries diagnostics and the result warns when the
 * design makes the bias likely.
 */
public final class Approach2 {
    private Approach2() {}

    /** A parabola needs 3 runs. */
    public static final int MIN_RUNS_PER_BUDGET = 3;
    /** Total width of a budget's N grid above which the vertex bias is material (±~3×; ±16× gives ~4%). */
    public static final double WIDE_GRID_DECADES = 1.0;
    /** |off-centre| above which the constant-offset bias of the intercept is material. */
    public static final double OFF_CENTRE_LIMIT = 0.25;

    public static FitResult fit(List<Observation> observations, BudgetGrouping grouping) {
        List<BudgetParabola> parabolas = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (BudgetGrouping.Budget b : grouping.budgets()) {
            if (b.members().size() < MIN_RUNS_PER_BUDGET) {
                throw new FitInputException(String.format(Locale.ROOT,
                        "budget C = %.3e has %d run(s); a parabola needs at least %d", b.compute(), b.members().size(),
                        MIN_RUNS_PER_BUDGET), b.members().get(0));
            }
            parabolas.add(parabola(observations, b));
        }
        List<BudgetParabola> used = new ArrayList<>();
        for (int i = 0; i < parabolas.size(); i++) {
            BudgetParabola p = parabolas.get(i);
            if (!p.curvaturePositive()) {
                warnings.add(String.format(Locale.ROOT, "budget C = %.3e: curvature ≤ 0 (no minimum); excluded", p.compute()));
            } else if (!p.vertexInside()) {
                warnings.add(String.format(Locale.ROOT, "budget C = %.3e: vertex N* = %.3e outside the sampled range; excluded",
                        p.compute(), p.vertexParams()));
            } else {
                used.add(p);
            }
        }
        if (used.size() < 2) {
            throw new FitInputException("Approach 2 needs at least 2 budgets with a positive-curvature parabola whose vertex "
                    + "lies inside the sampled range; got " + used.size());
        }
        // Mark which budgets entered the regressions.
        List<BudgetParabola> marked = new ArrayList<>();
        for (BudgetParabola p : parabolas) {
            boolean u = used.contains(p);
            marked.add(new BudgetParabola(p.compute(), p.runs(), p.p0(), p.p1(), p.p2(), p.vertexParams(), p.vertexTokens(),
                    p.vertexLoss(), p.curvaturePositive(), p.vertexInside(), p.offCentre(), p.widthDecades(),
                    p.minObservedLoss(), u));
        }
        int k = used.size();
        double[] c = new double[k], nStar = new double[k], dStar = new double[k], lStar = new double[k];
        for (int i = 0; i < k; i++) {
            c[i] = used.get(i).compute();
            nStar[i] = used.get(i).vertexParams();
            dStar[i] = used.get(i).vertexTokens();
            lStar[i] = used.get(i).vertexLoss();
        }
        PowerLaw paramsLaw = PowerLaw.fitLogLog(c, nStar, null);
        PowerLaw tokensLaw = PowerLaw.fitLogLog(c, dStar, null);
        PowerLaw lossLaw = PowerLaw.fitLogLog(c, lStar, null);
        double ssr = 0;
        for (int i = 0; i < k; i++) {
            double r = Math.log(nStar[i]) - Math.log(paramsLaw.at(c[i]));
            ssr += r * r;
        }
        warnings.addAll(biasWarnings(used));
        if (k < 4) {
            warnings.add("only " + k + " usable budgets: a power law through so few vertices is a fragile extrapolation");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("grouping", grouping.method());
        settings.put("parabola", "least squares in x = ln N per budget");
        settings.put("budgets_used", k + " of " + parabolas.size());
        return new FitResult("approach2", FitStatus.CONVERGED, "converged", null, null, Units.RAW,
                "ssr-log-vertex-params", ssr, observations.size(), ContentHash.of(observations), warnings,
                paramsLaw.exponent(), tokensLaw.exponent(),
                new Approach2Details(marked, paramsLaw, tokensLaw, lossLaw), settings, FlopConvention.measure(observations));
    }

    /** Warnings when the sampling design makes Approach 2's vertex biased (Czech et al. 2026). */
    static List<String> biasWarnings(List<BudgetParabola> used) {
        List<String> out = new ArrayList<>();
        double maxWidth = 0, maxOff = 0;
        for (BudgetParabola p : used) {
            maxWidth = Math.max(maxWidth, p.widthDecades());
            maxOff = Math.max(maxOff, Math.abs(p.offCentre()));
        }
        if (maxWidth > WIDE_GRID_DECADES) {
            out.add(String.format(Locale.ROOT, "Approach 2 likely biased: budgets span up to %.2f decades of N (±%.1f×); "
                    + "the IsoFLOP curve is not a parabola in ln N, so wide grids move the vertex (±16× gives ~4%% "
                    + "intercept error on the Chinchilla surface); compare with VPNLS", maxWidth, Math.pow(10, maxWidth / 2)));
        }
        if (maxOff > OFF_CENTRE_LIMIT) {
            out.add(String.format(Locale.ROOT, "Approach 2 likely biased: vertices sit off the grid centre (max |offset| = %.2f "
                    + "of the half-width); off-centre sampling biases the intercept", maxOff));
        }
        if (used.size() >= 3) {
            double[] x = new double[used.size()], y = new double[used.size()];
            for (int i = 0; i < used.size(); i++) {
                x[i] = Math.log10(used.get(i).compute());
                y[i] = used.get(i).offCentre();
            }
            double slope = slope(x, y);
            double drift = Math.abs(slope * (x[x.length - 1] - x[0]));
            if (drift > 0.2) {
                out.add(String.format(Locale.ROOT, "Approach 2 likely biased: the vertex offset drifts by %.2f of the half-width "
                        + "across budgets; a drifting offset biases the exponent", drift));
            }
        }
        return out;
    }

    private static double slope(double[] x, double[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= x.length;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < x.length; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
        }
        return sxx > 0 ? sxy / sxx : 0;
    }

    public static BudgetParabola parabola(List<Observation> observations, BudgetGrouping.Budget b) {
        int m = b.members().size();
        double[] x = new double[m], y = new double[m], w = new double[m];
        double xc = 0, sw = 0, xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY, minLoss = Double.POSITIVE_INFINITY;
        for (int i = 0; i < m; i++) {
            Observation o = observations.get(b.members().get(i));
            x[i] = Math.log(o.params());
            y[i] = o.loss();
            w[i] = o.weight();
            xc += w[i] * x[i];
            sw += w[i];
            xmin = Math.min(xmin, x[i]);
            xmax = Math.max(xmax, x[i]);
            minLoss = Math.min(minLoss, y[i]);
        }
        xc /= sw;
        if (!(xmax - xmin > 1e-9)) {
            throw new FitInputException(String.format(Locale.ROOT,
                    "budget C = %.3e: all runs have the same N; a parabola needs at least 3 distinct sizes", b.compute()),
                    b.members().get(0));
        }
        // Weighted least squares on centred x for conditioning.
        double[][] g = new double[3][3];
        double[] rhs = new double[3];
        for (int i = 0; i < m; i++) {
            double t = x[i] - xc;
            double[] f = {1, t, t * t};
            for (int r = 0; r < 3; r++) {
                rhs[r] += w[i] * f[r] * y[i];
                for (int s = 0; s < 3; s++) {
                    g[r][s] += w[i] * f[r] * f[s];
                }
            }
        }
        double[] q = solve3(g, rhs);
        if (q == null) {
            throw new FitInputException(String.format(Locale.ROOT,
                    "budget C = %.3e: fewer than 3 distinct model sizes, no parabola", b.compute()), b.members().get(0));
        }
        double p2 = q[2], p1 = q[1] - 2 * q[2] * xc, p0 = q[0] - q[1] * xc + q[2] * xc * xc;
        boolean curv = p2 > 0;
        double xv = curv ? xc - q[1] / (2 * q[2]) : Double.NaN;
        double nStar = curv ? Math.exp(xv) : Double.NaN;
        double lv = curv ? q[0] - q[1] * q[1] / (4 * q[2]) : Double.NaN;
        boolean inside = curv && xv >= xmin && xv <= xmax;
        double half = 0.5 * (xmax - xmin);
        double off = curv ? (xv - 0.5 * (xmin + xmax)) / half : Double.NaN;
        return new BudgetParabola(b.compute(), m, p0, p1, p2, nStar, curv ? b.compute() / (6 * nStar) : Double.NaN, lv,
                curv, inside, off, (xmax - xmin) / Math.log(10), minLoss, false);
    }

    /** Gaussian elimination with partial pivoting; null when singular. */
    static double[] solve3(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double[] b = b0.clone();
        double scale = 0;
        for (double[] row : a) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int col = 0; col < n; col++) {
            int piv = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
                    piv = r;
                }
            }
            if (Math.abs(a[piv][col]) <= 1e-12 * scale) {
                return null;
            }
            double[] t = a[col];
            a[col] = a[piv];
            a[piv] = t;
            double tb = b[col];
            b[col] = b[piv];
            b[piv] = tb;
            for (int r = col + 1; r < n; r++) {
                double f = a[r][col] / a[col][col];
                for (int c = col; c < n; c++) {
                    a[r][c] -= f * a[col][c];
                }
                b[r] -= f * b[col];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int c = r + 1; c < n; c++) {
                s -= a[r][c] * x[c];
            }
            x[r] = s / a[r][r];
        }
        return x;
    }
}
