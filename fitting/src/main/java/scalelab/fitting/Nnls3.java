package scalelab.fitting;

/**
 * Exact non-negative least squares with three unknowns, from the normal equations: minimise
 * θᵀGθ − 2θᵀc over θ ≥ 0. The optimum restricted to its support S solves G_SS θ_S = c_S, so checking the
 * unconstrained solution and then every subset (7 at most) finds it exactly, with no iteration.
 */
final class Nnls3 {
    private Nnls3() {}

    /**
     * @param g   symmetric Gram matrix entries g00, g01, g02, g11, g12, g22
     * @param c   right-hand side (3)
     * @param out receives θ (3)
     * @return θᵀGθ − 2θᵀc at the optimum (add yᵀWy to get the weighted sum of squares)
     */
    static double solve(double g00, double g01, double g02, double g11, double g12, double g22,
                        double c0, double c1, double c2, double[] out) {
        // Unconstrained solution by Cramer's rule: if it is feasible it is the optimum.
        double m00 = g11 * g22 - g12 * g12;
        double m01 = g02 * g12 - g01 * g22;
        double m02 = g01 * g12 - g02 * g11;
        double det = g00 * m00 + g01 * m01 + g02 * m02;
        double scale = Math.abs(g00 * g11 * g22) + 1e-300;
        if (Math.abs(det) > 1e-13 * scale) {
            double m11 = g00 * g22 - g02 * g02;
            double m12 = g01 * g02 - g00 * g12;
            double m22 = g00 * g11 - g01 * g01;
            double t0 = (m00 * c0 + m01 * c1 + m02 * c2) / det;
            double t1 = (m01 * c0 + m11 * c1 + m12 * c2) / det;
            double t2 = (m02 * c0 + m12 * c1 + m22 * c2) / det;
            if (t0 >= 0 && t1 >= 0 && t2 >= 0) {
                out[0] = t0;
                out[1] = t1;
                out[2] = t2;
                return -(t0 * c0 + t1 * c1 + t2 * c2);
            }
        }
        double best = 0; // empty support: θ = 0
        double b0 = 0, b1 = 0, b2 = 0;
        // Two-variable supports.
        double[] pair = new double[2];
        double q;
        if ((q = pair(g00, g01, g11, c0, c1, pair)) < best) { best = q; b0 = pair[0]; b1 = pair[1]; b2 = 0; }
        if ((q = pair(g00, g02, g22, c0, c2, pair)) < best) { best = q; b0 = pair[0]; b1 = 0; b2 = pair[1]; }
        if ((q = pair(g11, g12, g22, c1, c2, pair)) < best) { best = q; b0 = 0; b1 = pair[0]; b2 = pair[1]; }
        // One-variable supports: θ_k = c_k / g_kk, objective −c_k²/g_kk.
        if (c0 > 0 && g00 > 0 && (q = -c0 * c0 / g00) < best) { best = q; b0 = c0 / g00; b1 = 0; b2 = 0; }
        if (c1 > 0 && g11 > 0 && (q = -c1 * c1 / g11) < best) { best = q; b0 = 0; b1 = c1 / g11; b2 = 0; }
        if (c2 > 0 && g22 > 0 && (q = -c2 * c2 / g22) < best) { best = q; b0 = 0; b1 = 0; b2 = c2 / g22; }
        out[0] = b0;
        out[1] = b1;
        out[2] = b2;
        return best;
    }

    /** Two-variable support; returns +∞ when infeasible or singular. */
    private static double pair(double a, double b, double d, double c0, double c1, double[] out) {
        double det = a * d - b * b;
        if (!(Math.abs(det) > 1e-13 * Math.abs(a * d)) ) {
            return Double.POSITIVE_INFINITY;
        }
        double t0 = (d * c0 - b * c1) / det;
        double t1 = (a * c1 - b * c0) / det;
        if (t0 < 0 || t1 < 0) {
            return Double.POSITIVE_INFINITY;
        }
        out[0] = t0;
        out[1] = t1;
        return -(t0 * c0 + t1 * c1);
    }
}
