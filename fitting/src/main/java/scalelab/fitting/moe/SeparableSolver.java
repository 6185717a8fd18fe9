package scalelab.fitting.moe;

/**
 * The linear half of variable projection: for fixed exponents a law is y ≈ Σ_j c_j·φ_j(x) with c ≥ 0, solved exactly
 * by non-negative least squares (Lawson–Hanson active set on the column-scaled Gram matrix). Huber objectives are
 * solved by iteratively reweighted NNLS, which converges because the problem in c is convex.
 * Candidate for sharing with the dense VPNLS fitter (its [1, N^-α, D^-β] columns are the p = 3 case).
 */
final class SeparableSolver {

    /** Coefficients c ≥ 0, the objective Σρ(r_i), the residual sum of squares, and which coefficients sit at zero. */
    record Solution(double[] coefficients, double objective, double rss, boolean[] clamped, double[] residuals,
                    FitObjective kind) {
        /** Residuals whose squares sum to the objective: r for least squares, sign(r)·√ρ(r) for Huber. */
        double[] profiled() {
            if (kind.kind() == FitObjective.Kind.LEAST_SQUARES) {
                return residuals;
            }
            double[] p = new double[residuals.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = Math.copySign(Math.sqrt(kind.rho(residuals[i])), residuals[i]);
            }
            return p;
        }

        boolean anyClamped() {
            for (boolean b : clamped) {
                if (b) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final int MAX_IRLS = 30;

    private SeparableSolver() {
    }

    /**
     * @param columns columns[j][i] = φ_j(x_i), p columns of n rows
     * @param y       observed losses
     */
    static Solution solve(double[][] columns, double[] y, FitObjective objective) {
        int n = y.length;
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0);
        double[] c = nnls(columns, y, w);
        if (objective.kind() == FitObjective.Kind.HUBER) {
            for (int it = 0; it < MAX_IRLS; it++) {
                double[] r = residuals(columns, y, c);
                for (int i = 0; i < n; i++) {
                    w[i] = objective.irlsWeight(r[i]);
                }
                double[] next = nnls(columns, y, w);
                double change = 0, size = 0;
                for (int j = 0; j < c.length; j++) {
                    change = Math.max(change, Math.abs(next[j] - c[j]));
                    size = Math.max(size, Math.abs(next[j]));
                }
                c = next;
                if (change <= 1e-12 * Math.max(size, 1e-300)) {
                    break;
                }
            }
        }
        double[] r = residuals(columns, y, c);
        double obj = 0, rss = 0;
        for (double ri : r) {
            obj += objective.rho(ri);
            rss += ri * ri;
        }
        boolean[] clamped = new boolean[c.length];
        for (int j = 0; j < c.length; j++) {
            clamped[j] = c[j] == 0.0;
        }
        return new Solution(c, obj, rss, clamped, r, objective);
    }

    static double[] residuals(double[][] columns, double[] y, double[] c) {
        double[] r = y.clone();
        for (int j = 0; j < c.length; j++) {
            if (c[j] != 0.0) {
                double[] col = columns[j];
                for (int i = 0; i < r.length; i++) {
                    r[i] -= c[j] * col[i];
                }
            }
        }
        return r;
    }

    /** Weighted NNLS: min Σ w_i (y_i − Σ_j c_j φ_j(x_i))² subject to c ≥ 0. */
    static double[] nnls(double[][] columns, double[] y, double[] w) {
        int p = columns.length;
        int n = y.length;
        double[][] g = new double[p][p];
        double[] h = new double[p];
        for (int j = 0; j < p; j++) {
            double[] cj = columns[j];
            for (int k = 0; k <= j; k++) {
                double[] ck = columns[k];
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += w[i] * cj[i] * ck[i];
                }
                g[j][k] = s;
                g[k][j] = s;
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += w[i] * cj[i] * y[i];
            }
            h[j] = s;
        }
        // Column scaling to unit diagonal: the raw columns (1, N^-α, D^-β …) differ by orders of magnitude.
        double[] scale = new double[p];
        for (int j = 0; j < p; j++) {
            scale[j] = g[j][j] > 0 ? Math.sqrt(g[j][j]) : 1.0;
        }
        for (int j = 0; j < p; j++) {
            for (int k = 0; k < p; k++) {
                g[j][k] /= scale[j] * scale[k];
            }
            h[j] /= scale[j];
        }
        // Usual case first: the unconstrained solution is already non-negative (then it is the NNLS solution).
        boolean[] all = new boolean[p];
        java.util.Arrays.fill(all, true);
        double[] x = solvePassive(g, h, all);
        boolean feasible = x != null;
        for (int j = 0; feasible && j < p; j++) {
            feasible = x[j] > 0;
        }
        if (!feasible) {
            x = lawsonHanson(g, h);
        }
        for (int j = 0; j < p; j++) {
            x[j] /= scale[j];
        }
        return x;
    }

    /** Lawson–Hanson on the normal equations: min ½xᵀGx − hᵀx, x ≥ 0. */
    static double[] lawsonHanson(double[][] g, double[] h) {
        int p = h.length;
        double[] x = new double[p];
        boolean[] passive = new boolean[p];
        double tol = 1e-12 * Math.max(1.0, maxAbs(h));
        for (int outer = 0; outer < 3 * p + 3; outer++) {
            double[] grad = gradient(g, h, x);
            int best = -1;
            double bestVal = tol;
            for (int j = 0; j < p; j++) {
                if (!passive[j] && grad[j] > bestVal) {
                    bestVal = grad[j];
                    best = j;
                }
            }
            if (best < 0) {
                break;
            }
            passive[best] = true;
            for (int inner = 0; inner < 3 * p + 3; inner++) {
                double[] z = solvePassive(g, h, passive);
                if (z == null) {
                    // Singular passive set: the last column added is linearly dependent; leave it at zero.
                    passive[best] = false;
                    break;
                }
                boolean feasible = true;
                for (int j = 0; j < p; j++) {
                    if (passive[j] && z[j] <= 0) {
                        feasible = false;
                        break;
                    }
                }
                if (feasible) {
                    x = z;
                    break;
                }
                double step = 1.0;
                for (int j = 0; j < p; j++) {
                    if (passive[j] && z[j] <= 0) {
                        step = Math.min(step, x[j] / (x[j] - z[j]));
                    }
                }
                for (int j = 0; j < p; j++) {
                    x[j] += step * (z[j] - x[j]);
                    if (passive[j] && x[j] <= 1e-15) {
                        passive[j] = false;
                        x[j] = 0.0;
                    }
                }
            }
        }
        return x;
    }

    private static double[] gradient(double[][] g, double[] h, double[] x) {
        int p = h.length;
        double[] grad = new double[p];
        for (int j = 0; j < p; j++) {
            double s = h[j];
            for (int k = 0; k < p; k++) {
                s -= g[j][k] * x[k];
            }
            grad[j] = s;
        }
        return grad;
    }

    /** Solves G_PP z_P = h_P by Gaussian elimination with partial pivoting; null if singular. */
    private static double[] solvePassive(double[][] g, double[] h, boolean[] passive) {
        int p = h.length;
        int m = 0;
        int[] idx = new int[p];
        for (int j = 0; j < p; j++) {
            if (passive[j]) {
                idx[m++] = j;
            }
        }
        double[][] a = new double[m][m + 1];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < m; c++) {
                a[r][c] = g[idx[r]][idx[c]];
            }
            a[r][m] = h[idx[r]];
        }
        for (int col = 0; col < m; col++) {
            int piv = col;
            for (int r = col + 1; r < m; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
                    piv = r;
                }
            }
            if (Math.abs(a[piv][col]) < 1e-13) {
                return null;
            }
            double[] tmp = a[piv];
            a[piv] = a[col];
            a[col] = tmp;
            for (int r = col + 1; r < m; r++) {
                double f = a[r][col] / a[col][col];
                for (int c = col; c <= m; c++) {
                    a[r][c] -= f * a[col][c];
                }
            }
        }
        double[] sol = new double[m];
        for (int r = m - 1; r >= 0; r--) {
            double s = a[r][m];
            for (int c = r + 1; c < m; c++) {
                s -= a[r][c] * sol[c];
            }
            sol[r] = s / a[r][r];
        }
        double[] z = new double[p];
        for (int r = 0; r < m; r++) {
            z[idx[r]] = sol[r];
        }
        return z;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
