package scalelab.fitting;

import java.util.function.DoubleUnaryOperator;

/** Golden-section search for the minimum of a one-dimensional function on a bracket (the refinement after a grid). */
public final class GoldenSection {
    private GoldenSection() {}

    private static final double PHI = (Math.sqrt(5) - 1) / 2;

    /**
     * The midpoint of the bracket [a, b] once it is narrower than {@code tolerance} or after {@code maxIterations}
     * shrinks. {@code f} is evaluated at the two inner points, then once per shrink, in that order (a warm-started
     * objective sees the same sequence of points every time).
     */
    public static double minimize(DoubleUnaryOperator f, double a, double b, double tolerance, int maxIterations) {
        double x1 = b - PHI * (b - a), x2 = a + PHI * (b - a);
        double f1 = f.applyAsDouble(x1), f2 = f.applyAsDouble(x2);
        for (int it = 0; it < maxIterations && b - a > tolerance; it++) {
            if (f1 < f2) {
                b = x2;
                x2 = x1;
                f2 = f1;
                x1 = b - PHI * (b - a);
                f1 = f.applyAsDouble(x1);
            } else {
                a = x1;
                x1 = x2;
                f1 = f2;
                x2 = a + PHI * (b - a);
                f2 = f.applyAsDouble(x2);
            }
        }
        return 0.5 * (a + b);
    }
}
