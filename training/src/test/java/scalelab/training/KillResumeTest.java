package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in a child JVM is killed with SIGKILL (destroyForcibly) after its second checkpoint; resuming in the same run
 * directory must finish exactly where an uninterrupted run with the same seed finishes: the checkpoint restores the
 * whole state bit for bit and training is deterministic (GcDeterminismTest), so the killed-then-resumed curve and final
 * loss equal the uninterrupted ones to the last bit. A run with another seed shows what a real difference looks like.
 */
class KillResumeTest {
    private static final long STEPS = 60;
    private static final long CHECKPOINT_EVERY = 10;

    private static double[] trainCurve(Path runDir) throws Exception {
        List<String> lines = Files.readAllLines(runDir.resolve("train-curve.csv"));
        double[] losses = new double[lines.size() - 1];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            assertEquals(i, Long.parseLong(f[0]), "curve must list every step once, in order");
            losses[i - 1] = Double.parseDouble(f[3]);
        }
        return losses;
    }

    @Test
    void sigkilledRunResumesAndEndsWhereTheUninterruptedRunEnds(@TempDir Path tmp) throws Exception {
        RunSpec spec = TestSpecs.tiny(STEPS, TestSpecs.fixtureCorpus().toString());
        TrainerOptions reference = TrainerOptions.defaults(tmp.resolve("uninterrupted")).withIntervals(CHECKPOINT_EVERY, 50).withEvalTokens(2048);
        TrainingResult uninterrupted = Trainer.run(spec, reference, List.of());
        RunSpec otherSeed = TestSpecs.dense(spec.model(), spec.batchSize(), STEPS, spec.learningRate(), spec.seed() + 1,
                spec.corpus());
        TrainingResult control = Trainer.run(otherSeed, reference.withRunDir(tmp.resolve("other-seed")), List.of());
        assertTrue(Math.abs(control.finalEvalLoss() - uninterrupted.finalEvalLoss()) > 1e-3,
                "another seed must end measurably elsewhere, or the comparison below proves nothing");

        Path runDir = tmp.resolve("killed");
        Path specFile = tmp.resolve("spec.yaml");
        RunSpecYaml.write(spec, specFile);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-Dai.djl.offline=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dai.djl.pytorch.num_threads=" + PeakFlops.engineThreads(), "-cp", System.getProperty("java.class.path"),
                TrainingMain.class.getName(), specFile.toString(), runDir.toString(),
                Long.toString(CHECKPOINT_EVERY), "50", "2048")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path checkpoint = runDir.resolve(Checkpoint.FILE_NAME);
        long killedAfter = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && child.isAlive()) {
            if (Files.isRegularFile(checkpoint)) {
                long step = Checkpoint.read(checkpoint).step();
                if (step >= 2 * CHECKPOINT_EVERY) {
                    child.destroyForcibly();
                    killedAfter = step;
                    break;
                }
            }
            Thread.sleep(20);
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(killedAfter > 0, "child ended before it could be killed: " + Files.readString(tmp.resolve("child.log")));
        assertFalse(Files.exists(runDir.resolve(TrainingResult.FILE_NAME)), "the killed run must not have finished");
        long checkpointStep = Checkpoint.read(checkpoint).step();
        assertTrue(checkpointStep < STEPS, "killed mid-way");

        TrainingResult resumed = Trainer.run(spec, reference.withRunDir(runDir), List.of());
        assertEquals(TrainingResult.COMPLETED, resumed.status());
        assertEquals(checkpointStep, resumed.resumedFromStep());
        assertEquals(STEPS, resumed.steps());
        System.out.printf("kill-resume: uninterrupted %.6f, resumed from step %d %.6f, other seed %.6f%n",
                uninterrupted.finalEvalLoss(), checkpointStep, resumed.finalEvalLoss(), control.finalEvalLoss());
        assertEquals(uninterrupted.finalEvalLoss(), resumed.finalEvalLoss(), 0.0);
        assertEquals(uninterrupted.countedFlops(), resumed.countedFlops(), 0);
        double[] a = trainCurve(tmp.resolve("uninterrupted"));
        double[] b = trainCurve(runDir);
        assertEquals(a.length, b.length);
        for (int s = 0; s < a.length; s++) {
            assertEquals(a[s], b[s], 0.0, "train loss at step " + (s + 1) + " (resumed from " + checkpointStep + ")");
        }
    }
}
