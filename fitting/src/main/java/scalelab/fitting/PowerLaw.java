package scalelab.fitting;

/** y = coefficient · C^exponent, fitted by least squares in log space. */
public record PowerLaw(double coefficient, double exponent) {
    public double at(double compute) {
        return coefficient * Math.pow(compute, exponent);
    }

    /** Ordinary least squares of ln y on ln x (weights w, or null for equal weights). */
    public static PowerLaw fitLogLog(double[] x, double[] y, double[] w) {
        int n = x.length;
        if (n < 2) {
            throw new FitInputException("a power law needs at least 2 points, got " + n);
        }
        double sw = 0, sx = 0, sy = 0;
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            sw += wi;
            sx += wi * Math.log(x[i]);
            sy += wi * Math.log(y[i]);
        }
        double mx = sx / sw, my = sy / sw, sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++) {
            double wi = w == null ? 1 : w[i];
            double dx = Math.log(x[i]) - mx;
            sxx += wi * dx * dx;
            sxy += wi * dx * (Math.log(y[i]) - my);
        }
        if (!(sxx > 0)) {
            throw new FitInputException("a power law needs at least 2 distinct compute values");
        }
        double slope = sxy / sxx;
        return new PowerLaw(Math.exp(my - slope * mx), slope);
    }
}
