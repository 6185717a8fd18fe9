package scalelab.cli.fit;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.FitRecord;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;
import scalelab.registry.io.DataDirectory;

/** {@code fit --from-db --save} through the CLI, then {@code predict} from the stored fit. */
class FitFromDbTest {
    @TempDir
    Path dir;



    String db() {
        return dir.resolve("fits.duckdb").toString();
    }

    @BeforeEach
    void importChinchilla() {
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        Result r = run("runs", "import", csv.toString(), "--ladder", "chin", "--db", db());
        assertEquals(0, r.exit(), r.err());
    }

    static long savedId(String out) {
        Matcher m = Pattern.compile("saved fit (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    /** Issue 16: the same 124 runs got four input hashes (CSV order, registry spec hashes, …); now one. */
    @Test
    void oneSetOfRunsHasOneInputHashWhateverItsOrderOrSource() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        Result fromCsv = run("fit", csv.toString(), "--format", "json");
        assertEquals(0, fromCsv.exit(), fromCsv.err());
        String hash = json.readTree(fromCsv.out()).get("input_sha256").asText();
        assertEquals(64, hash.length(), fromCsv.out());

        java.util.List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(csv));
        String header = lines.remove(0);
        java.util.Collections.reverse(lines);
        lines.add(0, header);
        Path reversed = dir.resolve("reversed.csv");
        java.nio.file.Files.write(reversed, lines);
        Result fromReversed = run("fit", reversed.toString(), "--format", "json");
        assertEquals(0, fromReversed.exit(), fromReversed.err());
        assertEquals(hash, json.readTree(fromReversed.out()).get("input_sha256").asText(), "the same runs in another order");

        Result fromDb = run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "0", "--format", "json", "--db", db());
        assertEquals(0, fromDb.exit(), fromDb.err());
        var stored = json.readTree(fromDb.out());
        assertEquals(hash, stored.get("input_sha256").asText(), "the registry's copy of the same runs");
        try (Registry r = Registry.open(Path.of(db()))) {
            assertEquals(hash, r.observationSet("chin").inputHash());
            assertEquals(hash, r.fit(stored.get("fit_id").asLong()).orElseThrow().inputHash(), "the hash the saved fit records");
        }
    }

    @Test
    void aDenseLawOnADenseAndMoeLadderIsFittedToTheDenseFamily() {
        try (Registry r = Registry.open(Path.of(db()))) {
            for (int i = 0; i < 3; i++) {
                long id = r.upsertRun(scalelab.registry.RunRecord.planned("chin", "moe-" + i, "moe-spec-" + i, "{}", "moe",
                        1e8 * (i + 1), 4e8 * (i + 1), 2e9, 1.2e18 * (i + 1), 1.2e18 * (i + 1), null, "x"));
                r.finishRun(id, 2.5, 2.5, 1.2e18 * (i + 1), 10);
            }
        }
        Result fit = run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "0", "--db", db());
        assertEquals(0, fit.exit(), fit.err());
        assertTrue(fit.out().contains("124 finished runs") && fit.out().contains("(the dense family; 3 MoE runs left"), fit.out());
        try (Registry r = Registry.open(Path.of(db()))) {
            FitRecord f = r.fit(savedId(fit.out())).orElseThrow();
            assertEquals(124, f.runIds().size());
            assertEquals(r.observationSet("chin", "dense").inputHash(), f.inputHash());
        }
    }

    @Test
    void savedFitCarriesRunsHashAndBootstrapSoPredictionsHaveIntervals() throws Exception {
        Result fit = run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "200", "--seed", "3", "--db", db());
        assertEquals(0, fit.exit(), fit.err());
        assertTrue(fit.out().contains("124 finished runs") && fit.out().contains("status     converged"), fit.out());
        assertTrue(fit.out().contains("bootstrap  200 replicates"), fit.out());
        long id = savedId(fit.out());

        Result p = run("predict", "--compute", "5.76e23", "--db", db());
        assertEquals(0, p.exit(), p.err());
        // Filed: the forecaster's number and 90% interval, pointing at the stored fit of the same runs.
        assertTrue(p.out().contains("from forecaster: ") && p.out().contains(" fit " + id + ";") && p.out().contains("90% interval"),
                p.out());
        Result forecast = run("forecast", "--ladder", "chin", "--compute", "5.76e23", "--db", db(), "--format", "json");
        assertEquals(0, forecast.exit(), forecast.err());

        try (Registry r = Registry.open(Path.of(db()))) {
            FitRecord f = r.fit(id).orElseThrow();
            assertEquals("CONVERGED", f.status());
            assertEquals("chin", f.ladder());
            assertEquals(124, f.runIds().size());
            assertEquals(r.observationSet("chin").inputHash(), f.inputHash());
            assertEquals(200, f.bootstrapSurfaces().size());
            assertEquals("vpnls", scalelab.registry.io.FitJson.parse(f.resultJson(), null).method());
            Prediction pred = r.predictions().get(0);
            assertTrue(pred.hasInterval() && pred.intervalLow() < pred.predictedLoss() && pred.predictedLoss() < pred.intervalHigh());
            // The same number `forecast` answers for the same ladder and target (one path for every prediction) …
            assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree(forecast.out()).get("loss").asDouble(), pred.predictedLoss(), 1e-12);
            assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree(forecast.out()).get("hi").asDouble(), pred.intervalHigh(), 1e-12);
            // … and a plausible one: Chinchilla's published frontier is ~2.0 nats at Gopher's budget.
            assertEquals(2.0, pred.predictedLoss(), 0.1);
            assertTrue(pred.forecast().contains("\"evidence\""), pred.forecast());
        }
    }

    @Test
    void aFitOnItsBoundsIsSavedWithItsStatusAndTheCliSaysSo() {
        // A box that stops below the data's α and β: the optimum sits on its edge.
        Result fit = run("fit", "--from-db", "--save", "--box", "0.01,0.2", "--bootstrap-samples", "0", "--db", db());
        assertEquals(0, fit.exit(), fit.err());
        long id = savedId(fit.out());
        assertTrue(fit.out().contains("saved fit " + id + " with status EXPONENT_ON_GRID_EDGE"), fit.out());
        assertTrue(fit.err().contains("warning: the fit ended with status EXPONENT_ON_GRID_EDGE"), fit.err());
        try (Registry r = Registry.open(Path.of(db()))) {
            FitRecord f = r.fit(id).orElseThrow();
            assertEquals("EXPONENT_ON_GRID_EDGE", f.status());
            assertTrue(f.bootstrapSurfaces().isEmpty());
        }
        // predict refuses it unless told to file anyway, and then says so and records the status in the entry
        Result refused = run("predict", "--fit", Long.toString(id), "--compute", "1e22", "--db", db());
        assertEquals(2, refused.exit(), refused.out());
        assertTrue(refused.err().contains("fit " + id + " (vpnls) did not converge (EXPONENT_ON_GRID_EDGE"), refused.err());
        try (Registry r = Registry.open(Path.of(db()))) {
            assertTrue(r.predictions().isEmpty(), "nothing filed");
        }
        Result p = run("predict", "--fit", Long.toString(id), "--compute", "1e22", "--allow-unconverged", "--db", db());
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().contains("warning: fit " + id + " ended with status EXPONENT_ON_GRID_EDGE"), p.out());
        try (Registry r = Registry.open(Path.of(db()))) {
            assertTrue(r.predictions().get(0).intervalNote().contains("ended EXPONENT_ON_GRID_EDGE"), r.predictions().get(0).intervalNote());
        }
    }

    @Test
    void mistakesAreNamed() {
        Result r = run("fit", "--from-db", "--ladder", "nope", "--db", db());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no finished runs in ladder nope") && r.err().contains("known ladders: chin"), r.err());
        r = run("fit", "--from-db", "--bootstrap-samples", "10", "--db", db());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("add --save"), r.err());
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        r = run("fit", csv.toString(), "--save");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("runs import"), r.err());
        try (Registry reg = Registry.open(Path.of(db()))) {
            assertTrue(reg.fits(null).isEmpty(), "nothing stored by failed commands");
        }
    }
}
