package scalelab.fitting;

/**
 * Compact limited-memory BFGS (two-loop recursion, memory 10) with a backtracking Armijo line search, for smooth
 * unconstrained objectives with an analytic gradient. Commons Math 3 has no L-BFGS.
 */
final class Lbfgs {
    /** Objective value, writing the gradient into {@code grad}. */
    interface Function {
        double valueAndGradient(double[] x, double[] grad);
    }

    /**
     * @param x          the minimiser found (also the start on entry)
     * @param value      objective at x
     * @param iterations iterations used
     * @param converged  stopped by a tolerance rather than the iteration limit
     */
    record Result(double[] x, double value, int iterations, boolean converged) {}

    private Lbfgs() {}

    /**
     * Stops when the relative decrease of f over an iteration is below {@code ftol}, or the largest gradient
     * component is below {@code gtol}, or after {@code maxIterations}.
     */
    static Result minimize(Function f, double[] start, double ftol, double gtol, int maxIterations) {
        final int m = 10;
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = f.valueAndGradient(x, g);
        if (!Double.isFinite(fx)) {
            return new Result(x, fx, 0, false);
        }
        double[][] s = new double[m][n], y = new double[m][n];
        double[] rho = new double[m], alphaBuf = new double[m];
        int stored = 0, head = 0;
        double[] d = new double[n], xNew = new double[n], gNew = new double[n];
        for (int iter = 1; iter <= maxIterations; iter++) {
            if (maxAbs(g) < gtol) {
                return new Result(x, fx, iter - 1, true);
            }
            // Two-loop recursion: d = −H·g.
            for (int i = 0; i < n; i++) {
                d[i] = -g[i];
            }
            for (int k = 0; k < stored; k++) {
                int j = Math.floorMod(head - 1 - k, m);
                double a = rho[j] * dot(s[j], d);
                alphaBuf[j] = a;
                axpy(-a, y[j], d);
            }
            if (stored > 0) {
                int j = Math.floorMod(head - 1, m);
                double gamma = dot(s[j], y[j]) / dot(y[j], y[j]);
                for (int i = 0; i < n; i++) {
                    d[i] *= gamma;
                }
            } else {
                double scale = 1.0 / Math.max(1.0, Math.sqrt(dot(g, g)));
                for (int i = 0; i < n; i++) {
                    d[i] *= scale;
                }
            }
            for (int k = stored - 1; k >= 0; k--) {
                int j = Math.floorMod(head - 1 - k, m);
                double b = rho[j] * dot(y[j], d);
                axpy(alphaBuf[j] - b, s[j], d);
            }
            double slope = dot(g, d);
            if (!(slope < 0)) { // not a descent direction: restart from steepest descent
                stored = 0;
                for (int i = 0; i < n; i++) {
                    d[i] = -g[i] / Math.max(1.0, Math.sqrt(dot(g, g)));
                }
                slope = dot(g, d);
            }
            double step = 1.0, fNew = Double.NaN;
            boolean accepted = false;
            for (int ls = 0; ls < 60; ls++) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * d[i];
                }
                fNew = f.valueAndGradient(xNew, gNew);
                if (Double.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                return new Result(x, fx, iter, true); // no further decrease possible at machine precision
            }
            double[] sNew = s[head], yNew = y[head];
            for (int i = 0; i < n; i++) {
                sNew[i] = xNew[i] - x[i];
                yNew[i] = gNew[i] - g[i];
            }
            double sy = dot(sNew, yNew);
            if (sy > 1e-300) {
                rho[head] = 1.0 / sy;
                head = (head + 1) % m;
                stored = Math.min(stored + 1, m);
            }
            double decrease = fx - fNew;
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            double fOld = fx;
            fx = fNew;
            if (decrease <= ftol * Math.max(Math.abs(fOld), Math.abs(fNew))) {
                return new Result(x, fx, iter, true);
            }
        }
        return new Result(x, fx, maxIterations, false);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
