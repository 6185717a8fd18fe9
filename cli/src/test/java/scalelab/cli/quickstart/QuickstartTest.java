package scalelab.cli.quickstart;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.Main;
import scalelab.registry.PredictionCheck;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;

/**
 * The whole loop for real, at micro scale: a 9-run ladder trained with the DJL trainer in child processes on the
 * committed Moby-Dick fixture, fitted, a prediction preregistered for a target 10× beyond the ladder, the target
 * trained, checked, and a report written. A second call changes nothing but re-fitting and the report.
 */
class QuickstartTest {
    @TempDir
    Path tmp;



    @Test
    void laddersFitPreregistersTrainsTheTargetChecksAndReports() throws Exception {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot"));
        System.setProperty("scalelab.home", repo.toString());
        Path corpus = repo.resolve("examples/corpus-fixture/moby-dick");
        Path ladder = tmp.resolve("micro.yaml");
        Files.writeString(ladder, Files.readString(Path.of(getClass().getResource("/ladder-micro.yaml").toURI()))
                .replace("CORPUS", corpus.toString()));
        // child trainers run from this test's own classpath: the launcher script would try to build
        String launcher = String.join(" ", List.of("java", "-Xmx2g", "-Dai.djl.offline=true", "-Dscalelab.home=" + repo,
                "-cp", System.getProperty("java.class.path"), "scalelab.cli.Main"));
        Path db = tmp.resolve("q.duckdb");
        String[] args = {"quickstart", "--ladder-file", ladder.toString(), "--db", db.toString(), "--workdir",
                tmp.resolve("work").toString(), "--out", tmp.resolve("report").toString(), "--launcher", launcher};

        Result r = run(args);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("== 7/7 check and report"), r.out());
        assertTrue(r.out().contains("IsoFLOP shape per budget (finished runs):"), r.out());
        Matcher m = Pattern.compile("error of the prediction ([+-][0-9.]+)%").matcher(r.out());
        assertTrue(m.find(), r.out());
        double printedError = Double.parseDouble(m.group(1));
        // a broken pipeline (wrong units, wrong run, constant model) misses by far more than this; how close a 9-run
        // micro ladder lands is the ladder's business (issue 14), what is checked below is that the tool says so truly
        assertTrue(Math.abs(printedError) < 25, r.out());
        // the forecast as the quickstart prints it: point, interval, method and the leave-one-budget-out spread
        assertTrue(Pattern.compile("forecast [0-9.]+, 90% interval \\[[0-9.]+, [0-9.]+\\] by \\S+").matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("leave one budget out moves it by up to"), r.out());
        Matcher gate = Pattern.compile("quality gate: (pass|caveat|refuse)").matcher(r.out());
        assertTrue(gate.find(), "the quality gate's verdict is printed: " + r.out());

        try (Registry reg = Registry.open(db)) {
            List<RunRecord> runs = reg.runs("micro");
            assertEquals(9, runs.size());
            assertTrue(runs.stream().allMatch(x -> x.status() == RunStatus.FINISHED && !reg.curve(x.id()).isEmpty()));
            List<RunRecord> targets = reg.runs("micro-targets");
            assertEquals(1, targets.size());
            assertEquals(RunStatus.FINISHED, targets.get(0).status());
            assertEquals(1, reg.predictions().size());
            List<PredictionCheck> checks = reg.checks();
            assertEquals(1, checks.size());
            assertEquals(targets.get(0).id(), checks.get(0).runId());
            assertTrue(reg.verifyLedger().intact(), "ledger chain intact");
            assertTrue(reg.verifyLedger().trusted(), "signed by this machine's key");
            assertTrue(checks.get(0).chained() && checks.get(0).preregistered(),
                    "the target run started after the prediction was filed: " + checks.get(0));
            assertTrue(reg.predictions().get(0).signed());
            // the check tells the truth about the filed number and interval: sign, size and inside/outside
            var p = reg.predictions().get(0);
            PredictionCheck c = checks.get(0);
            assertEquals(p.predictedLoss(), c.predictedLoss(), 0);
            assertEquals(100 * (c.predictedLoss() - c.actualLoss()) / c.actualLoss(), printedError, 0.006, r.out());
            assertEquals(c.actualLoss() >= p.intervalLow() && c.actualLoss() <= p.intervalHigh(), c.insideInterval(),
                    "inside the filed interval [" + p.intervalLow() + ", " + p.intervalHigh() + "]: " + c);
            assertEquals(0.9, p.intervalLevel(), 1e-12);
            assertTrue(r.out().contains("(" + c.verdict() + ")"), "printed verdict is the stored one: " + c.verdict());
            // the gate's verdict is recorded with the entry, hashed and signed, as printed
            assertEquals(gate.group(1), new com.fasterxml.jackson.databind.ObjectMapper().readTree(p.forecast())
                    .path("gate").path("verdict").asText(), p.forecast());
        }
        String html = Files.readString(tmp.resolve("report/report.html"));
        assertTrue(html.contains("preregistered (run started after filing)"), "the report says so");
        Path md = tmp.resolve("ledger.md");
        assertEquals(0, run("ledger", "export", "--db", db.toString(), "--out", md.toString()).exit());
        Result verified = run("ledger", "verify", "--db", db.toString(), "--public", md.toString());
        assertEquals(0, verified.exit(), verified.out());
        assertTrue(verified.out().contains("ledger intact: 2 entries (1 predictions, 1 checks)"), verified.out());
        assertTrue(html.contains("data:image/png;base64,"), "charts inline");
        assertFalse(html.matches("(?s).*src=\"(?!data:).*"), "no image from a file or the network");

        // idempotent: nothing is trained again, the preregistered prediction is reused, not filed a second time
        // (asked for as JSON this time: the narrative moves to standard error, the result is one document)
        String[] json = java.util.Arrays.copyOf(args, args.length + 2);
        json[args.length] = "--format";
        json[args.length + 1] = "json";
        Result again = run(json);
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.err().contains("reusing it"), again.err());
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(again.out());
        try (Registry reg = Registry.open(db)) {
            assertEquals(1, reg.predictions().size());
            assertEquals(1, reg.checks().size());
            assertEquals(9, reg.runs("micro").size());
            var p = reg.predictions().get(0);
            PredictionCheck c = reg.checks().get(0);
            assertEquals(p.id().longValue(), doc.get("prediction").get("id").asLong(), doc.toString());
            assertEquals(p.predictedLoss(), doc.get("prediction").get("loss").asDouble(), 0);
            assertEquals(p.intervalLow(), doc.get("prediction").get("lo").asDouble(), 0);
            assertEquals(c.actualLoss(), doc.get("check").get("actual").asDouble(), 0);
            assertEquals(c.errorOfPredictionPct(), doc.get("check").get("error_of_prediction_pct").asDouble(), 1e-12);
            assertEquals(c.verdict().name(), doc.get("check").get("verdict").asText());
        }
    }
}
