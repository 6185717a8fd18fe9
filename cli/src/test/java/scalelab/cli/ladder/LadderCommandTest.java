package scalelab.cli.ladder;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LadderCommandTest {
    @TempDir
    Path tmp;



    private static Path repo() {
        return Path.of(System.getProperty("scalelab.repoRoot", ".."));
    }

    @Test
    void planPrintsEveryRunTotalsAndTargetShares() {
        Result r = run("ladder", "plan", repo().resolve("examples/ladder-tiny.yaml").toString());
        assertEquals(0, r.exit(), r.err());
        long runLines = r.out().lines().filter(l -> l.startsWith("dense ")).count();
        assertEquals(12, runLines, r.out());
        assertTrue(r.out().contains("total: 12 runs"), r.out());
        assertTrue(r.out().contains("target next-decade"), r.out());
        // every run's FLOP deviation column is printed and within 1%
        r.out().lines().filter(l -> l.startsWith("dense ")).forEach(l -> {
            double off = Double.parseDouble(l.replaceAll(".* ([+-][0-9.]+)% .*", "$1"));
            assertTrue(Math.abs(off) <= 1.0, l);
        });
    }

    @Test
    void planAsJsonListsEveryRunAndTargetWithItsLearningRateBatchAndSteps() throws Exception {
        Result r = run("ladder", "plan", "--format", "json", repo().resolve("examples/ladder-tiny.yaml").toString());
        assertEquals(0, r.exit(), r.err());
        com.fasterxml.jackson.databind.JsonNode plan = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals("tiny", plan.get("ladder").asText());
        assertEquals(12, plan.get("runs").size());
        for (com.fasterxml.jackson.databind.JsonNode run : plan.get("runs")) {
            int batch = run.get("batch").asInt();
            assertEquals(tinyRule(run), run.get("lr").asDouble(), 1e-12 * tinyRule(run), run.toString());
            assertEquals(run.get("steps").asLong() * batch * 64, run.get("tokens").asLong(), run.toString());
            assertTrue(Math.abs(run.get("flops").asDouble() / run.get("budget").asDouble() - 1) <= 0.01, run.toString());
        }
        assertEquals(1, plan.get("targets").size());
        com.fasterxml.jackson.databind.JsonNode t = plan.get("targets").get(0);
        assertEquals("next-decade", t.get("target").asText());
        assertEquals(8e12, t.get("budget").asDouble());
        assertTrue(t.get("provisional").asBoolean());
        assertEquals(tinyRule(t), t.get("lr").asDouble(), 1e-12 * tinyRule(t), t.toString());
        assertTrue(t.get("steps").asLong() > 0 && t.get("active_params").asLong() > 0, t.toString());
        assertEquals(0.0296, plan.get("rules").get("lr").get("coefficient").asDouble());
        assertEquals(-0.242, plan.get("rules").get("lr").get("tokens_exponent").asDouble());
    }

    /**
     * ladder-tiny's rule as its sweep measured it (examples/ladder-tiny.yaml, BENCHMARKS.md), written out here from
     * the numbers rather than through the planner: lr = 0.0296·(B/32)^½·(d/29.07)^−0.635·(D/2.773e6)^−0.242.
     */
    private static double tinyRule(com.fasterxml.jackson.databind.JsonNode run) {
        return 0.0296 * Math.sqrt(run.get("batch").asInt() / 32.0) * Math.pow(run.get("width").asInt() / 29.07, -0.635)
                * Math.pow(run.get("tokens").asLong() / 2.773e6, -0.242);
    }

    @Test
    void planAsJsonShowsTheTokenHorizonRuleLoweringTheTargetsRate() throws Exception {
        Path yaml = tmp.resolve("horizon.yaml");
        Files.writeString(yaml, """
                name: horizon
                seq_len: 64
                budgets: [3e11, 1e12, 3e12]
                sizes: {widths: [32, 48, 64]}
                rules:
                  head_dim: 16
                  batch: {min: 16, max: 16}
                  lr: {coefficient: 3e-3, batch_ref: 16, width_ref: 64, tokens_ref: 2e6, tokens_exponent: -0.3}
                targets:
                  - {name: ten-x, budget: 3e13, width: 48}
                """);
        Result r = run("ladder", "plan", "--format", "json", yaml.toString());
        assertEquals(0, r.exit(), r.err());
        com.fasterxml.jackson.databind.JsonNode plan = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        com.fasterxml.jackson.databind.JsonNode t = plan.get("targets").get(0);
        com.fasterxml.jackson.databind.JsonNode top = null;
        for (com.fasterxml.jackson.databind.JsonNode run : plan.get("runs")) {
            double expected = 3e-3 * (64.0 / run.get("width").asInt()) * Math.pow(run.get("tokens").asDouble() / 2e6, -0.3);
            assertEquals(expected, run.get("lr").asDouble(), 1e-12 * expected, run.toString());
            if (run.get("width").asInt() == 48 && run.get("budget").asDouble() == 3e12) {
                top = run;
            }
        }
        assertFalse(t.get("provisional").asBoolean());
        assertEquals(48, t.get("width").asInt());
        // the same width and batch, ~10x the tokens: the rule's (D_target / D_run)^-0.3 smaller rate
        assertEquals(top.get("lr").asDouble() * Math.pow(t.get("tokens").asDouble() / top.get("tokens").asDouble(), -0.3),
                t.get("lr").asDouble(), 1e-12);
        assertTrue(t.get("lr").asDouble() < 0.6 * top.get("lr").asDouble(), t + " vs " + top);
        assertEquals(-0.3, plan.get("rules").get("lr").get("tokens_exponent").asDouble());
    }

    @Test
    void badSpecIsOneLineNamingTheYamlLine() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "name: x\nbudgets: [1e11]\nsizes: {widths: [32]}\nrulez: {}\n");
        Result r = run("ladder", "plan", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:4:") && r.err().contains("unknown key 'rulez'"), r.err());
    }

    @Test
    void sweepRefusesTooFewRatesAndAMissingCorpusBeforeTrainingAnything() throws Exception {
        Result few = run("ladder", "sweep", repo().resolve("examples/ladder-tiny.yaml").toString(), "--budgets", "1e12",
                "--widths", "32,64", "--lr-factors", "0.5,1", "--workdir", tmp.resolve("w").toString(), "--db", tmp.resolve("r.duckdb").toString());
        assertEquals(2, few.exit(), few.out() + few.err());
        assertTrue(few.err().contains("at least three learning-rate factors"), few.err());
        Path yaml = tmp.resolve("nocorpus.yaml");
        Files.writeString(yaml, "name: nocorpus\ncorpus: " + tmp.resolve("no-such-corpus") + "\nseq_len: 64\nbudgets: [1e11]\nsizes: {widths: [32, 48, 64]}\n");
        Result noCorpus = run("ladder", "sweep", yaml.toString(), "--budgets", "1e12", "--widths", "32", "--workdir",
                tmp.resolve("w").toString(), "--db", tmp.resolve("r.duckdb").toString(), "--launcher", "false");
        assertEquals(2, noCorpus.exit(), noCorpus.out() + noCorpus.err());
        assertTrue(noCorpus.err().contains("no run was started"), noCorpus.err());
        assertFalse(Files.exists(tmp.resolve("w").resolve("nocorpus-sweep")), "no run directory");
    }

    @Test
    void statusOfAnUnknownLadderIsAClearError() {
        Result r = run("ladder", "status", "nothing-here", "--workdir", tmp.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no runs of ladder 'nothing-here'"), r.err());
    }

    @Test
    void runWithoutItsCorpusStopsBeforeStartingAnyRun() throws Exception {
        Path yaml = tmp.resolve("nocorpus.yaml");
        Files.writeString(yaml, "name: nocorpus\ncorpus: " + tmp.resolve("no-such-corpus") + "\nseq_len: 64\nbudgets: [1e11]\nsizes: {widths: [32, 48, 64]}\n");
        Result r = run("ladder", "run", yaml.toString(), "--workdir", tmp.resolve("work").toString(), "--db", tmp.resolve("r.duckdb").toString(),
                "--launcher", "false");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("corpus folder " + tmp.resolve("no-such-corpus")) && r.err().contains("no run was started"), r.err());
        assertTrue(!Files.exists(tmp.resolve("work").resolve("nocorpus")), "no run directory, no attempt counted");
    }

    @Test
    void aRelativeCorpusIsTheSpecsAndAFailedRunsReasonIsPrintedByRunAndStatus() throws Exception {
        // the corpus lies beside the spec, not beside the working directory (where the old reader looked, and then each run's)
        Files.createDirectories(tmp.resolve("corpus"));
        Path yaml = Files.createDirectories(tmp.resolve("specs")).resolve("rel.yaml");
        Files.writeString(yaml, "name: rel\ncorpus: ../corpus\nseq_len: 64\nbudgets: [1e11]\nsizes: {widths: [32]}\n");
        // a stand-in trainer: fails as the real one does without its corpus, else stops with an error of its own
        Path trainer = tmp.resolve("fake-train.sh");
        Files.writeString(trainer, """
                corpus=$(sed -n 's/^corpus: *//p' "$3" | tr -d '"')
                if [ ! -d "$corpus" ]; then echo "scalelab train: corpus folder $corpus does not exist" >&2; exit 2; fi
                echo "training 10%"
                echo "scalelab train: stand-in trainer found $corpus and stops here" >&2
                exit 3
                """);
        Path work = tmp.resolve("work");
        Result r = run("ladder", "run", yaml.toString(), "--workdir", work.toString(), "--db", tmp.resolve("r.duckdb").toString(),
                "--retries", "0", "--launcher", "sh " + trainer);
        assertEquals(1, r.exit(), r.out() + r.err());
        String reason = "scalelab train: stand-in trainer found " + tmp.resolve("corpus") + " and stops here";
        assertTrue(r.out().contains("exit code 3") && r.out().contains("| " + reason), r.out());

        Result status = run("ladder", "status", "rel", "--workdir", work.toString());
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("FAILED") && status.out().contains("exit code 3") && status.out().contains("| " + reason), status.out());
    }

    @Test
    void planWarnsWhenTheCorpusIsMissing() throws Exception {
        Path yaml = tmp.resolve("nocorpus.yaml");
        Files.writeString(yaml, "name: nocorpus\ncorpus: elsewhere\nseq_len: 64\nbudgets: [1e11]\nsizes: {widths: [32]}\n");
        Result r = run("ladder", "plan", yaml.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("warning: corpus folder " + tmp.resolve("elsewhere") + " does not exist"), r.err());
    }
}
