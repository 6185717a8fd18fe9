package scalelab.fitting;

/**
 * Normalisation of N and D inside a fit (N/paramsScale, D/tokensScale). Fitting in millions and billions keeps
 * A and B of order one; parameters are always also reported in raw units.
 */
public record Units(double paramsScale, double tokensScale) {
    /** N in millions, D in billions: the convention of the published VPNLS numbers. */
    public static final Units MILLIONS_BILLIONS = new Units(1e6, 1e9);
    public static final Units RAW = new Units(1.0, 1.0);

    public Units {
        if (!(paramsScale > 0) || !(tokensScale > 0) || !Double.isFinite(paramsScale) || !Double.isFinite(tokensScale)) {
            throw new IllegalArgumentException("unit scales must be finite and positive");
        }
    }

    public String describe() {
        return "N/" + fmt(paramsScale) + ", D/" + fmt(tokensScale);
    }

    private static String fmt(double s) {
        return s == 1.0 ? "1" : String.format(java.util.Locale.ROOT, "%.0e", s).replace("e+0", "e").replace("e+", "e");
    }
}
