package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalExecutorThreadsTest {
    @Test
    void runsSideBySideShareTheCoresAndOneRunKeepsTheEngineDefault() {
        PlannedRun run = new LadderPlanner(ThroughputModel.DEFAULT)
                .plan(LadderSpecReader.read(TestSupport.repoRoot().resolve("examples/ladder-tiny.yaml"))).runs().get(0);
        RunDir dir = new RunDir(Path.of("/tmp/x"));
        List<String> shared = LocalExecutor.trainCommand(List.of("scalelab"), dir, run, 1);
        assertEquals(List.of("--threads", "1"), shared.subList(shared.size() - 2, shared.size()));
        assertFalse(LocalExecutor.trainCommand(List.of("scalelab"), dir, run, 0).contains("--threads"));
        int cores = Runtime.getRuntime().availableProcessors();
        assertEquals(0, LocalExecutor.threadsFor(1));
        assertEquals(Math.max(1, cores / 2), LocalExecutor.threadsFor(2));
        assertEquals(1, LocalExecutor.threadsFor(4 * cores));
        assertThrows(IllegalArgumentException.class, () -> new LocalExecutor(List.of("scalelab"), -1));
    }
}
