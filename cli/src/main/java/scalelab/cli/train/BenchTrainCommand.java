package scalelab.cli.train;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.ladder.ThroughputModel;
import scalelab.training.ModelConfig;
import scalelab.training.PeakFlops;
import scalelab.training.TrainingBenchmark;

/** {@code scalelab bench train}: training tokens/s and MFU for several model sizes, with the peak measured in the same run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Measure training throughput (tokens/s, FLOP/s, MFU) of dense and mixture-of-experts models of several sizes.",
                "MoE FLOPs count active parameters (router + top-k experts), as the ladder's compute does."})
public final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--sizes", split = ",", paramLabel = "D:L:H",
            description = "Model sizes as width:layers:heads (default 32:2:1,64:2:2,128:4:4,256:8:8: the shapes a ladder's "
                    + "depth d/32 and head width 32 give).")
    String[] sizes = {"32:2:1", "64:2:2", "128:4:4", "256:8:8"};

    @Option(names = "--moe", split = ",", paramLabel = "D:L:H:E:K:G",
            description = "MoE sizes as width:layers:heads:experts:top_k:granularity (expert width 4·d/G), each run with "
                    + "aux and quantile balancing (default 128:3:4:4:2:2,256:4:8:4:2:2: same active parameters as the "
                    + "dense 128 and 256 rows; '--moe none' skips MoE).")
    String[] moe = {"128:3:4:4:2:2", "256:4:8:4:2:2"};

    @Option(names = "--seq-len", description = "Context length (default 128).")
    int seqLen = 128;

    @Option(names = "--batch", description = "Sequences per step (default 16).")
    int batch = 16;

    @Option(names = "--steps", description = "Timed steps per size after 2 warm-up steps (default 8; median reported).")
    int steps = 8;

    @Option(names = "--save", arity = "0..1", paramLabel = "FILE", fallbackValue = "",
            description = "Also time each dense size at --small-batch, and save per size the fixed seconds per step and the "
                    + "FLOP/s of its tokens for `ladder plan`'s time estimates, to FILE or by default "
                    + "$SCALELAB_BENCH_TRAIN, else ~/.scalelab/bench-train.json.")
    String save;

    @Option(names = "--small-batch", description = "With --save: the second, smaller batch each dense size is timed at "
            + "(default 4; the ladder's largest models at small budgets train at batches this small).")
    int smallBatch = 4;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private scalelab.cli.BenchOutput out;

    @Override
    public Integer call() {
        out = new scalelab.cli.BenchOutput(spec.commandLine().getOut(), format, "train");
        if (save != null && !(smallBatch >= 1 && smallBatch < batch)) {
            throw new IllegalArgumentException("--small-batch (" + smallBatch + ") must be at least 1 and below --batch (" + batch + ")");
        }
        // The peak is re-measured right before each size: on a shared machine the CPU share drifts within minutes,
        // and MFU must compare a model with the matmul speed available at the same moment.
        double firstPeak = PeakFlops.measure();
        PeakFlops.store(firstPeak);
        out.text("engine threads %d; fp32 matmul peak %.1f GFLOP/s at start (re-measured before each size)%n",
                PeakFlops.engineThreads(), firstPeak / 1e9);
        out.root().put("engine_threads", PeakFlops.engineThreads());
        out.root().put("peak_gflops_at_start", firstPeak / 1e9);
        out.text("| model | d | layers | heads | active params | non-emb params | seq | batch | median step s | tokens/s | GFLOP/s | peak GFLOP/s | MFU |%n");
        out.text("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |%n");
        java.util.List<ModelConfig> models = new java.util.ArrayList<>();
        java.util.List<String> balances = new java.util.ArrayList<>();
        for (String size : sizes) {
            String[] f = size.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("size " + size + " is not width:layers:heads");
            }
            models.add(ModelConfig.dense(256, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), seqLen));
            balances.add("none");
        }
        if (!(moe.length == 1 && "none".equals(moe[0]))) {
            for (String size : moe) {
                String[] f = size.split(":");
                if (f.length != 6) {
                    throw new IllegalArgumentException("MoE size " + size + " is not width:layers:heads:experts:top_k:granularity");
                }
                int d = Integer.parseInt(f[0]);
                int g = Integer.parseInt(f[5]);
                if (g < 1 || 4 * d % g != 0) {
                    throw new IllegalArgumentException("MoE size " + size + ": granularity must divide 4·d = " + 4 * d);
                }
                ModelConfig m = ModelConfig.moe(256, d, Integer.parseInt(f[1]), Integer.parseInt(f[2]), seqLen,
                        Integer.parseInt(f[3]), Integer.parseInt(f[4]), g);
                for (String balance : new String[] {"aux", "quantile"}) {
                    models.add(m);
                    balances.add(balance);
                }
            }
        }
        java.util.List<ThroughputModel.Measured> dense = new java.util.ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            ModelConfig m = models.get(i);
            String balance = balances.get(i);
            double peak = i == 0 ? firstPeak : PeakFlops.measure();
            TrainingBenchmark.Throughput t = TrainingBenchmark.measure(m, balance, batch, steps, peak);
            printRow(m, balance, t, peak);
            if (!m.isMoe() && save != null) {
                TrainingBenchmark.Throughput small = TrainingBenchmark.measure(m, balance, smallBatch, steps, peak);
                printRow(m, balance, small, peak);
                dense.add(new ThroughputModel.Measured(String.format("d%d L%d H%d T%d", m.dModel(), m.layers(), m.heads(), seqLen),
                        m.activeParams(), seqLen, smallBatch, small.medianStepSeconds(), batch, t.medianStepSeconds()));
            }
        }
        if (save != null) {
            // the plan's throughput curve is in N_active of dense models; MoE rows (slower per active parameter) are not saved
            Path file = save.isEmpty() ? ThroughputModel.defaultFile() : Path.of(save);
            for (ThroughputModel.Measured m : dense) {
                if (!m.fallback().isEmpty()) {
                    System.err.println("warning: " + m.fallback());
                }
            }
            ThroughputModel.save(file, dense, PeakFlops.engineThreads(), Instant.now());
            out.text("saved %d dense sizes' throughput to %s (used by `ladder plan` time estimates)%n", dense.size(), file);
            out.root().put("saved_to", file.toString());
        }
        out.finish();
        return 0;
    }

    private void printRow(ModelConfig m, String balance, TrainingBenchmark.Throughput t, double peak) {
        String label = m.isMoe() ? String.format("MoE E=%d k=%d G=%d %s", m.experts(), m.topK(), 4 * m.dModel() / m.dExpert(), balance)
                : "dense";
        out.text("| %s | %d | %d | %d | %,d | %,d | %d | %d | %.3f | %,.0f | %.1f | %.1f | %.1f%% |%n", label,
                m.dModel(), m.layers(), m.heads(), m.activeParams(), m.nonEmbeddingParams(), seqLen, t.batchSize(),
                t.medianStepSeconds(), t.tokensPerSecond(), t.flopsPerSecond() / 1e9, peak / 1e9, 100 * t.mfu());
        var row = out.list("models").addObject();
        row.put("model", label);
        row.put("d_model", m.dModel());
        row.put("layers", m.layers());
        row.put("heads", m.heads());
        row.put("active_params", m.activeParams());
        row.put("non_embedding_params", m.nonEmbeddingParams());
        row.put("seq_len", seqLen);
        row.put("batch", t.batchSize());
        row.put("median_step_seconds", t.medianStepSeconds());
        row.put("tokens_per_second", t.tokensPerSecond());
        row.put("gflops", t.flopsPerSecond() / 1e9);
        row.put("peak_gflops", peak / 1e9);
        row.put("mfu", t.mfu());
    }
}
