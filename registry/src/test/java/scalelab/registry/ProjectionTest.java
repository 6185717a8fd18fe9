package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, item 1: a prediction lies beyond the data; anything else is a projection; absurd targets are refused. */
class ProjectionTest {
    @TempDir
    Path dir;

    /** A fit on three finished runs whose largest budget is 1e21 FLOPs. */
    private static FitRecord fitOnRuns(Registry r) {
        List<Long> ids = new ArrayList<>();
        double[][] runs = {{1e8, 1.67e11, 1e20}, {3e8, 5.5e11, 1e21}, {1e9, 1.67e11, 1e21}};
        for (double[] run : runs) {
            long id = r.upsertRun(RegistryTest.plannedRun("lad", "run-" + run[0], run[0], run[1], run[2]));
            r.finishRun(id, 2.5, 2.5, run[2], 10);
            ids.add(id);
        }
        long id = r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", LedgerTest.CHINCHILLA, 1e-4, "h", ids, "lad",
                "{}", List.of(), null));
        return r.fit(id).orElseThrow();
    }

    private static Predictions.Vetting vet(Registry r, FitRecord fit, Double n, Double d, Double c, Predictions.Overrides o) {
        Prediction draft = Predictions.draft(fit, new Predictions.Target("t", "dense", n, d, c), 0.95, null, "v", "me", Instant.now());
        return Predictions.vet(draft, r.dataRange(fit), o);
    }

    @Test
    void targetsTheDataCoverAreProjections() {
        try (Registry r = Registry.open(dir.resolve("p.duckdb"), new LedgerKeys(dir.resolve("keys")))) {
            FitRecord fit = fitOnRuns(r);
            assertEquals(new Predictions.DataRange(3, 1e21), r.dataRange(fit));
            for (double c : new double[] {3e20, 1e21, 1e-30}) {
                Predictions.Vetting v = vet(r, fit, null, null, c, Predictions.Overrides.NONE);
                assertEquals(Predictions.Status.PROJECTION, v.status(), v.describe());
                assertNull(v.draft(), "a projection is never a draft to file");
                assertTrue(v.describe().startsWith("projection (not filed): C = "), v.describe());
                assertTrue(v.describe().contains("largest budget the fit saw (1.000e+21 FLOPs over 3 runs)"), v.describe());
            }
            // --params 1 --tokens 1: C = 6 FLOPs, far below the data.
            assertEquals(Predictions.Status.PROJECTION, vet(r, fit, 1.0, 1.0, null, Predictions.Overrides.NONE).status());

            Predictions.Vetting beyond = vet(r, fit, null, null, 1e22, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.PREDICTION, beyond.status(), beyond.describe());
            assertEquals(List.of(), beyond.reasons());

            // Filed only with the override, which the hashed note records.
            Predictions.Vetting forced = vet(r, fit, null, null, 3e20, new Predictions.Overrides(true, false, "demo"));
            assertEquals(Predictions.Status.PREDICTION, forced.status());
            assertTrue(forced.draft().intervalNote().contains("override --allow-projection (demo): C = 3.000e+20"), forced.draft().intervalNote());
            Prediction filed = r.filePrediction(forced.draft());
            assertTrue(filed.canonicalContent().contains("override --allow-projection"));
        }
    }

    @Test
    void absurdTargetsAreRefusedWithTheReason() {
        try (Registry r = Registry.open(dir.resolve("p.duckdb"), new LedgerKeys(dir.resolve("keys")))) {
            FitRecord fit = fitOnRuns(r);
            Predictions.Vetting huge = vet(r, fit, null, null, 1e60, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.REFUSED, huge.status());
            assertTrue(huge.describe().contains("beyond the 1e4× the data can back"), huge.describe());

            Predictions.Vetting inconsistent = vet(r, fit, 1e10, 1e10, 1e22, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.REFUSED, inconsistent.status());
            assertTrue(inconsistent.describe().contains("C = 1.000e+22 differs from 6·N·D = 6.000e+20"), inconsistent.describe());
            assertTrue(inconsistent.describe().contains("--allow-implausible"), inconsistent.describe());

            Predictions.Vetting starved = vet(r, fit, 1e12, 1e10, null, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.REFUSED, starved.status());
            assertTrue(starved.describe().contains("0.0100 tokens per parameter lies outside [0.1, 1e4]"), starved.describe());

            Predictions.Vetting allowed = vet(r, fit, 1e10, 1e10, 1e22, new Predictions.Overrides(false, true, "FLOPs counted with attention"));
            assertEquals(Predictions.Status.PREDICTION, allowed.status());
            assertTrue(allowed.draft().intervalNote().contains("override --allow-implausible (FLOPs counted with attention): C = 1.000e+22"),
                    allowed.draft().intervalNote());

            // A fit that records no runs cannot show that any target lies beyond its data.
            FitRecord bare = LedgerTest.savedFit(r, 0);
            assertNull(r.dataRange(bare));
            Predictions.Vetting unknown = vet(r, bare, null, null, 1e22, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.REFUSED, unknown.status());
            assertTrue(unknown.describe().contains("records no runs"), unknown.describe());
        }
    }

    @Test
    void aTargetsComputeIsCheckedAgainstTheFittedRunsOwnFlopCount() {
        try (Registry r = Registry.open(dir.resolve("p.duckdb"), new LedgerKeys(dir.resolve("keys")))) {
            // a lab whose budget labels are 0.33·6·N·D (parameters counted with embeddings, say)
            List<Long> ids = new ArrayList<>();
            double[][] runs = {{1e8, 1.67e11, 1e20}, {3e8, 5.5e11, 1e21}, {1e9, 1.67e11, 1e21}};
            for (double[] run : runs) {
                double budget = 0.33 * 6 * run[0] * run[1];
                long id = r.upsertRun(RegistryTest.plannedRun("own", "run-" + run[0], run[0], run[1], budget));
                r.finishRun(id, 2.5, 2.5, budget, 10);
                ids.add(id);
            }
            long fitId = r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", LedgerTest.CHINCHILLA, 1e-4, "h", ids, "own",
                    "{}", List.of(), null));
            FitRecord fit = r.fit(fitId).orElseThrow();
            assertEquals(0.33, r.dataRange(fit).flops().kappa(1e10), 1e-9);
            Predictions.Vetting counted = vet(r, fit, 1e10, 2e11, 0.33 * 6 * 1e10 * 2e11, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.PREDICTION, counted.status(), counted.describe());
            assertEquals(List.of(), counted.reasons());
            Predictions.Vetting sixNd = vet(r, fit, 1e10, 2e11, 6 * 1e10 * 2e11, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.REFUSED, sixNd.status());
            assertTrue(sixNd.describe().contains("differs from the fitted runs' count 0.330·6·N·D = 3.960e+21"), sixNd.describe());
            // a fit that records its runs' count fills in an unstated C (or D, or N) the same way, so the target is
            // plausible as given: N and D alone, or C with one of them
            String json = String.format(java.util.Locale.ROOT, "{\"flops\": {\"log_kappa_ref\": %s, \"slope\": 0, "
                    + "\"log_params_ref\": %s, \"runs\": 3, \"disagreeing\": 0}}", Math.log(0.33), Math.log(3e8));
            long countedFit = r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", LedgerTest.CHINCHILLA, 1e-4, "h", ids,
                    "own", json, List.of(), null));
            FitRecord own = r.fit(countedFit).orElseThrow();
            Predictions.Vetting nd = vet(r, own, 1e10, 2e11, null, Predictions.Overrides.NONE);
            assertEquals(Predictions.Status.PREDICTION, nd.status(), nd.describe());
            assertEquals(0.33 * 6 * 1e10 * 2e11, nd.draft().compute(), 1e-6 * nd.draft().compute());
            Predictions.Vetting cn = vet(r, own, 1e10, null, 3.96e21, Predictions.Overrides.NONE);
            assertEquals(2e11, cn.draft().tokens(), 1e-6 * 2e11);
            Predictions.Vetting cd = vet(r, own, null, 2e11, 3.96e21, Predictions.Overrides.NONE);
            assertEquals(1e10, cd.draft().params(), 1e-6 * 1e10);
            // compute alone: the surface's optimum along the same count
            Predictions.Vetting c = vet(r, own, null, null, 3.96e21, Predictions.Overrides.NONE);
            assertEquals(3.96e21, 0.33 * 6 * c.draft().params() * c.draft().tokens(), 1e-6 * 3.96e21);
        }
    }

    @Test
    void aSurfacePredictingANonPositiveLossIsRefused() {
        try (Registry r = Registry.open(dir.resolve("p.duckdb"), new LedgerKeys(dir.resolve("keys")))) {
            long id = r.saveFit(new FitRecord(null, "vpnls", "lsq", "CONVERGED", new scalelab.fitting.LossSurface(-5, 1, 1, 0.3, 0.3),
                    1e-4, "h", List.of(), "lad", "{}", List.of(), null));
            FitRecord fit = r.fit(id).orElseThrow();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Predictions.draft(fit,
                    new Predictions.Target("t", "dense", 1e10, 2e11, null), 0.95, null, "v", "me", Instant.now()));
            assertTrue(e.getMessage().contains("not a finite positive loss") && e.getMessage().contains("nothing filed"), e.getMessage());
        }
    }
}
