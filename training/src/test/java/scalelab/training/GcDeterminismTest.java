package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs of one spec in one JVM are bit-identical, even while the garbage collector runs all the time.
 *
 * <p>DJL turns a Java number or array into a tensor over a direct buffer without copying it; a tensor that autograd
 * saves for the backward pass must therefore outlive the step, or the backward pass reads memory the GC has freed
 * (the attention scale did this: runs diverged at a random step in about one run in eight, and quantile routing
 * amplified it into 0.1-nat differences). A thread calling {@code System.gc()} every millisecond makes that window
 * likely; this test failed on every run before the fix.
 */
class GcDeterminismTest {

    @ParameterizedTest
    @ValueSource(strings = {"dense", "quantile"})
    void identicalRunsUnderGcPressure(String kind, @TempDir Path tmp) throws Exception {
        RunSpec spec = "dense".equals(kind)
                ? TestSpecs.dense(ModelConfig.dense(256, 64, 2, 4, 64), 8, 30, 3e-3, 9, TestSpecs.fixtureCorpus().toString())
                : TestSpecs.moe(ModelConfig.moe(256, 64, 2, 4, 64, 4, 2, 2), kind, 8, 30, 3e-3, 9,
                        TestSpecs.fixtureCorpus().toString());
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-pressure");
        collector.setDaemon(true);
        collector.start();
        try {
            TrainingResult first = Trainer.run(spec, new TrainerOptions(tmp.resolve("a"), 30, 30, 4096, () -> 1e10), List.of());
            TrainingResult second = Trainer.run(spec, new TrainerOptions(tmp.resolve("b"), 30, 30, 4096, () -> 1e10), List.of());
            assertEquals(Files.readAllLines(tmp.resolve("a/train-curve.csv")), Files.readAllLines(tmp.resolve("b/train-curve.csv")),
                    "train curves of two runs of the same spec");
            assertEquals(first.finalEvalLoss(), second.finalEvalLoss(), 0.0);
        } finally {
            collector.interrupt();
            collector.join();
        }
    }
}
