package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TrainerOptions.evaluations (what planners cost) counts the evaluations a run really makes. */
class EvaluationCountTest {

    private static long evaluationsMade(Path dir, long steps, long evalEvery) throws Exception {
        TrainerOptions options = TrainerOptions.defaults(dir).withIntervals(0, evalEvery).withEvalTokens(256);
        Trainer.run(TestSpecs.tiny(steps, TestSpecs.fixtureCorpus().toString()), options, List.of());
        return Files.readAllLines(dir.resolve("eval-curve.csv")).size() - 1; // minus the header
    }

    @Test
    void plannedEvaluationCountMatchesTheTrainer(@TempDir Path tmp) throws Exception {
        // default interval: 25 steps / 10 = every 2 steps (2, 4, ..., 24; the settle step 24 among them) plus the end = 13
        assertEquals(24, TrainerOptions.settleStep(25));
        assertEquals(13, TrainerOptions.evaluations(25, 0));
        assertEquals(13, evaluationsMade(tmp.resolve("default"), 25, 0));
        // explicit interval not dividing the run: 10, 20, the settle step 24 and the end
        assertEquals(4, TrainerOptions.evaluations(25, 10));
        assertEquals(4, evaluationsMade(tmp.resolve("every10"), 25, 10));
        // interval dividing the run: 10, the settle step 19 and the end (the last interval is the end, not counted twice)
        assertEquals(3, TrainerOptions.evaluations(20, 10));
        assertEquals(3, evaluationsMade(tmp.resolve("every10of20"), 20, 10));
        // 1000 steps: every 100 (100..900), the settle step 980 and the end
        assertEquals(980, TrainerOptions.settleStep(1000));
        assertEquals(11, TrainerOptions.evaluations(1000, 0));
    }
}
