package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.FitStatus;
import scalelab.fitting.LossSurface;

class SeparableSolverTest {

    @Test
    void nnlsMatchesLeastSquaresWhenInteriorAndClampsWhenNot() {
        double[] x = {1, 2, 3, 4, 5, 6};
        double[] ones = {1, 1, 1, 1, 1, 1};
        double[] y = new double[6];
        for (int i = 0; i < 6; i++) {
            y[i] = 0.5 + 2.0 * x[i];
        }
        double[] c = SeparableSolver.nnls(new double[][] {ones, x}, y, ones);
        assertEquals(0.5, c[0], 1e-10);
        assertEquals(2.0, c[1], 1e-10);
        // y = 10 − x: the unconstrained slope is −1, so NNLS holds it at 0 and fits the mean, 6.5.
        for (int i = 0; i < 6; i++) {
            y[i] = 10.0 - x[i];
        }
        SeparableSolver.Solution s = SeparableSolver.solve(new double[][] {ones, x}, y, FitObjective.leastSquares());
        assertEquals(0.0, s.coefficients()[1]);
        assertEquals(6.5, s.coefficients()[0], 1e-12);
        assertArrayEquals(new boolean[] {false, true}, s.clamped());
    }

    @Test
    void fitterReportsClampedCoefficientAndExponentOnEdge() {
        // Loss rising with tokens (B < 0, as in an overfitting regime): B must be held at zero, and status says so.
        LossSurface noData = new LossSurface(1.8, 2.0, -0.2, 0.3, 0.3);
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 8}, 2, new double[] {1.0},
                t -> noData.loss(t.activeParams() / 1e6 * (t.experts() == 1 ? 1 : 2), t.tokens() / 1e9), 0, 1);
        var fit = SharedExponentFitter.defaults().fit(runs);
        assertEquals(FitStatus.COEFFICIENT_CLAMPED, fit.status(), fit.describe());
        assertTrue(fit.message().contains("B[dense]") && fit.message().contains("B[moe-e8-k2]"), fit.message());

        // α = 2.5 lies outside the search box [0.01, 2]: the fit must say the exponent sits on its edge.
        LossSurface steep = new LossSurface(1.8, 2.0, 1.0, 2.5, 0.3);
        List<MoeObservation> steepRuns = SyntheticMoeLadder.ladder(new int[] {1, 8}, 2, new double[] {1.0},
                t -> steep.loss(t.activeParams() / 1e6 * (t.experts() == 1 ? 1 : 2), t.tokens() / 1e9), 0, 1);
        var steepFit = SharedExponentFitter.defaults().fit(steepRuns);
        assertEquals(FitStatus.EXPONENT_ON_GRID_EDGE, steepFit.status(), steepFit.describe());
        assertTrue(steepFit.message().contains("alpha=2"), steepFit.message());
    }
}
