package scalelab.ladder;

import scalelab.training.TrainingResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Shared helpers: the repo root, the trainer launcher under test, and a sink that logs events to a file. */
final class TestSupport {
    private TestSupport() {}

    static Path repoRoot() {
        String root = System.getProperty("scalelab.repoRoot");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The launcher of the kill-and-resume test: the {@link TrainerDouble} by default; set system property
     * scalelab.testLauncher or env SCALELAB_TEST_LAUNCHER (space-separated, e.g. "/path/to/repo/scalelab") to run the
     * real trainer through it instead. Tests that inject failures always use the double.
     */
    static List<String> launcher() {
        String override = realLauncher();
        return override != null ? List.of(override.trim().split("\\s+")) : trainerDouble(500);
    }

    static boolean usesTrainerDouble() {
        return realLauncher() == null;
    }

    private static String realLauncher() {
        String override = System.getProperty("scalelab.testLauncher", System.getenv("SCALELAB_TEST_LAUNCHER"));
        return override == null || override.isBlank() ? null : override;
    }

    /** The trainer double in a child JVM with this test classpath; @param paceMillis its total "training" time per attempt */
    static List<String> trainerDouble(int paceMillis) {
        return List.of(javaBinary(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Dtrainer.double.runMillis=" + paceMillis, "-cp",
                System.getProperty("java.class.path"), TrainerDouble.class.getName());
    }

    /** The trainer double with a best learning rate lr* = c·√B/d·(D/1e6)^tokensExponent (TrainerDouble.learningRatePenalty). */
    static List<String> trainerDoubleWithBestLr(int paceMillis, double c, double tokensExponent) {
        return List.of(javaBinary(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Dtrainer.double.runMillis=" + paceMillis,
                "-Dtrainer.double.bestLr=" + c + "," + tokensExponent, "-cp", System.getProperty("java.class.path"),
                TrainerDouble.class.getName());
    }

    /** A sink appending "started|finished|failed HASH" lines to a file: the registry stand-in of the tests. */
    record FileSink(Path file) implements LadderResultSink {
        private synchronized void append(String line) {
            try {
                Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void onRunStarted(PlannedRun run, int attempt) {
            append("started " + run.specHash() + " " + attempt);
        }

        @Override
        public void onRunFinished(PlannedRun run, TrainingResult result) {
            append("finished " + run.specHash() + " " + result.finalEvalLoss());
        }

        @Override
        public void onRunFailed(PlannedRun run, int attempts, String reason) {
            append("failed " + run.specHash() + " " + attempts);
        }

        List<String> lines(String kind) {
            try {
                if (!Files.exists(file)) {
                    return List.of();
                }
                List<String> out = new ArrayList<>();
                for (String l : Files.readAllLines(file)) {
                    if (l.startsWith(kind + " ")) {
                        out.add(l.split(" ")[1]);
                    }
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static int linesIn(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    /** Reports every event to both sinks, in order. */
    static LadderResultSink tee(LadderResultSink a, LadderResultSink b) {
        return new LadderResultSink() {
            @Override
            public void onRunStarted(PlannedRun run, int attempt) {
                a.onRunStarted(run, attempt);
                b.onRunStarted(run, attempt);
            }

            @Override
            public void onRunFinished(PlannedRun run, TrainingResult result) {
                a.onRunFinished(run, result);
                b.onRunFinished(run, result);
            }

            @Override
            public void onRunFailed(PlannedRun run, int attempts, String reason) {
                a.onRunFailed(run, attempts, reason);
                b.onRunFailed(run, attempts, reason);
            }
        };
    }
}
