package scalelab.cli.ladder;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void badSpecIsOneLineNamingTheYamlLine() throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "name: x\nbudgets: [1e11]\nsizes: {widths: [32]}\nrulez: {}\n");
        Result r = run("ladder", "plan", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.yaml:4:") && r.err().contains("unknown key 'rulez'"), r.err());
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
        assertTrue(r.out().contains("warning: corpus folder " + tmp.resolve("elsewhere") + " does not exist"), r.out());
    }
}
