package scalelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.registry.io.DataDirectory;

/**
 * Issue 16, "a scriptable, consistent CLI": every result-printing command answers {@code --format json} with numbers as
 * JSON numbers (each parsed here), a flag means one thing in every command, the fit methods have one set of names, and
 * backtest, bootstrap and allocate read a ladder from the registry as well as a file.
 */
class ScriptableCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static String chinchilla() {
        return DataDirectory.dataFile("chinchilla-isoflops.csv").toString();
    }

    static JsonNode ok(Result r) throws Exception {
        assertEquals(0, r.exit(), r.out() + r.err());
        return JSON.readTree(r.out());
    }

    @Test
    void predictCheckAndTheLedgerAnswerInJsonWithNumbersAsNumbers() throws Exception {
        String db = dir.resolve("j.duckdb").toString();
        JsonNode imported = ok(run("runs", "import", chinchilla(), "--ladder", "chin", "--format", "json", "--db", db));
        assertEquals(124, imported.get("runs_added").asInt());
        assertTrue(imported.get("import_id").isIntegralNumber() && !imported.get("already_imported").asBoolean(), imported.toString());
        JsonNode listed = ok(run("runs", "list", "--format", "json", "--db", db));
        assertEquals(124, listed.size());
        assertTrue(listed.get(0).get("params").isNumber() && listed.get(0).get("id").isIntegralNumber(), listed.get(0).toString());
        JsonNode simulated = ok(run("simulate", "--out", dir.resolve("sim.csv").toString(), "--format", "json"));
        assertTrue(simulated.isObject(), simulated.toString());
        assertEquals(0, run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "20", "--db", db).exit());

        JsonNode dry = ok(run("predict", "--compute", "5.76e23", "--dry-run", "--format", "json", "--db", db));
        assertEquals("dry_run", dry.get("status").asText());
        assertTrue(dry.get("prediction").get("predicted_loss").isNumber(), dry.toString());
        assertTrue(dry.get("prediction").get("supersedes").isNull(), "absent is null, not \"null\": " + dry);
        assertEquals(dry.get("forecast").get("loss").asDouble(), dry.get("prediction").get("predicted_loss").asDouble(), 0.0);

        JsonNode projection = ok(run("predict", "--compute", "3e21", "--format", "json", "--db", db));
        assertEquals("projection", projection.get("status").asText());
        assertTrue(projection.get("message").asText().startsWith("projection (not filed)"), projection.toString());
        assertTrue(projection.get("prediction").get("predicted_loss").isNumber(), "the projection's answer: " + projection);

        JsonNode filed = ok(run("predict", "--compute", "5.76e23", "--name", "big", "--format", "json", "--db", db));
        assertEquals("filed", filed.get("status").asText());
        JsonNode p = filed.get("prediction");
        assertTrue(p.get("id").isIntegralNumber() && p.get("fit_id").isIntegralNumber() && p.get("interval_low").isNumber(), p.toString());
        assertEquals(64, p.get("entry_hash").asText().length());
        double predicted = p.get("predicted_loss").asDouble();

        JsonNode check = ok(run("check", "--prediction", String.valueOf(p.get("id").asLong()), "--loss", "2.0", "--format", "json", "--db", db));
        JsonNode c = check.get("checks").get(0);
        assertTrue(c.get("actual_loss").isNumber() && c.get("inside_interval").isBoolean() && c.get("run_id").isNull(), c.toString());
        assertEquals(100 * (predicted - 2.0) / 2.0, c.get("error_of_prediction_pct").asDouble(), 1e-9, "one sign: predicted − actual");
        assertEquals(predicted - 2.0, c.get("error_of_prediction").asDouble(), 1e-12);
        JsonNode all = ok(run("check", "--all", "--format", "json", "--db", db));
        assertEquals(0, all.get("checks").size());
        assertTrue(all.get("not_checked").isArray());

        Result export = run("ledger", "export", "--format", "json", "--db", db);
        JsonNode ledger = ok(export).get("ledger");
        assertTrue(ledger.get(0).get("params").isNumber() && ledger.get(0).get("seq").isIntegralNumber(), ledger.get(0).toString());
        assertTrue(ledger.get(0).get("supersedes").isNull(), ledger.get(0).toString());
        assertTrue(ledger.get(1).get("mismatch_allowed").isBoolean(), ledger.get(1).toString());
        // Typed values read back to the very text that was hashed: the public copy verifies.
        Path copy = dir.resolve("ledger.json");
        Files.writeString(copy, export.out());
        Result verify = run("ledger", "verify", "--public", copy.toString(), "--db", db);
        assertEquals(0, verify.exit(), verify.out() + verify.err());
        JsonNode verified = ok(run("ledger", "verify", "--public", copy.toString(), "--format", "json", "--db", db));
        assertTrue(verified.get("intact").asBoolean() && verified.get("public_copy").get("matches").asBoolean(), verified.toString());
        assertEquals(2, verified.get("entries").asInt());
        assertEquals(1, verified.get("checks").asInt());
    }

    @Test
    void backtestBootstrapAndAllocateReadALadderFromTheRegistryAsFromItsFile() throws Exception {
        String db = dir.resolve("l.duckdb").toString();
        assertEquals(0, run("runs", "import", chinchilla(), "--ladder", "chin", "--db", db).exit());

        JsonNode fromFile = ok(run("backtest", chinchilla(), "--method", "vpnls-mse", "--held-out", "next", "--format", "json"));
        // `vpnls` is the same method in fit and backtest (least squares).
        JsonNode fromDb = ok(run("backtest", "--ladder", "chin", "--db", db, "--method", "vpnls", "--held-out", "next", "--format", "json"));
        assertEquals(fromFile.size(), fromDb.size());
        for (int i = 0; i < fromFile.size(); i++) {
            assertEquals(fromFile.get(i).get("predicted").asDouble(), fromDb.get(i).get("predicted").asDouble(), 0.0, "cut " + i);
        }

        JsonNode bootFile = ok(run("bootstrap", chinchilla(), "--bootstrap-samples", "5", "--format", "json"));
        JsonNode bootDb = ok(run("bootstrap", "--ladder", "chin", "--db", db, "--bootstrap-samples", "5", "--format", "json"));
        assertEquals(bootFile.get("intervals"), bootDb.get("intervals"), "the same runs, the same replicates");
        // The old spelling still works, hidden from --help.
        assertEquals(bootFile.get("intervals"), ok(run("bootstrap", chinchilla(), "--samples", "5", "--format", "json")).get("intervals"));
        assertFalse(run("bootstrap", "--help").out().contains("--samples "), "one documented spelling");

        assertEquals(0, run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "0", "--db", db).exit());
        JsonNode byId = ok(run("allocate", "--fit", "1", "--db", db, "--compute", "5.76e23", "--format", "json"));
        JsonNode byLadder = ok(run("allocate", "--ladder", "chin", "--db", db, "--compute", "5.76e23", "--format", "json"));
        assertTrue(byId.get("params").isNumber() && byId.get("params").asDouble() > 1e10, byId.toString());
        assertEquals(byId, byLadder);
        Path fitJson = dir.resolve("fit.json");
        Files.writeString(fitJson, run("fit", chinchilla(), "--format", "json").out());
        assertEquals(byId.get("params").asDouble(), ok(run("allocate", "--fit-file", fitJson.toString(), "--compute", "5.76e23",
                "--format", "json")).get("params").asDouble(), 0.0, "a file and its import fit to the same numbers");
        // --fit is a stored fit's id in allocate as in predict; the old file meaning is named, not guessed.
        Result old = run("allocate", "--fit", fitJson.toString(), "--compute", "5.76e23");
        assertEquals(2, old.exit());
        assertTrue(old.err().contains("--fit-file"), old.err());
    }

    @Test
    void reportSaysWhatItWroteInJson() throws Exception {
        JsonNode r = ok(run("report", "--from-csv", chinchilla(), "--out", dir.resolve("out").toString(), "--no-backtest",
                "--format", "json"));
        assertTrue(Files.isRegularFile(Path.of(r.get("html").asText())) && Files.isRegularFile(Path.of(r.get("markdown").asText())), r.toString());
        assertTrue(r.get("figures").size() > 0 && Files.isRegularFile(Path.of(r.get("figures").get(0).get("png").asText())), r.toString());
    }

    @Test
    void trainAnswersWithItsResultInJson() throws Exception {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot", ".."));
        // A few hundred tokens through the smallest model: seconds, enough to have a result.
        JsonNode r = ok(run("train", "--corpus", repo.resolve("examples/corpus-fixture").toString(), "--d-model", "16",
                "--layers", "1", "--heads", "2", "--seq-len", "16", "--batch", "2", "--tokens", "300", "--no-progress",
                "--run-dir", dir.resolve("r").toString(), "--format", "json"));
        assertEquals("completed", r.get("status").asText(), r.toString());
        assertTrue(r.get("finalEvalLoss").isNumber() && r.get("steps").isIntegralNumber(), r.toString());
    }

    @Test
    void theFitMethodsHaveOneSetOfNames() throws Exception {
        JsonNode huber = ok(run("fit", chinchilla(), "--method", "vpnls-huber", "--format", "json"));
        assertEquals("sum of huber(delta=0.001)", huber.get("objective_name").asText());
        JsonNode same = ok(run("fit", chinchilla(), "--method", "vpnls", "--objective", "huber", "--format", "json"));
        assertEquals(huber.get("E"), same.get("E"));
        assertEquals(huber.get("alpha"), same.get("alpha"));
        // `--loss X` is a measured loss (check); the fit's old --loss spelling still works, hidden.
        assertEquals(huber.get("alpha"), ok(run("fit", chinchilla(), "--loss", "huber", "--format", "json")).get("alpha"));
        assertFalse(run("fit", "--help").out().contains("--loss"), "one documented spelling");
        assertEquals("sum of squares", ok(run("fit", chinchilla(), "--method", "vpnls-mse", "--format", "json")).get("objective_name").asText());
        Result contradiction = run("fit", chinchilla(), "--method", "vpnls-huber", "--objective", "mse");
        assertEquals(2, contradiction.exit());
        assertTrue(contradiction.err().contains("contradicts --objective mse"), contradiction.err());
        Result unknown = run("fit", chinchilla(), "--method", "magic");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("vpnls-huber"), "the refusal lists the names: " + unknown.err());
    }

    @Test
    void ladderRunAndStatusAnswerInJson() throws Exception {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot", ".."));
        Path yaml = dir.resolve("st.yaml");
        Files.writeString(yaml, "name: st\ncorpus: " + repo.resolve("examples/corpus-fixture").toAbsolutePath()
                + "\nseq_len: 64\nbudgets: [1e11]\nsizes: {widths: [32, 48, 64]}\n");
        // A launcher that fails at once: every run is attempted and fails, with no training.
        Result ran = run("ladder", "run", yaml.toString(), "--workdir", dir.resolve("work").toString(), "--db",
                dir.resolve("s.duckdb").toString(), "--launcher", "false", "--format", "json");
        assertEquals(1, ran.exit(), "every run failed: " + ran.err());
        JsonNode summary = JSON.readTree(ran.out());
        assertEquals(3, summary.get("failed").asInt(), ran.out());
        assertEquals(3, summary.get("failed_runs").size());
        assertEquals(3, summary.get("status").get("entries").size());
        JsonNode status = ok(run("ladder", "status", "st", "--workdir", dir.resolve("work").toString(), "--format", "json"));
        assertEquals("st", status.get("ladder").asText(), ran.out() + ran.err());
        assertEquals(3, status.get("runs").asInt());
        assertEquals(3, status.get("entries").size());
        JsonNode e = status.get("entries").get(0);
        assertTrue(e.get("budget").isNumber() && e.get("width").isIntegralNumber() && e.get("final_loss").isNull(), e.toString());
        assertTrue(status.get("counts").isObject() && status.get("budgets").isArray(), status.toString());
    }

    @Test
    void everyBenchAnswersInJsonWithItsDateCoresAndLoad() throws Exception {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot", ".."));
        JsonNode fit = ok(run("bench", "fit", "--repeats", "1", "--bootstrap-samples", "4", "--format", "json"));
        JsonNode registry = ok(run("bench", "registry", "--rows", "200", "--points-per-run", "100", "--runs", "50",
                "--repeat", "1", "--format", "json"));
        JsonNode moe = ok(run("bench", "moe-fit", "--repeats", "1", "--bootstrap-samples", "10", "--format", "json"));
        JsonNode forecast = ok(run("bench", "forecast", "--only", "chinchilla-isoflops.csv", "--bootstrap-samples", "0",
                "--rows", "--format", "json"));
        JsonNode tokenize = ok(run("bench", "tokenize", "--tokenizer", "byte", "--repeats", "1", "--corpus",
                repo.resolve("examples/corpus-fixture").toString(), "--format", "json"));
        JsonNode train = ok(run("bench", "train", "--sizes", "16:1:2", "--moe", "none", "--seq-len", "16", "--batch", "2",
                "--steps", "1", "--format", "json"));
        for (JsonNode b : List.of(fit, registry, moe, forecast, tokenize, train)) {
            assertTrue(b.get("bench").isTextual() && b.get("date").isTextual() && b.get("cores").isIntegralNumber()
                    && (b.get("load_average").isNumber() || b.get("load_average").isNull()), b.toString());
        }
        assertTrue(fit.get("figures").size() >= 8 && fit.get("figures").get(0).get("median_ms").isNumber(), fit.toString());
        assertTrue(registry.get("curve_rows_per_second").isNumber() && registry.get("observations_loaded").asInt() == 50,
                registry.toString());
        assertTrue(moe.get("joint_fit_ms").isNumber(), moe.toString());
        JsonNode set = forecast.get("sets").get(0);
        assertEquals("chinchilla-isoflops.csv", set.get("file").asText());
        JsonNode forecaster = set.get("methods").get(0);
        assertEquals("forecaster", forecaster.get("method").asText());
        assertEquals(3, forecaster.get("buckets").size());
        assertTrue(forecaster.get("coverage").isNumber() && forecaster.get("mean_abs_pct").isNumber(), forecaster.toString());
        assertEquals(forecaster.get("forecasts").asInt(), set.get("rows").size());
        assertTrue(set.get("rows").get(0).get("error_of_prediction_pct").isNumber());
        // the forecaster's rows split by its flag: the two parts add up to the whole, and match the rows' own flags
        JsonNode byStatus = forecaster.get("by_status");
        assertEquals(forecaster.get("forecasts").asInt(), byStatus.get(0).get("forecasts").asInt() + byStatus.get(1).get("forecasts").asInt());
        int flaggedRows = 0;
        for (JsonNode r : set.get("rows")) {
            flaggedRows += r.get("flagged").asBoolean() ? 1 : 0;
        }
        assertEquals("flagged", byStatus.get(1).get("status").asText());
        assertEquals(flaggedRows, byStatus.get(1).get("forecasts").asInt());
        assertTrue(forecast.get("pooled").get("methods").isArray());
        assertEquals("byte", tokenize.get("tokenizers").get(0).get("tokenizer").asText());
        assertTrue(tokenize.get("tokenizers").get(0).get("mb_per_second").isNumber());
        assertEquals(1, train.get("models").size());
        assertTrue(train.get("models").get(0).get("mfu").isNumber() && train.get("peak_gflops_at_start").isNumber(), train.toString());
    }
}
