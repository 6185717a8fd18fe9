package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;

class RegistryTest {
    @TempDir
    Path dir;

    static RunRecord plannedRun(String ladder, String name, double n, double d, double budget) {
        return RunRecord.planned(ladder, name, Prediction.sha256(ladder + name + n + d), "{\"name\":\"" + name + "\"}",
                "dense", n, n * 1.1, d, budget, 6 * n * d, "{\"lr\":0.001}", "abc");
    }

    @Test
    void migrationsAreAppliedOnceAndRecorded() throws Exception {
        Path db = dir.resolve("sub/reg.duckdb");
        try (Registry r = Registry.open(db)) {
            assertEquals(Migrations.latestVersion(), r.schemaVersion());
        }
        try (Registry r = Registry.open(db)) {
            assertEquals(Migrations.latestVersion(), r.schemaVersion());
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db);
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM schema_version")) {
            rs.next();
            assertEquals(Migrations.ALL.size(), rs.getInt(1));
            // A database from a newer scalelab is refused rather than misread.
            s.execute("INSERT INTO schema_version VALUES (999, 'future', now())");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Registry.open(db));
        assertTrue(e.getMessage().contains("schema version 999"), e.getMessage());
    }

    @Test
    void notADatabaseIsAClearErrorAndIsLeftAlone() throws Exception {
        Path junk = dir.resolve("notes.duckdb");
        java.nio.file.Files.writeString(junk, "params,tokens,loss\n1,2,3\n".repeat(200));
        byte[] before = java.nio.file.Files.readAllBytes(junk);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Registry.open(junk));
        assertTrue(e.getMessage().startsWith("cannot open database " + junk.toAbsolutePath()), e.getMessage());
        assertArrayEquals(before, java.nio.file.Files.readAllBytes(junk));
    }

    @Test
    void resolvePathPrefersOptionThenEnvironmentThenDefault() {
        assertEquals(Path.of("a.duckdb"), Registry.resolvePath("a.duckdb", Map.of(Registry.DB_ENV, "b.duckdb")));
        assertEquals(Path.of("b.duckdb"), Registry.resolvePath(null, Map.of(Registry.DB_ENV, "b.duckdb")));
        assertEquals(Path.of("scalelab.duckdb"), Registry.resolvePath(null, Map.of()));
    }

    @Test
    void runLifecycleAndIdempotentUpsert() {
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            RunRecord planned = plannedRun("l1", "run-a", 1e6, 2e7, 1.2e14);
            long id = r.upsertRun(planned);
            assertEquals(id, r.upsertRun(planned), "same spec hash, same run");
            assertEquals(1, r.runs(null).size());
            assertEquals(RunStatus.PLANNED, r.run(id).orElseThrow().status());

            r.markRunning(id);
            r.finishRun(id, 3.25, 3.2, 1.25e14, 12.5);
            RunRecord done = r.runBySpecHash(planned.specHash()).orElseThrow();
            assertEquals(RunStatus.FINISHED, done.status());
            assertEquals(3.25, done.finalLoss());
            assertEquals(3.2, done.bestLoss());
            assertEquals(1.25e14, done.countedFlops());
            assertEquals(12.5, done.wallSeconds());
            assertEquals(1.1e6, done.totalParams(), 1e-6);
            assertNotNull(done.createdAt());
            assertFalse(done.updatedAt().isBefore(done.createdAt()));
            // Upserting the planned record again must not reset a finished run.
            r.upsertRun(planned);
            assertEquals(RunStatus.FINISHED, r.run(id).orElseThrow().status());
            assertThrows(IllegalStateException.class, () -> r.markRunning(id), "a finished run cannot restart");

            long other = r.upsertRun(plannedRun("l2", "run-b", 2e6, 1e7, 1.2e14));
            r.failRun(other, "killed: out of memory");
            RunRecord failed = r.run(other).orElseThrow();
            assertEquals(RunStatus.FAILED, failed.status());
            assertEquals("killed: out of memory", failed.statusMessage());
            assertEquals(1, r.runs("l2").size());
            assertThrows(IllegalArgumentException.class, () -> r.finishRun(other, Double.NaN, 1, 1, 1));
        }
    }

    @Test
    void curvesRoundTripWithUnevaluatedSteps() {
        try (Registry r = Registry.open(dir.resolve("c.duckdb"))) {
            long id = r.upsertRun(plannedRun("l", "a", 1e6, 1e7, 6e13));
            List<CurvePoint> pts = new ArrayList<>();
            for (int s = 0; s < 1000; s++) {
                pts.add(new CurvePoint(s, s * 4096L, 5.0 - s * 1e-3, s % 100 == 0 ? 4.9 - s * 1e-3 : Double.NaN));
            }
            r.appendCurve(id, pts.subList(500, 1000));
            r.appendCurve(id, pts.subList(0, 500));
            // Record equality compares doubles with Double.compare, so NaN (not evaluated) equals NaN.
            assertEquals(pts, r.curve(id));
            assertThrows(IllegalArgumentException.class, () -> r.appendCurve(9999, pts));
        }
    }

    @Test
    void expertSharesRoundTripInStepLayerExpertOrder() {
        try (Registry r = Registry.open(dir.resolve("shares.duckdb"))) {
            long id = r.upsertRun(plannedRun("l", "m", 1e6, 1e7, 6e13));
            List<ExpertShare> later = List.of(new ExpertShare(2, 0, 0, 0.7), new ExpertShare(2, 0, 1, 0.3));
            List<ExpertShare> first = List.of(new ExpertShare(1, 1, 1, 0.4), new ExpertShare(1, 1, 0, 0.6),
                    new ExpertShare(1, 0, 0, 0.5), new ExpertShare(1, 0, 1, 0.5));
            r.appendExpertShares(id, later);
            r.appendExpertShares(id, first);
            assertEquals(List.of(first.get(2), first.get(3), first.get(1), first.get(0), later.get(0), later.get(1)),
                    r.expertShares(id));
            assertTrue(r.expertShares(id + 1).isEmpty());
            assertThrows(IllegalArgumentException.class, () -> r.appendExpertShares(9999, later));
            assertThrows(IllegalArgumentException.class, () -> new ExpertShare(1, 0, 0, 1.5));
        }
    }

    @Test
    void observationsOfOneArchitectureLeaveTheOtherOut() {
        try (Registry r = Registry.open(dir.resolve("arch.duckdb"))) {
            long dense = r.upsertRun(plannedRun("lad", "dense", 1e6, 1e7, 6e13));
            RunRecord m = plannedRun("lad", "moe", 1e6, 1e7, 6e13);
            long moe = r.upsertRun(new RunRecord(null, m.ladder(), m.name(), m.specHash(), m.specJson(), "moe", m.params(),
                    4 * m.params(), m.tokens(), m.budgetFlops(), m.plannedFlops(), null, null, m.status(), null, null, null,
                    null, "abc", null, null));
            r.finishRun(dense, 4.0, 4.0, 6e13, 1);
            r.finishRun(moe, 3.8, 3.8, 6e13, 1);
            assertEquals(List.of(dense), r.observationSet("lad", "dense").runIds());
            assertEquals(List.of(moe), r.observationSet("lad", "moe").runIds());
            // canonical order (Observation.CANONICAL_ORDER): the same N, D and C, so the lower loss first
            assertEquals(List.of(moe, dense), r.observationSet("lad", null).runIds());
            assertEquals(r.observationSet("lad").inputHash(), r.observationSet("lad", null).inputHash());
            assertNotEquals(r.observationSet("lad").inputHash(), r.observationSet("lad", "dense").inputHash());
            assertThrows(IllegalArgumentException.class, () -> r.observationSet("lad", "Dense"));
        }
    }

    @Test
    void observationsComeFromFinishedRunsGroupedByBudget() {
        try (Registry r = Registry.open(dir.resolve("o.duckdb"))) {
            long a = r.upsertRun(plannedRun("lad", "a", 1e6, 1e7, 6e13));
            long b = r.upsertRun(plannedRun("lad", "b", 2e6, 5e6, 6e13));
            long c = r.upsertRun(plannedRun("lad", "c", 2e6, 2.5e7, 3e14));
            r.upsertRun(plannedRun("other", "d", 2e6, 2.5e7, 3e14));
            r.finishRun(a, 4.0, 4.0, 6e13, 1);
            r.finishRun(c, 3.5, 3.5, 3e14, 1);
            r.failRun(b, "diverged");
            ObservationSet set = r.observationSet("lad");
            assertEquals(List.of(a, c), set.runIds());
            List<Observation> obs = set.observations();
            assertEquals("6e13", obs.get(0).group());
            assertEquals("3e14", obs.get(1).group());
            assertEquals(3e14, obs.get(1).flops());
            assertEquals(3.5, obs.get(1).loss());
            assertEquals(set.inputHash(), r.observationSet("lad").inputHash());
            assertThrows(IllegalStateException.class, () -> r.finishRun(b, 3.9, 3.9, 6e13, 1), "a failed run must be rerun first");
            r.markRunning(b);
            r.finishRun(b, 3.9, 3.9, 6e13, 1);
            assertNotEquals(set.inputHash(), r.observationSet("lad").inputHash(), "a new finished run changes the input hash");
            assertEquals(3, r.observations(null).size());
        }
    }

    @Test
    void budgetLabels() {
        assertEquals("1e18", Registry.budgetLabel(1e18));
        assertEquals("6.25e19", Registry.budgetLabel(6.25e19));
        assertEquals("8.459e16", Registry.budgetLabel(8.458757103906451e+16));
    }

    @Test
    void fitsRoundTripWithBootstrapSurfaces() {
        try (Registry r = Registry.open(dir.resolve("f.duckdb"))) {
            assertTrue(r.latestFit(null).isEmpty());
            LossSurface s = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
            List<LossSurface> boot = List.of(new LossSurface(1.7, 400, 400, 0.33, 0.28), new LossSurface(1.68, 410, 420, 0.35, 0.29));
            long id = r.saveFit(new FitRecord(null, "vpnls", "huber", "CONVERGED", s, 1e-4, "hash1", List.of(3L, 4L), "lad",
                    "{\"E\":1.69}", boot, null));
            long id2 = r.saveFit(new FitRecord(null, "approach2", "lsq", "CONVERGED", null, Double.NaN, "hash2", List.of(), null,
                    "{}", List.of(), null));
            FitRecord f = r.fit(id).orElseThrow();
            assertEquals(s, f.surface());
            assertEquals(boot, f.bootstrapSurfaces());
            assertEquals(List.of(3L, 4L), f.runIds());
            assertEquals("{\"E\":1.69}", f.resultJson());
            assertNull(r.fit(id2).orElseThrow().surface());
            assertTrue(Double.isNaN(r.fit(id2).orElseThrow().objectiveValue()));
            assertEquals(id2, r.latestFit(null).orElseThrow().id());
            assertEquals(id, r.latestFit("lad").orElseThrow().id());
            assertEquals(2, r.fits(null).size());

            // Bootstrap sets larger than one insert chunk keep their order.
            List<LossSurface> many = new ArrayList<>();
            for (int i = 0; i < 1203; i++) {
                many.add(new LossSurface(1.6 + i * 1e-4, 400, 410, 0.34, 0.28));
            }
            long id3 = r.saveFit(new FitRecord(null, "vpnls", "huber", "CONVERGED", s, 1e-4, "hash3", List.of(), "lad", "{}", many, null));
            assertEquals(many, r.fit(id3).orElseThrow().bootstrapSurfaces());
        }
    }
}
