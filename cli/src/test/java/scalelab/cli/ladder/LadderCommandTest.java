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
}
