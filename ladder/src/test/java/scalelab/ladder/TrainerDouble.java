package scalelab.ladder;

import scalelab.training.ModelConfig;

import scalelab.training.TrainingResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;

/**
 * Test-only stand-in for {@code scalelab train --config SPEC.yaml --run-dir DIR} that obeys the trainer's contract:
 * "trains" for the spec's steps (sleeping env TRAINER_DOUBLE_RUN_MILLIS, else property trainer.double.runMillis, else 1500 ms in total), writes DIR/checkpoint
 * atomically after every step, resumes from it when rerun, writes DIR/result.json atomically at the end with a loss
 * from a known surface L = E + A·N^-α + B·D^-β (N = active params, D = tokens), and does nothing when result.json
 * already holds this spec's finished result. Failure injection: DIR/fail-once makes the first attempt exit 3 half-way
 * (the marker is renamed fail-once.done); DIR/fail-always makes every attempt exit 4 at once.
 * The result records the --eval-tokens it was given (the ladder's eval.tokens) as the trainer does: the limit, and one
 * fewer predicted tokens.
 * Every completed training appends one line to DIR/trainings.log, so tests can count how often a run was trained.
 */
public final class TrainerDouble {
    static final double E = 1.69, A = 406.4, ALPHA = 0.34, B = 410.7, BETA = 0.28;

    public static double loss(long activeParams, long tokens) {
        return E + A * Math.pow(activeParams, -ALPHA) + B * Math.pow(tokens, -BETA);
    }

    /**
     * With -Dtrainer.double.bestLr=C,E the loss also rises as 0.05·ln(lr/lr*)², lr* = C·√B/d·(D/1e6)^E: a known rule
     * for sweep tests to recover. Without it the loss does not depend on the learning rate.
     */
    static double learningRatePenalty(RunSpec spec) {
        String rule = System.getProperty("trainer.double.bestLr");
        if (rule == null) {
            return 0;
        }
        String[] parts = rule.split(",");
        double best = Double.parseDouble(parts[0]) * Math.sqrt(spec.batchSize()) / spec.model().dModel()
                * Math.pow(spec.tokens() / 1e6, Double.parseDouble(parts[1]));
        double miss = Math.log(spec.learningRate() / best);
        return 0.05 * miss * miss;
    }

    public static void main(String[] args) throws Exception {
        if (!(args.length == 7 || args.length == 9 && args[7].equals("--threads")) || !args[0].equals("train")
                || !args[1].equals("--config") || !args[3].equals("--run-dir") || !args[5].equals("--eval-tokens")) {
            System.err.println("usage: train --config SPEC.yaml --run-dir DIR --eval-tokens N [--threads T]");
            System.exit(2);
        }
        RunSpec spec = RunSpecYaml.read(Path.of(args[2]));
        Path dir = Path.of(args[4]);
        long evalTokens = Long.parseLong(args[6]);
        Files.createDirectories(dir);
        String hash = spec.specHash();
        Path resultFile = dir.resolve("result.json");
        if (Files.isRegularFile(resultFile) && hash.equals(TrainingResult.read(resultFile).specHash())) {
            System.out.println("already finished: " + hash);
            return;
        }
        if (Files.exists(dir.resolve("fail-always"))) {
            System.err.println("injected failure (fail-always)");
            System.exit(4);
        }
        long total = spec.steps();
        Path ckpt = dir.resolve("checkpoint");
        long start = Files.exists(ckpt) ? Long.parseLong(Files.readString(ckpt).trim()) : 0;
        String pace = System.getenv("TRAINER_DOUBLE_RUN_MILLIS");
        long runMillis = Long.parseLong(pace != null ? pace : System.getProperty("trainer.double.runMillis", "1500"));
        double sleepPerStep = runMillis / (double) total;
        long t0 = System.nanoTime();
        double slept = 0;
        boolean failOnce = Files.exists(dir.resolve("fail-once"));
        for (long step = start + 1; step <= total; step++) {
            slept += sleepPerStep;
            if (slept >= 1) {
                Thread.sleep((long) slept);
                slept -= (long) slept;
            }
            writeAtomically(ckpt, Long.toString(step));
            if (failOnce && step >= total / 2) {
                Files.move(dir.resolve("fail-once"), dir.resolve("fail-once.done"), StandardCopyOption.REPLACE_EXISTING);
                System.err.println("injected failure (fail-once) at step " + step);
                System.exit(3);
            }
        }
        double l = loss(spec.model().activeParams(), spec.tokens()) + learningRatePenalty(spec);
        double wall = (System.nanoTime() - t0) / 1e9;
        ModelConfig m = spec.model();
        TrainingResult result = new TrainingResult(hash, spec.name(), TrainingResult.COMPLETED, spec.steps(), spec.tokens(), l, l, l,
                l / Math.log(2), evalTokens - 1, evalTokens, spec.flops(), spec.flops(), ModelConfig.FLOP_CONVENTION, m.nonEmbeddingParams(),
                m.activeParams(), m.totalParams(), wall, wall, spec.tokens() / Math.max(wall, 1e-9),
                spec.flops() / Math.max(wall, 1e-9), 1e11, 0.0, start);
        Files.writeString(dir.resolve("trainings.log"), "completed " + hash + " resumedFrom=" + start + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        result.write(dir.resolve("result.json"));
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
