package scalelab.training.moe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Times forward + backward of {@link MoeFeedForward} against a dense GELU MLP of the same active width (k·dExpert),
 * on one batch of tokens, and the host-side routing alone. Figures are medians over repeats (the machine is shared).
 */
public final class MoeBench {

    /** One benchmark configuration. */
    public record Case(int tokens, int dModel, int experts, int topK, int dExpert) {
    }

    /**
     * Medians in milliseconds for one case and balancing setting.
     *
     * @param moeMs      MoE layer forward + backward
     * @param denseMs    dense MLP d → k·dExpert → d forward + backward
     * @param routingMs  host-side routing decision alone (included in moeMs)
     * @param activeMatmulFlops 6·tokens·(router + k experts' weights): training FLOPs counted for the MoE layer
     */
    public record Result(Case shape, String balancing, double moeMs, double denseMs, double routingMs,
                         double activeMatmulFlops, double paddingFraction) {

        public double moeGflops() {
            return activeMatmulFlops / (moeMs * 1e6);
        }

        public double denseGflops() {
            double dense = 6.0 * shape.tokens() * 2.0 * shape.dModel() * shape.topK() * shape.dExpert();
            return dense / (denseMs * 1e6);
        }
    }

    /** The sizes a CPU ladder uses: 16 × 128 tokens, d from 128 to 256, 4–8 experts. */
    public static final List<Case> DEFAULT_CASES = List.of(
            new Case(2048, 128, 4, 2, 256),
            new Case(2048, 256, 8, 2, 256),
            new Case(2048, 256, 4, 1, 1024));

    private MoeBench() {
    }

    public static List<Result> run(List<Case> cases, int repeats) {
        List<Result> results = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            for (Case c : cases) {
                double denseMs = timeDense(root, c, repeats);
                String[] settings = {"aux dropless", "aux cf=1.25", "quantile"};
                for (String setting : settings) {
                    Balancing balancing = setting.startsWith("aux") ? Balancing.AUX : Balancing.QUANTILE;
                    double cf = setting.endsWith("1.25") ? 1.25 : 0;
                    MoeFeedForward layer = new MoeFeedForward(c.dModel(), c.experts(), c.topK(), c.dExpert(), balancing, cf, 0.01);
                    try (NDManager model = root.newSubManager()) {
                        layer.initialize(model, DataType.FLOAT32, new Shape(1, c.dModel()));
                        double[] padding = {0};
                        double moeMs = time(repeats, () -> {
                            try (NDManager step = model.newSubManager()) {
                                NDArray x = step.randomNormal(new Shape(c.tokens(), c.dModel()));
                                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                                    MoeOutput out = layer.forward(x, true);
                                    collector.backward(out.output().square().mean().add(out.auxLoss()));
                                    padding[0] = out.stats().paddingFraction();
                                }
                                closeGradients(layer, step);
                            }
                        });
                        double routingMs = timeRouting(c, balancing, cf, repeats);
                        double active = 6.0 * c.tokens() * ((double) c.dModel() * c.experts() + 2.0 * c.topK() * c.dModel() * c.dExpert());
                        results.add(new Result(c, setting, moeMs, denseMs, routingMs, active, padding[0]));
                    }
                }
            }
        }
        return results;
    }

    private static double timeDense(NDManager root, Case c, int repeats) {
        int width = c.topK() * c.dExpert();
        try (NDManager model = root.newSubManager()) {
            NDArray w1 = model.randomNormal(0, (float) (1 / Math.sqrt(c.dModel())), new Shape(c.dModel(), width), DataType.FLOAT32);
            NDArray w2 = model.randomNormal(0, (float) (1 / Math.sqrt(width)), new Shape(width, c.dModel()), DataType.FLOAT32);
            w1.setRequiresGradient(true);
            w2.setRequiresGradient(true);
            return time(repeats, () -> {
                try (NDManager step = model.newSubManager()) {
                    NDArray x = step.randomNormal(new Shape(c.tokens(), c.dModel()));
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray y = Activation.gelu(x.matMul(w1)).matMul(w2);
                        collector.backward(y.square().mean());
                    }
                    w1.getGradient().attach(step);
                    w2.getGradient().attach(step);
                }
            });
        }
    }

    /** Gradient wrappers are created on the parameters' manager: move them to the step so they are freed. */
    private static void closeGradients(MoeFeedForward layer, NDManager step) {
        layer.getParameters().values().forEach(p -> p.getArray().getGradient().attach(step));
    }

    private static double timeRouting(Case c, Balancing balancing, double cf, int repeats) {
        Random random = new Random(1);
        float[] scores = new float[c.tokens() * c.experts()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) (0.3 * random.nextGaussian());
        }
        float[] probs = softmaxRows(scores, c.experts());
        return time(repeats, () -> {
            if (balancing == Balancing.QUANTILE) {
                ExpertRouting.balanced(scores, c.tokens(), c.experts(), c.topK());
            } else {
                ExpertRouting.topK(probs, c.tokens(), c.experts(), c.topK(), cf);
            }
        });
    }

    private static float[] softmaxRows(float[] logits, int width) {
        float[] p = new float[logits.length];
        for (int row = 0; row < logits.length; row += width) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                max = Math.max(max, logits[row + j]);
            }
            double sum = 0;
            for (int j = 0; j < width; j++) {
                sum += Math.exp(logits[row + j] - max);
            }
            for (int j = 0; j < width; j++) {
                p[row + j] = (float) (Math.exp(logits[row + j] - max) / sum);
            }
        }
        return p;
    }

    /** Median wall time in ms of {@code repeats} runs after 3 warm-up runs. */
    private static double time(int repeats, Runnable body) {
        for (int i = 0; i < 3; i++) {
            body.run();
        }
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            body.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /** The results as a markdown table. */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| tokens | d | E | k | d_expert | balancing | MoE fwd+bwd ms | routing ms | padding | MoE GFLOP/s (active) | dense k·d_expert fwd+bwd ms | dense GFLOP/s |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Result r : results) {
            Case c = r.shape();
            sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %s | %.1f | %.2f | %.0f%% | %.1f | %.1f | %.1f |%n",
                    c.tokens(), c.dModel(), c.experts(), c.topK(), c.dExpert(), r.balancing(), r.moeMs(), r.routingMs(),
                    100 * r.paddingFraction(), r.moeGflops(), r.denseMs(), r.denseGflops()));
        }
        return sb.toString();
    }

    /** GFLOP/s of a plain fp32 1024³ matrix multiply through the same engine (median), the reference for the table. */
    public static double matmulGflops(int repeats) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.randomNormal(new Shape(1024, 1024));
            NDArray b = manager.randomNormal(new Shape(1024, 1024));
            double ms = time(repeats, () -> {
                try (NDManager step = manager.newSubManager()) {
                    NDArray c = a.matMul(b);
                    c.attach(step);
                }
            });
            return 2.0 * 1024 * 1024 * 1024 / (ms * 1e6);
        }
    }

    /** {@code MoeBench [repeats]}: prints the matmul reference and the table for {@link #DEFAULT_CASES}. */
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        System.out.println("engine threads: " + System.getProperty("ai.djl.pytorch.num_threads", "default (cores)")
                + ", cores: " + Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "fp32 1024^3 matmul: %.1f GFLOP/s%n", matmulGflops(repeats));
        System.out.print(table(run(DEFAULT_CASES, repeats)));
    }
}
