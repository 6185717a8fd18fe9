package scalelab.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static scalelab.cli.CliRun.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.ladder.ThroughputModel;
import scalelab.training.ModelConfig;
import scalelab.training.PeakFlops;

/** `bench train --save` writes the file `ladder plan` reads, and the plan says which figures it used. */
class BenchTrainSaveTest {

    private static String totalLine(Result r) {
        return r.out().lines().filter(l -> l.startsWith("total: ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
    }

    private static String sourceLine(Result r) {
        return r.out().lines().filter(l -> l.startsWith("time estimates from ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
    }

    @Test
    void savedBenchFiguresReachTheLadderPlan(@TempDir Path home) throws Exception {
        assumeTrue(System.getenv("SCALELAB_BENCH_TRAIN") == null, "SCALELAB_BENCH_TRAIN overrides the home file");
        String ladder = Path.of(System.getProperty("scalelab.repoRoot", "..")).resolve("examples/ladder-tiny.yaml").toString();
        String oldHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            Result before = run("ladder", "plan", ladder);
            assertEquals(0, before.exit(), before.err());
            assertTrue(sourceLine(before).contains("built-in default figures") && sourceLine(before).contains("bench train --save"),
                    before.out());

            Result refused = run("bench", "train", "--sizes", "32:1:4", "--moe", "none", "--batch", "4", "--small-batch", "4", "--save");
            assertEquals(2, refused.exit(), refused.out());
            assertTrue(refused.err().contains("--small-batch (4) must be at least 1 and below --batch (4)"), refused.err());

            Result bench = run("bench", "train", "--sizes", "32:1:4,64:2:4", "--moe", "none", "--seq-len", "32", "--batch", "2",
                    "--small-batch", "1", "--steps", "1", "--save");
            assertEquals(0, bench.exit(), bench.err());
            Path file = home.resolve(".scalelab/bench-train.json");
            JsonNode saved = new ObjectMapper().readTree(file.toFile());
            assertEquals(PeakFlops.engineThreads(), saved.path("engineThreads").asInt());
            assertTrue(saved.path("measuredAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), saved.toString());
            assertEquals(2, saved.path("points").size(), "dense sizes only: " + saved);
            long n = ModelConfig.dense(256, 64, 2, 4, 32).activeParams();
            JsonNode p = saved.path("points").get(1);
            assertEquals(n, p.path("activeParams").asLong());
            // both batches' step times are kept, and the saved figures are the line through them (6·N_active convention)
            JsonNode m = p.path("measured");
            assertEquals(2, m.size(), p.toString());
            assertEquals(List.of(1, 2), List.of(m.get(0).path("batch").asInt(), m.get(1).path("batch").asInt()));
            ThroughputModel.Point expected = new ThroughputModel.Measured("x", n, 32, 1, m.get(0).path("stepSeconds").asDouble(),
                    2, m.get(1).path("stepSeconds").asDouble()).toPoint();
            assertEquals(expected.flopsPerSecond(), p.path("flopsPerSecond").asDouble(), 1e-9 * expected.flopsPerSecond());
            assertEquals(expected.stepSeconds(), p.path("stepSeconds").asDouble(), 1e-12);
            assertTrue(p.path("flopsPerSecond").asDouble() > 0 && p.path("stepSeconds").asDouble() >= 0, p.toString());

            Result after = run("ladder", "plan", ladder);
            assertEquals(0, after.exit(), after.err());
            assertTrue(sourceLine(after).contains("scalelab bench train on " + saved.path("measuredAt").asText())
                    && sourceLine(after).contains(file.toString()), after.out());
            assertNotEquals(totalLine(before), totalLine(after), "the measured figures must change the estimate");

            Files.writeString(file, "{\"points\": [");
            Result bad = run("ladder", "plan", ladder);
            assertEquals(2, bad.exit(), bad.out());
            assertTrue(bad.err().contains("throughput file " + file + ": not valid JSON"), bad.err());
            assertEquals(1, bad.err().strip().lines().count(), "one clear line: " + bad.err());
        } finally {
            System.setProperty("user.home", oldHome);
        }
    }
}
