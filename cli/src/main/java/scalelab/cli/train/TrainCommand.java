package scalelab.cli.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.training.CorpusLocation;
import scalelab.training.ModelConfig;
import scalelab.training.ProgressBar;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;
import scalelab.training.Trainer;
import scalelab.training.TrainerOptions;
import scalelab.registry.Registry;
import scalelab.training.RunRegistration;
import scalelab.training.TrainingListener;
import scalelab.training.TrainingResult;
import scalelab.training.data.Tokenizer;

/**
 * {@code scalelab train}: trains one run from a spec file or from flags, in a run directory (checkpoints, curves,
 * result.json). Idempotent: a finished run directory is left alone, an interrupted one resumes.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a decoder-only transformer LM on a text corpus (resumes from checkpoints in --run-dir).")
public final class TrainCommand implements Callable<Integer> {
    /** Largest allowed |planned FLOPs / --flops − 1|: what --flops promises (the ladder planner's bound too). */
    static final double MAX_BUDGET_ERROR = 0.01;

    @Option(names = "--config", paramLabel = "RUN.yaml", description = "Run spec file (the ladder writes these).")
    Path config;

    @Option(names = "--name", description = "Run name (default: train).")
    String name;

    @Option(names = "--d-model", description = "Model width d (default 128).")
    Integer dModel;

    @Option(names = "--layers", description = "Transformer blocks (default 2).")
    Integer layers;

    @Option(names = "--heads", description = "Attention heads, must divide d (default 4).")
    Integer heads;

    @Option(names = "--d-ff", description = "MLP hidden width (default 4·d).")
    Integer dFf;

    @Option(names = "--seq-len", description = "Context length T (default 128).")
    Integer seqLen;

    @Option(names = "--batch", description = "Sequences per step (default 16).")
    Integer batch;

    @Option(names = "--lr", description = "Peak learning rate (default 3e-3).")
    Double lr;

    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default 0.1).")
    Double weightDecay;

    @Option(names = "--warmup", description = "Warmup fraction of steps (default 0.05).")
    Double warmup;

    @Option(names = "--schedule", description = "cosine or wsd (default cosine).")
    String schedule;

    @Option(names = "--final-lr-fraction", paramLabel = "F",
            description = "Learning rate at the last step as a fraction of the peak (default 0: anneal to zero, so the last evaluations agree).")
    Double finalLrFraction;

    @Option(names = "--clip", description = "Global gradient-norm clip, 0 = off (default 1.0).")
    Double clip;

    @Option(names = "--tied", description = "Tie the output head to the embedding.")
    Boolean tied;

    @Option(names = "--learned-positions", description = "Learned absolute positions instead of rotary.")
    Boolean learnedPositions;

    @Option(names = "--experts", description = "MoE experts (1 = dense, the default).")
    Integer experts;

    @Option(names = "--top-k", description = "MoE experts per token (default 1).")
    Integer topK;

    @Option(names = "--balance", description = "MoE load balancing: aux or quantile.")
    String balance;

    @Option(names = "--tokens", description = "Training tokens (steps = tokens / (batch·seq-len)).")
    Long tokens;

    @Option(names = "--flops", description = "Compute budget in FLOPs (steps chosen to hit it within 1%%; refused, with the nearest budgets, when whole steps cannot).")
    Double flops;

    @Option(names = "--corpus", paramLabel = "PATH", description = "Folder of UTF-8 text files (default: data/corpus from bin/fetch-corpus).")
    String corpus;

    @Option(names = "--tokenizer", description = "byte (vocabulary 256, the default) or gpt2 (GPT-2 BPE, vocabulary 50257; "
            + "bin/fetch-gpt2-bpe fetches its files).")
    String tokenizer;

    @Option(names = "--seed", description = "Seed of initialisation and data order (default 1).")
    Long seed;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Run directory (default: runs/<spec hash>).")
    Path runDir;

    @Option(names = "--checkpoint-every", paramLabel = "K", description = "Steps between checkpoints (default: a tenth of the run).")
    long checkpointEvery;

    @Option(names = "--eval-every", paramLabel = "K", description = "Steps between held-out evaluations (default: a tenth of the run).")
    long evalEvery;

    @Option(names = "--eval-tokens", description = "Held-out tokens per evaluation (default 65536; keep it fixed across a ladder).")
    long evalTokens = TrainerOptions.DEFAULT_EVAL_TOKENS;

    @Option(names = "--db", paramLabel = "FILE", description = "Also record the run and its loss curve in this registry "
            + "database (ladder executors record runs themselves and leave this off).")
    Path db;

    @Option(names = "--ladder", paramLabel = "NAME", description = "Ladder the run is recorded under with --db (default: none).")
    String ladder;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the run's result.json (loss, FLOPs, throughput, MFU) (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--no-progress", description = "Do not draw the progress bar on stderr.")
    boolean noProgress;

    @Option(names = "--threads", paramLabel = "N",
            description = "Engine (intra-op) threads, default: the number of cores. Ladders running two runs at once give each one thread.")
    Integer threads;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws java.io.IOException {
        boolean json = scalelab.cli.JsonOutput.requested(format); // refused before any training
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            // read once, when the engine starts (the first tensor below)
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
        RunSpec spec = spec();
        Path dir = runDir != null ? runDir : Path.of("runs", spec.specHash().substring(0, 12));
        TrainerOptions options = TrainerOptions.defaults(dir).withIntervals(checkpointEvery, evalEvery).withEvalTokens(evalTokens);
        boolean alreadyDone = dir.resolve(TrainingResult.FILE_NAME).toFile().isFile();
        List<TrainingListener> listeners = new ArrayList<>();
        if (!noProgress) {
            listeners.add(new ProgressBar(System.err));
        }
        if (db != null) {
            // recorded once the trainer has validated everything, so bad settings store nothing
            listeners.add(new TrainingListener() {
                @Override
                public void onStart(RunSpec s, long startStep, long totalSteps) {
                    try (Registry registry = scalelab.cli.registry.DbOption.open(db, Registry.Access.READ_WRITE, Registry.RESULT_LOCK_WAIT)) {
                        RunRegistration.started(registry, ladder, s);
                    }
                }
            });
        }
        TrainingResult r = Trainer.run(spec, options, listeners);
        if (db != null) {
            try (Registry registry = scalelab.cli.registry.DbOption.open(db, Registry.Access.READ_WRITE, Registry.RESULT_LOCK_WAIT)) {
                if (TrainingResult.COMPLETED.equals(r.status())) {
                    RunRegistration.finished(registry, ladder, spec, r, dir);
                } else {
                    RunRegistration.failed(registry, ladder, spec, "training " + r.status());
                }
            }
        }
        if (json) {
            if (alreadyDone) {
                System.err.println("already trained (result.json of the same spec): nothing to do");
            }
            // The run's result.json as written: the one record of the run, numbers as numbers.
            var out = command.commandLine().getOut();
            out.println(java.nio.file.Files.readString(dir.resolve(TrainingResult.FILE_NAME)).strip());
            out.flush();
            return TrainingResult.COMPLETED.equals(r.status()) ? 0 : 3;
        }
        if (alreadyDone) {
            System.out.println("already trained (result.json of the same spec): nothing to do");
        }
        System.out.printf("%s %s: eval loss %.4f nats/token, %.4f bits/byte (best %.4f); %d steps, %,d tokens;"
                        + " FLOPs planned %.4g counted %.4g; %.0f tok/s, MFU %.1f%% of %.1f GFLOP/s%n  %s%n",
                r.name(), r.status(), r.finalEvalLoss(), r.finalEvalBitsPerByte(), r.bestEvalLoss(), r.steps(), r.tokens(),
                r.plannedFlops(), r.countedFlops(), r.tokensPerSecond(), 100 * r.mfu(), r.peakFlopsPerSecond() / 1e9,
                dir.resolve(TrainingResult.FILE_NAME));
        return TrainingResult.COMPLETED.equals(r.status()) ? 0 : 3;
    }

    /** The spec from --config (with --corpus/--seed overrides) or from the flags. */
    RunSpec spec() {
        if (config != null) {
            List<String> conflicting = new ArrayList<>();
            Object[][] flags = {{"--d-model", dModel}, {"--layers", layers}, {"--heads", heads}, {"--d-ff", dFf},
                    {"--seq-len", seqLen}, {"--batch", batch}, {"--lr", lr}, {"--weight-decay", weightDecay},
                    {"--warmup", warmup}, {"--schedule", schedule}, {"--final-lr-fraction", finalLrFraction}, {"--clip", clip}, {"--tied", tied},
                    {"--learned-positions", learnedPositions}, {"--experts", experts}, {"--top-k", topK},
                    {"--balance", balance}, {"--tokens", tokens}, {"--flops", flops}, {"--name", name},
                    {"--tokenizer", tokenizer}};
            for (Object[] f : flags) {
                if (f[1] != null) {
                    conflicting.add((String) f[0]);
                }
            }
            if (!conflicting.isEmpty()) {
                throw new IllegalArgumentException("--config fixes the run; drop " + String.join(", ", conflicting)
                        + " (only --corpus and --seed may override it)");
            }
            RunSpec s = RunSpecYaml.read(config);
            return s.withSeedAndCorpus(seed != null ? seed : s.seed(), corpus != null ? corpus : s.corpus());
        }
        if ((tokens == null) == (flops == null)) {
            throw new IllegalArgumentException("give exactly one of --tokens and --flops (or --config)");
        }
        int d = or(dModel, 128);
        int e = or(experts, 1);
        String tok = tokenizer != null ? tokenizer : "byte";
        Integer vocab = Tokenizer.VOCAB_SIZES.get(tok);
        if (vocab == null) {
            throw new IllegalArgumentException("--tokenizer must be byte or gpt2, got " + tok);
        }
        ModelConfig model = new ModelConfig(vocab, d, or(layers, 2), or(heads, 4), or(dFf, 4 * d), or(seqLen, 128), e,
                or(topK, 1), e > 1 ? 4 * d : 0, Boolean.TRUE.equals(tied), Boolean.TRUE.equals(learnedPositions));
        int b = or(batch, 16);
        long perStep = (long) b * model.seqLen();
        long steps;
        double budget = 0;
        if (tokens != null) {
            if (tokens <= 0) {
                throw new IllegalArgumentException("--tokens must be positive, got " + tokens);
            }
            steps = Math.round(tokens / (double) perStep);
            if (steps < 1) {
                throw new IllegalArgumentException("--tokens " + tokens + " is less than one step (batch × seq-len = " + perStep + ")");
            }
        } else {
            if (!(flops > 0)) {
                throw new IllegalArgumentException("--flops must be positive, got " + flops);
            }
            budget = flops;
            double perStepFlops = model.trainingFlopsPerToken() * perStep;
            steps = RunSpec.stepsForBudget(model, b, flops);
            double off = steps * perStepFlops / flops - 1;
            // the promise is the budget within 1%; a whole number of steps cannot always keep it (few, costly steps)
            if (Math.abs(off) > MAX_BUDGET_ERROR) {
                long lo = (long) Math.floor(flops / perStepFlops);
                long hi = lo + 1;
                String nearest = lo >= 1
                        ? String.format(Locale.ROOT, "%.4g (%d steps) or %.4g (%d steps)", lo * perStepFlops, lo, hi * perStepFlops, hi)
                        : String.format(Locale.ROOT, "%.4g (1 step)", perStepFlops);
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "--flops %.4g cannot be hit within 1%%: one step at batch %d × seq-len %d costs %.4g FLOPs, so %d step%s give "
                                + "%.4g (%+.1f%%); nearest budgets: %s, or a smaller --batch",
                        flops, b, model.seqLen(), perStepFlops, steps, steps == 1 ? "" : "s", steps * perStepFlops, 100 * off, nearest));
            }
        }
        return new RunSpec(name != null ? name : "train", model, b, steps, or(lr, 3e-3), or(weightDecay, 0.1), or(warmup, 0.05),
                schedule != null ? schedule : "cosine", or(clip, 1.0), seed != null ? seed : 1,
                corpus != null ? corpus : CorpusLocation.DEFAULT, tok, budget, e > 1 ? (balance != null ? balance : "aux") : "none",
                0, e > 1 ? 0.01 : 0, or(finalLrFraction, 0.0));
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
