package scalelab.training;

import java.nio.file.Path;
import java.util.List;

/**
 * Minimal process entry point: {@code java scalelab.training.TrainingMain SPEC.yaml RUN_DIR [CHECKPOINT_EVERY EVAL_EVERY EVAL_TOKENS]}.
 * Used to train in a child JVM (the kill-and-resume test); users run {@code scalelab train}.
 */
public final class TrainingMain {
    private TrainingMain() {}

    public static void main(String[] args) {
        if (args.length != 2 && args.length != 5) {
            System.err.println("usage: TrainingMain SPEC.yaml RUN_DIR [CHECKPOINT_EVERY EVAL_EVERY EVAL_TOKENS]");
            System.exit(2);
        }
        RunSpec spec = RunSpecYaml.read(Path.of(args[0]));
        TrainerOptions options = TrainerOptions.defaults(Path.of(args[1]));
        if (args.length == 5) {
            options = options.withIntervals(Long.parseLong(args[2]), Long.parseLong(args[3])).withEvalTokens(Long.parseLong(args[4]));
        }
        TrainingResult r = Trainer.run(spec, options, List.of(new ProgressBar(System.err)));
        System.out.println(r.status() + " " + r.finalEvalLoss());
    }
}
