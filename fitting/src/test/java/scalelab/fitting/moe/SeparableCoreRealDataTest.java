package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.TestData;

/**
 * The variable-projection core the MoE laws share (NNLS + grid + Levenberg–Marquardt), checked on real data: the
 * dense special case on the published Chinchilla IsoFLOP runs must reproduce the VPNLS numbers of
 * ../shared/data/README.md (N/1e6, D/1e9, all 124 rows).
 */
class SeparableCoreRealDataTest {

    private record Fit(double E, double A, double B, double alpha, double beta, double objective) {
    }

    private static Fit fitDense(FitObjective objective) throws IOException {
        Path csv = TestData.file("chinchilla-isoflops.csv");
        List<String> lines = Files.readAllLines(csv);
        assertEquals("params,tokens,budget,loss", lines.get(0));
        int n = lines.size() - 1;
        double[] lnN = new double[n], lnD = new double[n], y = new double[n], ones = new double[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",");
            lnN[i] = Math.log(Double.parseDouble(f[0]) / 1e6);
            lnD[i] = Math.log(Double.parseDouble(f[1]) / 1e9);
            y[i] = Double.parseDouble(f[3]);
            ones[i] = 1.0;
        }
        java.util.function.Function<double[], double[][]> columns = th -> {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = Math.exp(-th[0] * lnN[i]);
                b[i] = Math.exp(-th[1] * lnD[i]);
            }
            return new double[][] {ones, a, b};
        };
        ProfiledSearch.Result r = ProfiledSearch.minimize(th -> SeparableSolver.solve(columns.apply(th), y, objective).profiled(),
                new String[] {"alpha", "beta"}, new double[] {0.01, 0.01}, new double[] {2, 2}, 2, 12, new double[2], List.of(), 2);
        assertNull(r.problem());
        assertTrue(r.atBound().isEmpty(), r.atBound().toString());
        SeparableSolver.Solution s = SeparableSolver.solve(columns.apply(r.theta()), y, objective);
        double[] c = s.coefficients();
        return new Fit(c[0], c[1], c[2], r.theta()[0], r.theta()[1], s.objective());
    }

    @Test
    void leastSquaresReproducesPublishedVpnls() throws IOException {
        Fit f = fitDense(FitObjective.leastSquares());
        assertEquals(0.3885, f.alpha(), 1e-3);
        assertEquals(0.4334, f.beta(), 1e-3);
        assertEquals(1.9176, f.E(), 1e-3);
        assertEquals(4.5483, f.A(), 5e-3 * 4.5483);
        assertEquals(1.0699, f.B(), 5e-3 * 1.0699);
        assertEquals(4.8540e-2, f.objective(), 1e-3 * 4.8540e-2);
    }

    /**
     * The README's Huber numbers are not the exact minimiser of the stated objective: its parameters give
     * Σρ = 1.62462e-3, while the exact inner Huber solve (IRLS to convergence) reaches 1.62300e-3 at α ≈ 0.369,
     * β ≈ 0.4025 (confirmed by an exhaustive 0.001 × 0.0005 scan of the profiled objective). The surface is flat
     * (0.1% of objective across α = 0.355…0.375), so we require a strictly lower objective and exponents near the
     * published ones, not 1e-3 agreement.
     */
    @Test
    void huberBeatsPublishedVpnlsObjectiveNearItsExponents() throws IOException {
        Fit f = fitDense(FitObjective.huber(1e-3));
        double published = 1.62462e-3; // Σρ(r) at the README's (E, A, B, α, β), ρ = r²/2 inside δ
        assertTrue(f.objective() / 2 < published, "objective " + f.objective() / 2);
        assertEquals(1.62300e-3, f.objective() / 2, 2e-8);
        assertEquals(0.3621, f.alpha(), 0.01);
        assertEquals(0.3995, f.beta(), 0.005);
        assertEquals(1.8626, f.E(), 0.015);
    }
}
