package scalelab.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import scalelab.training.data.Corpus;
import scalelab.training.data.PackedDataset;
import scalelab.training.data.Tokenizer;
import scalelab.training.model.FeedForward;
import scalelab.training.model.FeedForwardFactory;
import scalelab.training.model.Parameter;
import scalelab.training.model.TransformerLM;
import scalelab.training.optim.AdamW;
import scalelab.training.optim.LearningRateSchedule;

/**
 * Trains one {@link RunSpec} in a run directory. Idempotent: a directory whose result.json has the same spec hash is
 * returned as is; one with a checkpoint resumes from it. Files in the run directory: {@code spec.yaml},
 * {@code checkpoint.bin}, {@code train-curve.csv}, {@code eval-curve.csv}, for MoE models {@code expert-shares.csv}
 * (per step and layer, each expert's share of the routed token-slots), and at the end {@code result.json}.
 */
public final class Trainer {
    private Trainer() {}

    /** Everything checked and loaded before the first step. */
    public record Prepared(RunSpec spec, Tokenizer tokenizer, Corpus corpus, PackedDataset data) {}

    /**
     * Validates the spec against this build and its corpus, and loads the data. Every problem found here is one clear
     * message (IllegalArgumentException) before any training starts.
     */
    public static Prepared prepare(RunSpec spec, TrainerOptions options) {
        Tokenizer tokenizer = Tokenizer.forName(spec.tokenizer());
        if (spec.model().vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("vocab size " + spec.model().vocabSize() + " does not match the "
                    + tokenizer.name() + " tokenizer's " + tokenizer.vocabSize());
        }
        if (!FeedForwardFactory.supports(spec)) {
            throw new IllegalArgumentException("mixture-of-experts layers route each token to 1 or 2 experts, got top_k "
                    + spec.model().topK());
        }
        Path corpusDir = CorpusLocation.resolve(spec.corpus());
        Corpus corpus = Corpus.load(corpusDir);
        PackedDataset data = new PackedDataset(corpus, tokenizer, spec.model().seqLen(), spec.seed(), options.evalTokens());
        long needed = (long) spec.batchSize() * spec.model().seqLen() + 1;
        if (data.trainWindowCount() < spec.batchSize()) {
            throw new IllegalArgumentException("corpus " + corpusDir + " has " + data.trainTokenCount()
                    + " training tokens, fewer than one batch (" + spec.batchSize() + " sequences × " + spec.model().seqLen()
                    + " tokens + 1 = " + needed + ")");
        }
        if (data.evalTokenCount() < 2) {
            throw new IllegalArgumentException("corpus " + corpusDir + " has no held-out text to evaluate on");
        }
        return new Prepared(spec, tokenizer, corpus, data);
    }

    public static TrainingResult run(RunSpec spec, TrainerOptions options, List<TrainingListener> listeners) {
        Path runDir = options.runDir();
        Path resultFile = runDir.resolve(TrainingResult.FILE_NAME);
        if (Files.isRegularFile(resultFile)) {
            TrainingResult done = TrainingResult.read(resultFile);
            if (!done.specHash().equals(spec.specHash())) {
                throw new IllegalArgumentException("run dir " + runDir + " holds the result of another spec (hash "
                        + done.specHash().substring(0, 12) + "…); use a fresh --run-dir");
            }
            if (done.evalTokenLimit() > 0 && done.evalTokenLimit() != options.evalTokens()) {
                // same spec hash, but its held-out loss is on another number of tokens: not the result asked for
                throw new IllegalArgumentException("run dir " + runDir + " holds a result evaluated on " + done.evalTokenLimit()
                        + " held-out tokens, not the " + options.evalTokens() + " asked for; use a fresh --run-dir or --eval-tokens "
                        + done.evalTokenLimit());
            }
            return done;
        }
        Path checkpointFile = runDir.resolve(Checkpoint.FILE_NAME);
        Checkpoint resumeFrom = Files.isRegularFile(checkpointFile) ? Checkpoint.read(checkpointFile) : null;
        if (resumeFrom != null && !resumeFrom.specHash().equals(spec.specHash())) {
            throw new IllegalArgumentException("run dir " + runDir + " holds a checkpoint of another spec (hash "
                    + resumeFrom.specHash().substring(0, 12) + "…); use a fresh --run-dir");
        }
        Prepared prepared = prepare(spec, options);
        double peak = options.peakFlops().getAsDouble();
        try {
            Files.createDirectories(runDir);
            // temp files of writes cut short by a kill: the renamed files they were meant to replace are intact
            try (var stale = Files.list(runDir)) {
                for (Path p : stale.filter(p -> p.getFileName().toString().startsWith(".")
                        && p.getFileName().toString().endsWith(".tmp")).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            RunSpecYaml.write(spec, runDir.resolve("spec.yaml"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create run dir " + runDir + ": " + e.getMessage(), e);
        }
        try (NDManager root = NDManager.newBaseManager();
             TransformerLM model = new TransformerLM(spec, root);
             AdamW optimizer = new AdamW(model.parameters(), root, spec.weightDecay(), spec.gradClip())) {
            return new Run(spec, options, listeners, prepared.data(), model, optimizer, root, peak).execute(resumeFrom);
        }
    }

    /**
     * One optimiser step on a [rows, T + 1] window batch: forward, backward, AdamW update. All temporaries live on a
     * sub-manager closed before returning. Shared by the trainer and the throughput benchmark.
     *
     * @return the LM loss (nats/token) before the update
     */
    public static double step(TransformerLM model, AdamW optimizer, long[] windows, int rows, double learningRate, NDManager parent) {
        try (NDManager sub = parent.newSubManager()) {
            NDArray[] io = inputsAndTargets(windows, rows, sub);
            double loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                TransformerLM.Output out = model.forward(io[0], true);
                NDArray lmLoss = TransformerLM.crossEntropy(out.logits(), io[1]);
                NDArray total = out.auxLoss() == null ? lmLoss : lmLoss.add(out.auxLoss());
                collector.backward(total);
                loss = lmLoss.getFloat();
            }
            optimizer.step(learningRate, sub);
            return loss;
        }
    }

    /** Splits [rows, T + 1] windows into int64 inputs [rows, T] and targets [rows, T]. */
    static NDArray[] inputsAndTargets(long[] windows, int rows, NDManager manager) {
        int width = windows.length / rows;
        int t = width - 1;
        long[] inputs = new long[rows * t];
        long[] targets = new long[rows * t];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(windows, r * width, inputs, r * t, t);
            System.arraycopy(windows, r * width + 1, targets, r * t, t);
        }
        return new NDArray[] {manager.create(inputs, new Shape(rows, t)), manager.create(targets, new Shape(rows, t))};
    }

    /**
     * Sequences per evaluation batch, the same for every run: a run's held-out loss then does not depend on its training
     * batch (MoE capacity drops depend on what shares a batch), and a run training at batch 4 does not pay 8× the
     * per-batch cost on its ten evaluation passes.
     */
    public static final int EVAL_BATCH_SEQUENCES = 32;

    /** Mean held-out loss (nats/token) over the fixed evaluation windows, no gradients recorded. */
    public static double evaluate(TransformerLM model, PackedDataset data, int batchSize, NDManager parent) {
        double sum = 0;
        long count = 0;
        for (long[] batch : data.evalBatches(batchSize)) {
            int rows = batch.length / Math.min(batch.length, data.seqLen() + 1);
            try (NDManager sub = parent.newSubManager()) {
                NDArray[] io = inputsAndTargets(batch, rows, sub);
                long tokens = io[1].getShape().size();
                sum += TransformerLM.crossEntropy(model.forward(io[0], false).logits(), io[1]).getFloat() * tokens;
                count += tokens;
            }
        }
        return sum / count;
    }

    /** Per-step expert utilisation of an MoE run: step, layer, expert_0 … expert_{E-1} (shares of routed token-slots). */
    public static final String EXPERT_SHARES_FILE = "expert-shares.csv";
    private static final String EXPERT_SHARES = "expert_shares";

    private static String routingStateName(int layer) {
        return "layer" + layer + ".mlp.routing_state";
    }

    /** The mutable state of one process's training loop. */
    private static final class Run {
        private final RunSpec spec;
        private final TrainerOptions options;
        private final List<TrainingListener> listeners;
        private final PackedDataset data;
        private final TransformerLM model;
        private final AdamW optimizer;
        private final NDManager root;
        private final double peak;
        private final LearningRateSchedule schedule;
        private final float[] trainLosses;
        private final List<Checkpoint.EvalPoint> evals = new ArrayList<>();
        /** Per step of an MoE model: every layer's expert shares, layer after layer (layers × E values). */
        private final List<double[]> expertShares = new ArrayList<>();
        private long step;
        private double countedFlops;
        private double trainSeconds;
        private double priorWallSeconds;
        private long resumedFromStep;
        private final long startNanos = System.nanoTime();

        Run(RunSpec spec, TrainerOptions options, List<TrainingListener> listeners, PackedDataset data, TransformerLM model,
            AdamW optimizer, NDManager root, double peak) {
            this.spec = spec;
            this.options = options;
            this.listeners = List.copyOf(listeners);
            this.data = data;
            this.model = model;
            this.optimizer = optimizer;
            this.root = root;
            this.peak = peak;
            this.schedule = LearningRateSchedule.of(spec.schedule(), spec.learningRate(), spec.steps(), spec.warmupFraction(),
                    spec.finalLrFraction());
            this.trainLosses = new float[(int) spec.steps()];
        }

        TrainingResult execute(Checkpoint resumeFrom) {
            if (resumeFrom != null) {
                restore(resumeFrom);
            }
            listeners.forEach(l -> l.onStart(spec, step, spec.steps()));
            long checkpointEvery = options.checkpointInterval(spec.steps());
            long evalEvery = options.evalInterval(spec.steps());
            long settleStep = TrainerOptions.settleStep(spec.steps());
            double flopsPerStep = spec.model().trainingFlopsPerToken() * spec.tokensPerStep();
            String status = TrainingResult.COMPLETED;
            while (step < spec.steps()) {
                double lr = schedule.at(step);
                long[] batch = data.trainBatch(step, spec.batchSize());
                long t0 = System.nanoTime();
                double loss = Trainer.step(model, optimizer, batch, spec.batchSize(), lr, root);
                double seconds = (System.nanoTime() - t0) / 1e9;
                trainSeconds += seconds;
                countedFlops += flopsPerStep;
                trainLosses[(int) step] = (float) loss;
                step++;
                long tokens = step * spec.tokensPerStep();
                double rate = spec.tokensPerStep() / seconds;
                listeners.forEach(l -> l.onStep(step, tokens, loss, lr, rate));
                List<FeedForward> ffs = model.feedForwards();
                double[] stepShares = spec.model().isMoe() ? new double[ffs.size() * spec.model().experts()] : null;
                for (int layer = 0; layer < ffs.size(); layer++) {
                    double[] shares = ffs.get(layer).expertTokenShares();
                    if (shares.length > 0) {
                        int li = layer;
                        listeners.forEach(l -> l.onExpertShares(step, li, shares));
                        System.arraycopy(shares, 0, stepShares, layer * shares.length, shares.length);
                    }
                }
                if (stepShares != null) {
                    expertShares.add(stepShares);
                }
                if (!Double.isFinite(loss)) {
                    status = TrainingResult.DIVERGED;
                    break;
                }
                if ((step % evalEvery == 0 || step == settleStep) && step < spec.steps()) {
                    evaluateNow();
                }
                if (step % checkpointEvery == 0 && step < spec.steps()) {
                    checkpoint();
                }
            }
            if (TrainingResult.COMPLETED.equals(status)) {
                if (evals.isEmpty() || evals.get(evals.size() - 1).step() != step) {
                    evaluateNow();
                }
                checkpoint();
            }
            TrainingResult result = result(status);
            result.write(options.runDir().resolve(TrainingResult.FILE_NAME));
            listeners.forEach(l -> l.onFinish(result));
            return result;
        }

        private void evaluateNow() {
            double loss = evaluate(model, data, EVAL_BATCH_SEQUENCES, root);
            double bitsPerByte = loss / Math.log(2) / data.evalBytesPerToken();
            evals.add(new Checkpoint.EvalPoint(step, loss, bitsPerByte));
            long tokens = step * spec.tokensPerStep();
            listeners.forEach(l -> l.onEval(step, tokens, loss, bitsPerByte));
        }

        private double wallSeconds() {
            return priorWallSeconds + (System.nanoTime() - startNanos) / 1e9;
        }

        private void checkpoint() {
            List<Checkpoint.NamedTensor> tensors = new ArrayList<>();
            List<float[]> first = new ArrayList<>();
            List<float[]> second = new ArrayList<>();
            List<Parameter> params = model.parameters();
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                tensors.add(new Checkpoint.NamedTensor(p.name(), p.array().getShape().getShape(), p.array().toFloatArray()));
                first.add(optimizer.firstMoments().get(i).toFloatArray());
                second.add(optimizer.secondMoments().get(i).toFloatArray());
            }
            List<Checkpoint.NamedBuffer> buffers = new ArrayList<>();
            List<FeedForward> ffs = model.feedForwards();
            for (int layer = 0; layer < ffs.size(); layer++) {
                double[] state = ffs.get(layer).routingState();
                if (state.length > 0) {
                    buffers.add(new Checkpoint.NamedBuffer(routingStateName(layer), state));
                }
            }
            if (!expertShares.isEmpty()) {
                int width = expertShares.get(0).length;
                double[] flat = new double[expertShares.size() * width];
                for (int s = 0; s < expertShares.size(); s++) {
                    System.arraycopy(expertShares.get(s), 0, flat, s * width, width);
                }
                buffers.add(new Checkpoint.NamedBuffer(EXPERT_SHARES, flat));
            }
            Checkpoint c = new Checkpoint(spec.specHash(), step, spec.seed(), optimizer.stepsTaken(), countedFlops, trainSeconds,
                    wallSeconds(), tensors, first, second, Arrays.copyOf(trainLosses, (int) step), List.copyOf(evals), buffers);
            Path file = options.runDir().resolve(Checkpoint.FILE_NAME);
            try {
                c.write(file);
                writeCurves();
            } catch (IOException e) {
                throw new IllegalStateException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
            }
            listeners.forEach(l -> l.onCheckpoint(step, file));
        }

        private void restore(Checkpoint c) {
            List<Parameter> params = model.parameters();
            if (c.parameters().size() != params.size()) {
                throw new IllegalArgumentException("checkpoint has " + c.parameters().size() + " tensors, model has " + params.size());
            }
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                Checkpoint.NamedTensor t = c.parameters().get(i);
                if (!t.name().equals(p.name()) || !Arrays.equals(t.shape(), p.array().getShape().getShape())) {
                    throw new IllegalArgumentException("checkpoint tensor " + t.name() + Arrays.toString(t.shape())
                            + " does not match model parameter " + p.name() + p.array().getShape());
                }
                p.array().set(t.values());
            }
            optimizer.restore(c.optimizerSteps(), c.firstMoments(), c.secondMoments());
            List<FeedForward> ffs = model.feedForwards();
            for (int layer = 0; layer < ffs.size(); layer++) {
                if (ffs.get(layer).routingState().length > 0) {
                    double[] state = c.buffer(routingStateName(layer));
                    if (state == null) {
                        throw new IllegalArgumentException("checkpoint lacks " + routingStateName(layer) + " of this MoE model");
                    }
                    ffs.get(layer).restoreRoutingState(state);
                }
            }
            double[] shares = c.buffer(EXPERT_SHARES);
            if (spec.model().isMoe() && shares != null) {
                int width = ffs.size() * spec.model().experts();
                for (int s = 0; s + width <= shares.length; s += width) {
                    expertShares.add(Arrays.copyOfRange(shares, s, s + width));
                }
            }
            step = c.step();
            countedFlops = c.countedFlops();
            trainSeconds = c.trainSeconds();
            priorWallSeconds = c.wallSeconds();
            resumedFromStep = c.step();
            System.arraycopy(c.trainLosses(), 0, trainLosses, 0, c.trainLosses().length);
            evals.addAll(c.evals());
        }

        private void writeCurves() throws IOException {
            StringBuilder train = new StringBuilder("step,tokens,learning_rate,train_loss_nats\n");
            for (int s = 0; s < step; s++) {
                train.append(s + 1).append(',').append((s + 1) * spec.tokensPerStep()).append(',')
                        .append(schedule.at(s)).append(',').append(trainLosses[s]).append('\n');
            }
            AtomicFiles.write(options.runDir().resolve("train-curve.csv"), train.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder eval = new StringBuilder("step,tokens,eval_loss_nats,eval_bits_per_byte\n");
            for (Checkpoint.EvalPoint e : evals) {
                eval.append(e.step()).append(',').append(e.step() * spec.tokensPerStep()).append(',')
                        .append(e.lossNats()).append(',').append(e.bitsPerByte()).append('\n');
            }
            AtomicFiles.write(options.runDir().resolve("eval-curve.csv"), eval.toString().getBytes(StandardCharsets.UTF_8));
            if (!expertShares.isEmpty()) {
                int experts = spec.model().experts();
                StringBuilder shares = new StringBuilder("step,layer");
                for (int e = 0; e < experts; e++) {
                    shares.append(",expert_").append(e);
                }
                shares.append('\n');
                for (int s = 0; s < expertShares.size(); s++) {
                    double[] row = expertShares.get(s);
                    for (int layer = 0; layer < row.length / experts; layer++) {
                        shares.append(s + 1).append(',').append(layer);
                        for (int e = 0; e < experts; e++) {
                            shares.append(',').append((float) row[layer * experts + e]);
                        }
                        shares.append('\n');
                    }
                }
                AtomicFiles.write(options.runDir().resolve(EXPERT_SHARES_FILE), shares.toString().getBytes(StandardCharsets.UTF_8));
            }
        }

        private TrainingResult result(String status) {
            Checkpoint.EvalPoint last = evals.isEmpty() ? null : evals.get(evals.size() - 1);
            double best = evals.stream().mapToDouble(Checkpoint.EvalPoint::lossNats).min().orElse(Double.NaN);
            long tokens = step * spec.tokensPerStep();
            double achieved = trainSeconds > 0 ? countedFlops / trainSeconds : 0;
            ModelConfig m = spec.model();
            return new TrainingResult(spec.specHash(), spec.name(), status, step, tokens,
                    step > 0 ? trainLosses[(int) step - 1] : Double.NaN,
                    last != null && last.step() == step ? last.lossNats() : Double.NaN, best,
                    last != null && last.step() == step ? last.bitsPerByte() : Double.NaN,
                    data.evalPredictedTokens(), options.evalTokens(), spec.flops(), countedFlops, ModelConfig.FLOP_CONVENTION,
                    m.nonEmbeddingParams(), m.activeParams(), m.totalParams(), wallSeconds(), trainSeconds,
                    trainSeconds > 0 ? tokens / trainSeconds : 0, achieved, peak, peak > 0 ? achieved / peak : 0, resumedFromStep);
        }
    }
}
