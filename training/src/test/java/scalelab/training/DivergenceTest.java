package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run whose loss becomes non-finite stops and says so in its result instead of reporting a number. */
class DivergenceTest {

    @Test
    void nonFiniteLossEndsTheRunWithStatusDiverged(@TempDir Path tmp) {
        RunSpec spec = new RunSpec("blowup", ModelConfig.dense(256, 32, 1, 4, 32), 4, 40, 1e30, 0.0, 0.0, "wsd", 0.0, 1,
                TestSpecs.fixtureCorpus().toString(), "byte", 0, "none", 0, 0);
        TrainingResult r = Trainer.run(spec, TrainerOptions.defaults(tmp).withIntervals(100, 100).withEvalTokens(512), List.of());
        assertEquals(TrainingResult.DIVERGED, r.status());
        assertTrue(r.steps() < 40, "stopped at the first non-finite loss, step " + r.steps());
        assertTrue(Double.isNaN(r.finalEvalLoss()));
        assertEquals(r, TrainingResult.read(tmp.resolve(TrainingResult.FILE_NAME)));
    }
}
