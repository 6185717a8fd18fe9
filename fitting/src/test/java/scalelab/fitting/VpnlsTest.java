package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** VPNLS against the numbers quoted in ../shared/data/README.md (exponents and E within 1e-3, objective within 0.1%). */
class VpnlsTest {
    static final List<Observation> CHINCHILLA = TestData.load("chinchilla-isoflops.csv");
    static final List<Observation> FINEWEB = TestData.load("fineweb-c4-isoflops.csv");
    static final Vpnls.Options MSE = Vpnls.Options.defaults().withObjective(LossObjective.MSE);
    static final Vpnls.Options HUBER = Vpnls.Options.defaults().withObjective(LossObjective.huber(1e-3));

    static void assertSurface(LossSurface s, double e, double a, double b, double alpha, double beta, double coefRel) {
        assertEquals(alpha, s.alpha(), 1e-3, "alpha");
        assertEquals(beta, s.beta(), 1e-3, "beta");
        assertEquals(e, s.E(), 1e-3, "E");
        assertEquals(a, s.A(), coefRel * a, "A");
        assertEquals(b, s.B(), coefRel * b, "B");
    }

    @Test
    void chinchillaLeastSquaresMatchesPublished() {
        FitResult r = Vpnls.fit(CHINCHILLA, MSE);
        assertEquals(FitStatus.CONVERGED, r.status());
        assertSurface(r.surfaceInFitUnits(), 1.9176, 4.5483, 1.0699, 0.3885, 0.4334, 2e-3);
        assertEquals(4.8540e-2, r.objectiveValue(), 1e-3 * 4.8540e-2);
        assertEquals(124, r.n());
        assertEquals(Units.MILLIONS_BILLIONS, r.units());
    }

    @Test
    void chinchillaHuberMatchesPublished() {
        FitResult r = Vpnls.fit(CHINCHILLA, HUBER);
        LossSurface s = r.surfaceInFitUnits();
        assertEquals(0.3621, s.alpha(), 1e-3);
        assertEquals(0.3995, s.beta(), 1e-3);
        assertEquals(1.6248e-3, r.objectiveValue(), 1e-3 * 1.6248e-3);
        // The Huber optimum lies in a flat valley: ours is 1.0e-3 above the quoted E = 1.8626 at a slightly *lower*
        // objective (1.62411e-3 vs 1.6248e-3), i.e. the reference optimiser stopped a little early.
        assertEquals(1.8626, s.E(), 1.5e-3);
        assertEquals(4.1739, s.A(), 0.01 * 4.1739);
        assertEquals(1.0559, s.B(), 0.01 * 1.0559);
    }

    @Test
    void chinchillaHuberOnTheOneHundredthGridWithoutRefinementMatchesPublished() {
        FitResult r = Vpnls.fit(CHINCHILLA, HUBER.withCoarseStep(0.01).withRefine(false));
        LossSurface s = r.surfaceInFitUnits();
        assertEquals(0.36, s.alpha(), 1e-9);
        assertEquals(0.40, s.beta(), 1e-9);
        assertEquals(1.8608, s.E(), 1e-3);
        assertEquals(4.1479, s.A(), 1e-3 * 4.1479);
        assertEquals(1.0546, s.B(), 1e-3 * 1.0546);
    }

    @Test
    void finewebLeastSquaresMatchesPublished() {
        FitResult r = Vpnls.fit(FINEWEB, MSE);
        assertEquals(FitStatus.CONVERGED, r.status());
        assertSurface(r.surfaceInFitUnits(), 2.6716, 7.0983, 0.7648, 0.5992, 0.6635, 2e-3);
    }

    @Test
    void finewebHuberReachesAtLeastThePublishedOptimum() {
        FitResult r = Vpnls.fit(FINEWEB, HUBER);
        LossSurface s = r.surfaceInFitUnits();
        // Published: E = 2.7112, A = 7.8202, B = 0.7042, α = 0.6149, β = 0.7116. β agrees to 1e-3; α and E sit
        // 2.4e-3 and 2.6e-3 along the same flat valley as on Chinchilla, where our objective is lower than at the
        // published point (checked below), so the difference is the reference optimiser's early stop, not ours.
        assertEquals(0.7116, s.beta(), 1e-3);
        assertEquals(0.6149, s.alpha(), 3e-3);
        assertEquals(2.7112, s.E(), 3e-3);
        assertEquals(7.8202, s.A(), 0.01 * 7.8202);
        assertEquals(0.7042, s.B(), 0.01 * 0.7042);
        double atPublished = Vpnls.fit(FINEWEB, HUBER.withBox(0.6149 - 1e-9, 0.6149 + 1e-9, 0.7116 - 1e-9, 0.7116 + 1e-9)
                .withResolution(1e-3).withRefine(false)).objectiveValue();
        assertTrue(r.objectiveValue() <= atPublished, r.objectiveValue() + " > " + atPublished);
    }

    @Test
    void coarseGridPlusRefinementEqualsDenseGridPlusRefinement() {
        for (Vpnls.Options o : List.of(MSE, HUBER)) {
            LossSurface dense = Vpnls.fit(CHINCHILLA, o.withCoarseStep(0.01)).surfaceInFitUnits();
            LossSurface coarse = Vpnls.fit(CHINCHILLA, o).surfaceInFitUnits();
            assertEquals(dense.alpha(), coarse.alpha(), 1e-5);
            assertEquals(dense.beta(), coarse.beta(), 1e-5);
            assertEquals(dense.E(), coarse.E(), 1e-5);
        }
    }

    @Test
    void coarseGridAloneThenRefinementReachesTheSameOptimum() {
        // What bootstrap replicates use: the 0.05 grid over the box, then Nelder–Mead, no local fine grid.
        for (List<Observation> data : List.of(CHINCHILLA, FINEWEB)) {
            for (Vpnls.Options o : List.of(MSE, HUBER)) {
                LossSurface dense = Vpnls.fit(data, o.withCoarseStep(0.01)).surfaceInFitUnits();
                LossSurface coarse = Vpnls.fit(data, o.withResolution(0.05)).surfaceInFitUnits();
                assertEquals(dense.alpha(), coarse.alpha(), 1e-5);
                assertEquals(dense.beta(), coarse.beta(), 1e-5);
                assertEquals(dense.E(), coarse.E(), 1e-5);
            }
        }
    }

    @Test
    void rawAndFitUnitSurfacesAgree() {
        FitResult r = Vpnls.fit(CHINCHILLA, MSE);
        for (Observation o : CHINCHILLA.subList(0, 10)) {
            assertEquals(r.surfaceInFitUnits().loss(o.params() / 1e6, o.tokens() / 1e9), r.predictLoss(o.params(), o.tokens()), 1e-9);
        }
        // Chinchilla's labels are ~1.03·6·N·D, falling slowly with N: the optimum spends C as its labels count it
        ComputeOptimal opt = r.optimalAt(5.76e23);
        assertEquals(5.76e23, r.flops().flops(opt.params(), opt.tokens()), 1e-6 * 5.76e23);
        assertEquals(1.03, r.flops().kappa(1e9), 0.02);
        double b = r.flops().slope(), alpha = r.surface().alpha(), beta = r.surface().beta();
        assertEquals(beta / (alpha + beta * (1 + b)), r.paramsExponent(), 1e-12);
    }

    @Test
    void exponentOnTheBoxEdgeIsReported() {
        FitResult r = Vpnls.fit(CHINCHILLA, MSE.withBox(0.01, 0.3, 0.01, 1.5));
        assertEquals(FitStatus.EXPONENT_ON_GRID_EDGE, r.status());
        assertTrue(r.message().contains("α"), r.message());
    }

    @Test
    void clampedCoefficientIsReported() {
        // Loss that rises slowly with D: B·D^-β ≥ 0 cannot follow it, so B must be clamped at 0.
        List<Observation> obs = new java.util.ArrayList<>();
        for (double n : new double[] {1e7, 3e7, 1e8, 3e8, 1e9, 3e9}) {
            for (double d : new double[] {1e9, 1e10, 1e11}) {
                obs.add(Observation.of(n, d, 2.0 + 50 * Math.pow(n / 1e6, -0.5) + 1e-3 * Math.log(d / 1e9)));
            }
        }
        FitResult r = Vpnls.fit(obs, MSE);
        assertEquals(0.0, r.surface().B());
        assertTrue(r.status() == FitStatus.COEFFICIENT_CLAMPED || r.status() == FitStatus.EXPONENT_ON_GRID_EDGE, r.status().name());
    }

    @Test
    void fewerPointsThanParametersIsRejected() {
        FitInputException e = assertThrows(FitInputException.class, () -> Vpnls.fit(CHINCHILLA.subList(0, 4), MSE));
        assertTrue(e.getMessage().contains("fewer points than parameters"), e.getMessage());
    }

    @Test
    void repeatedRunsOfFewDesignsAreNotEnoughPoints() {
        // 12 rows, 3 designs: seeds of one (N, D) add rows, not information about the surface
        List<Observation> obs = new java.util.ArrayList<>();
        for (int seed = 0; seed < 4; seed++) {
            for (double n : new double[] {1e7, 1e8, 1e9}) {
                obs.add(Observation.of(n, 20 * n, 2.0 + 50 * Math.pow(n / 1e6, -0.3) + 1e-3 * seed));
            }
        }
        FitInputException e = assertThrows(FitInputException.class, () -> Vpnls.fit(obs, MSE));
        assertTrue(e.getMessage().contains("only 3 distinct (N, D) designs in 12 runs: fewer points than parameters"), e.getMessage());
        FitInputException a3 = assertThrows(FitInputException.class, () -> Approach3.fit(obs));
        assertTrue(a3.getMessage().startsWith("Approach 3 fits 5 parameters"), a3.getMessage());
    }

    @Test
    void fewerThanThreeNOrDValuesCannotIdentifyTheSurface() {
        List<Observation> twoN = new java.util.ArrayList<>();
        List<Observation> oneD = new java.util.ArrayList<>();
        List<Observation> threeEach = new java.util.ArrayList<>();
        double[] xs = {1e9, 2e9, 5e9, 1e10, 2e10, 5e10};
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            twoN.add(Observation.of(i % 2 == 0 ? 1e8 : 2e8, x, 2.0 + 400 * Math.pow(x / 1e9, -0.3)));
            oneD.add(Observation.of(x / 100, 1e10, 2.0 + 400 * Math.pow(x / 1e8, -0.3)));
            double n = new double[] {1e8, 2e8, 4e8}[i % 3];
            threeEach.add(Observation.of(n, x, 1.7 + 400 * Math.pow(n, -0.34) + 410 * Math.pow(x, -0.28)));
        }
        for (var fitter : List.<java.util.function.Function<List<Observation>, FitResult>>of(o -> Vpnls.fit(o, MSE), Approach3::fit)) {
            FitInputException n = assertThrows(FitInputException.class, () -> fitter.apply(twoN));
            assertTrue(n.getMessage().contains("needs at least 3 distinct N and 3 distinct D values")
                    && n.getMessage().contains("the 6 runs have only N (params) [1.0E8, 2.0E8]"), n.getMessage());
            FitInputException d = assertThrows(FitInputException.class, () -> fitter.apply(oneD));
            assertTrue(d.getMessage().contains("the 6 runs have only D (tokens) [1.0E10]"), d.getMessage());
            fitter.apply(threeEach); // three levels of each: accepted
        }
    }

    @Test
    void exactNnlsSatisfiesKktOnRandomProblems() {
        SplittableRandom rng = new SplittableRandom(7);
        double[] t = new double[3];
        for (int trial = 0; trial < 2000; trial++) {
            double[][] x = new double[6][3];
            for (double[] row : x) {
                for (int j = 0; j < 3; j++) {
                    row[j] = rng.nextDouble(-1, 1);
                }
            }
            double[] c = {rng.nextDouble(-1, 1), rng.nextDouble(-1, 1), rng.nextDouble(-1, 1)};
            double[][] g = new double[3][3];
            for (double[] row : x) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        g[i][j] += row[i] * row[j];
                    }
                }
            }
            double q = Nnls3.solve(g[0][0], g[0][1], g[0][2], g[1][1], g[1][2], g[2][2], c[0], c[1], c[2], t);
            double quad = 0;
            for (int i = 0; i < 3; i++) {
                assertTrue(t[i] >= 0);
                double grad = -c[i];
                for (int j = 0; j < 3; j++) {
                    grad += g[i][j] * t[j];
                    quad += t[i] * g[i][j] * t[j];
                }
                if (t[i] > 0) {
                    assertEquals(0, grad, 1e-8, "stationary in free variable");
                } else {
                    assertTrue(grad >= -1e-8, "multiplier of a clamped variable must be >= 0");
                }
                quad -= 2 * t[i] * c[i];
            }
            assertEquals(quad, q, 1e-9);
        }
    }

    @Test
    void contentHashIsOneHashForOneSetOfRunsWhateverTheirOrder() {
        String h = ContentHash.of(CHINCHILLA);
        assertEquals(h, ContentHash.of(List.copyOf(CHINCHILLA)));
        assertEquals(64, h.length());
        List<Observation> swapped = new java.util.ArrayList<>(CHINCHILLA);
        java.util.Collections.swap(swapped, 0, 1);
        assertEquals(h, ContentHash.of(swapped), "the same runs in another order");
        List<Observation> reversed = new java.util.ArrayList<>(CHINCHILLA);
        java.util.Collections.reverse(reversed);
        assertEquals(h, ContentHash.of(reversed));
        // Group labels are not content: the registry labels budgets its own way.
        assertEquals(h, ContentHash.of(CHINCHILLA.stream().map(o -> o.withGroup("g")).toList()));
        List<Observation> changed = new java.util.ArrayList<>(CHINCHILLA);
        Observation first = changed.get(0);
        changed.set(0, new Observation(first.params(), first.tokens(), first.flops(), Math.nextUp(first.loss()), first.group(), first.weight()));
        assertNotEquals(h, ContentHash.of(changed), "one loss one ulp off is another set");
        assertNotEquals(h, ContentHash.of(CHINCHILLA.subList(1, CHINCHILLA.size())), "a run fewer is another set");
        assertEquals(h, Vpnls.fit(CHINCHILLA, MSE).inputSha256());
    }

    @Test
    void tiedExponentsRecoverATiedSurfaceAndStayTiedOnChinchilla() {
        LossSurface truth = new LossSurface(1.8, 300, 900, 0.3, 0.3);
        List<Observation> obs = new java.util.ArrayList<>();
        for (double n : new double[] {1e7, 3e7, 1e8, 3e8, 1e9}) {
            for (double m : new double[] {5, 20, 80, 320}) {
                obs.add(Observation.of(n, m * n, truth.loss(n, m * n)));
            }
        }
        FitResult tied = Vpnls.fitTied(obs, Vpnls.Options.defaults());
        assertEquals("vpnls-tied", tied.method());
        assertEquals(0.3, tied.surface().alpha(), 1e-4);
        assertEquals(tied.surface().alpha(), tied.surface().beta(), 0);
        assertEquals(1.8, tied.surface().E(), 1e-3);
        FitResult chinchilla = Vpnls.fitTied(TestData.load("chinchilla-isoflops.csv"), Vpnls.Options.defaults());
        assertEquals(chinchilla.surface().alpha(), chinchilla.surface().beta(), 0);
        // Tying costs fit: the tied objective is no lower than the free one on the same runs.
        assertTrue(chinchilla.objectiveValue() >= Vpnls.fit(TestData.load("chinchilla-isoflops.csv")).objectiveValue() - 1e-12);
    }
}
