package scalelab.cli.train;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.training.ModelConfig;
import scalelab.training.PeakFlops;
import scalelab.training.TrainingBenchmark;

/** {@code scalelab bench train}: training tokens/s and MFU for several model sizes, with the peak measured in the same run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Measure training throughput (tokens/s, FLOP/s, MFU) of dense models of several sizes.")
public final class BenchTrainCommand implements Callable<Integer> {

    @Option(names = "--sizes", split = ",", paramLabel = "D:L:H",
            description = "Model sizes as width:layers:heads (default 64:1:4,128:3:4,256:4:8,384:6:6).")
    String[] sizes = {"64:1:4", "128:3:4", "256:4:8", "384:6:6"};

    @Option(names = "--seq-len", description = "Context length (default 128).")
    int seqLen = 128;

    @Option(names = "--batch", description = "Sequences per step (default 16).")
    int batch = 16;

    @Option(names = "--steps", description = "Timed steps per size after 2 warm-up steps (default 8; median reported).")
    int steps = 8;

    @Override
    public Integer call() {
        // The peak is re-measured right before each size: on a shared machine the CPU share drifts within minutes,
        // and MFU must compare a model with the matmul speed available at the same moment.
        double firstPeak = PeakFlops.measure();
        PeakFlops.store(firstPeak);
        System.out.printf("engine threads %d; fp32 matmul peak %.1f GFLOP/s at start (re-measured before each size)%n",
                PeakFlops.engineThreads(), firstPeak / 1e9);
        System.out.println("| d | layers | heads | non-emb params | seq | batch | median step s | tokens/s | GFLOP/s | peak GFLOP/s | MFU |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        boolean first = true;
        for (String size : sizes) {
            String[] f = size.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("size " + size + " is not width:layers:heads");
            }
            ModelConfig m = ModelConfig.dense(256, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), seqLen);
            double peak = first ? firstPeak : PeakFlops.measure();
            first = false;
            TrainingBenchmark.Throughput t = TrainingBenchmark.measure(m, batch, steps, peak);
            System.out.printf("| %d | %d | %d | %,d | %d | %d | %.3f | %,.0f | %.1f | %.1f | %.1f%% |%n", m.dModel(), m.layers(),
                    m.heads(), m.nonEmbeddingParams(), seqLen, batch, t.medianStepSeconds(), t.tokensPerSecond(),
                    t.flopsPerSecond() / 1e9, peak / 1e9, 100 * t.mfu());
            System.out.flush();
        }
        return 0;
    }
}
