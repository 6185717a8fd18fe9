package scalelab.training.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;

/** The MoE layer on the PyTorch engine: parameter shapes, balancing, gradients, exact outputs, memory. */
class MoeFeedForwardTest {

    private static final int D = 16;
    private static final int EXPERTS = 4;
    private static final int D_EXPERT = 32;

    private static NDManager root;

    @BeforeAll
    static void engine() {
        Engine.getInstance().setRandomSeed(1234);
        root = NDManager.newBaseManager();
    }

    @AfterAll
    static void release() {
        root.close();
    }

    private static MoeFeedForward layer(NDManager manager, int topK, Balancing balancing, double capacityFactor, double coef) {
        MoeFeedForward layer = new MoeFeedForward(D, EXPERTS, topK, D_EXPERT, balancing, capacityFactor, coef);
        layer.initialize(manager, DataType.FLOAT32, new Shape(1, D));
        return layer;
    }

    /** Router weights favouring expert 0 strongly and expert 1 next, for inputs with a positive mean. */
    private static void skewRouter(MoeFeedForward layer, float first, float second) {
        float[] w = new float[D * EXPERTS];
        for (int i = 0; i < D; i++) {
            w[i * EXPERTS] = first;
            w[i * EXPERTS + 1] = second;
        }
        layer.router().getArray().set(w);
    }

    private static NDArray positiveMeanBatch(NDManager manager, int batch, int time) {
        return manager.randomNormal(new Shape(batch, time, D)).add(1f);
    }

    @Test
    void parameterShapesMatchModelConfigCounts() {
        ModelConfig model = new ModelConfig(256, D, 1, 4, 4 * D, 64, EXPERTS, 2, D_EXPERT, false, false);
        RunSpec spec = new RunSpec("t", model, 4, 10, 1e-3, 0.1, 0.1, "cosine", 1.0, 1, "default", "byte", 0,
                "quantile", 0, 0.01);
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = MoeFeedForward.of(model, spec);
            layer.initialize(manager, DataType.FLOAT32, new Shape(1, D));
            long stored = 0;
            for (Parameter p : layer.getParameters().values()) {
                stored += p.getArray().size();
            }
            assertEquals(layer.parameterCount(), stored);
            // One block's non-embedding params minus attention (4d²) and its two LayerNorms plus the final one (3·2d)
            // leaves the MoE layer: ModelConfig's count of what this layer must hold.
            long attentionAndNorms = 4L * D * D + 3L * 2 * D;
            assertEquals(model.nonEmbeddingParams() - attentionAndNorms, stored);
            // Active: router + top-k experts' slices of the stacked matrices.
            long perExpert = (layer.expertIn().getArray().size() + layer.expertOut().getArray().size()) / EXPERTS;
            long routerSize = layer.router().getArray().size();
            assertEquals(model.activeParams() - attentionAndNorms, routerSize + model.topK() * perExpert);
            assertArrayEquals(new long[] {D, EXPERTS}, layer.router().getArray().getShape().getShape());
            assertEquals(Balancing.QUANTILE, layer.balancing());
        }
    }

    @Test
    void quantileBalancingFeedsEveryExpertDespiteASkewedRouter() {
        try (NDManager manager = root.newSubManager()) {
            NDArray x = positiveMeanBatch(manager, 4, 32);
            MoeFeedForward aux = layer(manager, 2, Balancing.AUX, 0, 0.01);
            skewRouter(aux, 0.5f, 0.4f);
            RoutingStats skewed = aux.forward(x, true).stats();
            // The skew is real: plain top-2 starves experts 2 and 3.
            assertTrue(skewed.minShareTimesExperts() < 0.5, "router not skewed: " + skewed);

            MoeFeedForward quantile = layer(manager, 2, Balancing.QUANTILE, 0, 0);
            skewRouter(quantile, 0.5f, 0.4f);
            MoeOutput out = quantile.forward(x, true);
            double[] shares = out.stats().shares();
            for (int e = 0; e < EXPERTS; e++) {
                assertTrue(shares[e] >= 0.5 / EXPERTS, "expert " + e + " share " + shares[e]);
            }
            // 128 tokens × 2 choices over 4 experts: exactly 64 each, nothing dropped, no aux loss.
            assertArrayEquals(new int[] {64, 64, 64, 64}, out.stats().choicesPerExpert());
            assertEquals(0.0, out.stats().droppedFraction());
            assertEquals(0f, out.auxLoss().getFloat());
            assertEquals(out.stats(), quantile.lastStats());
            // Evaluation routes each token alone by top-k of s − β with the batch's dual biases: still balanced
            // (up to tokens tied at the margin), where a layer that never trained (β = 0) shows the raw skew.
            RoutingStats evaluated = quantile.forward(x, false).stats();
            assertTrue(evaluated.minShareTimesExperts() > 0.9, "biased evaluation routing unbalanced: " + evaluated);
            // A router so extreme that the probabilities of experts 2 and 3 underflow to 0 in float32: the tokens
            // the assignment hands to them must still get finite gates and outputs.
            skewRouter(quantile, 20f, 19f);
            for (float v : quantile.forward(x, true).output().toFloatArray()) {
                assertTrue(Float.isFinite(v), "non-finite output under extreme skew");
            }
            MoeFeedForward untrained = layer(manager, 2, Balancing.QUANTILE, 0, 0);
            skewRouter(untrained, 0.5f, 0.4f);
            assertTrue(untrained.forward(x, false).stats().minShareTimesExperts() < 0.5);
        }
    }

    @Test
    void gradientsReachTheRouterAndEveryExpertWithBothBalancingMethods() {
        for (Balancing balancing : Balancing.values()) {
            for (int topK = 1; topK <= 2; topK++) {
                try (NDManager manager = root.newSubManager()) {
                    MoeFeedForward layer = layer(manager, topK, balancing, 0, 0.01);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        MoeOutput out = layer.forward(manager.randomNormal(new Shape(4, 32, D)), true);
                        assertEquals(new Shape(4, 32, D), out.output().getShape());
                        assertEquals(new Shape(), out.auxLoss().getShape());
                        // A loss with a nonzero gradient everywhere.
                        NDArray target = manager.randomNormal(new Shape(4, 32, D));
                        collector.backward(out.output().sub(target).square().mean().add(out.auxLoss()));
                    }
                    String where = balancing + " k=" + topK;
                    assertTrue(gradientNorm(layer.router(), manager, -1) > 0, "router gradient is zero, " + where);
                    for (int e = 0; e < EXPERTS; e++) {
                        assertTrue(gradientNorm(layer.expertIn(), manager, e) > 0, "expert " + e + " input grad zero, " + where);
                        assertTrue(gradientNorm(layer.expertOut(), manager, e) > 0, "expert " + e + " output grad zero, " + where);
                    }
                }
            }
        }
    }

    /** L2 norm of a parameter's gradient (slice {@code expert} of a stacked parameter, or all when -1). */
    private static double gradientNorm(Parameter p, NDManager scratch, int expert) {
        NDArray g = p.getArray().getGradient();
        g.attach(scratch); // getGradient() wraps the gradient on the parameter's manager: move the wrapper off it
        NDArray part = expert < 0 ? g : g.get(expert);
        return part.square().sum().getFloat();
    }

    @Test
    void auxLossIsOneWhenBalancedAndLargerWhenSkewed() {
        try (NDManager manager = root.newSubManager()) {
            // Balanced: token t is a large multiple of basis vector (t mod E), and router = identity on the first E
            // dimensions, so routing splits tokens evenly (f_e = 1/E) with symmetric probabilities (P_e = 1/E).
            MoeFeedForward layer = layer(manager, 1, Balancing.AUX, 0, 0.5);
            float[] w = new float[D * EXPERTS];
            for (int e = 0; e < EXPERTS; e++) {
                w[e * EXPERTS + e] = 1f;
            }
            layer.router().getArray().set(w);
            int tokens = 4 * EXPERTS;
            float[] x = new float[tokens * D];
            for (int t = 0; t < tokens; t++) {
                x[t * D + t % EXPERTS] = 3f;
            }
            MoeOutput balanced = layer.forward(manager.create(x, new Shape(tokens, D)), true);
            assertEquals(1.0, balanced.stats().balanceFactor(), 1e-6);
            assertEquals(0.5, balanced.auxLoss().getFloat(), 1e-6); // coefficient 0.5 × 1

            // Skewed: hand-computed E·Σ f_e·P_e from the router's own probabilities.
            skewRouter(layer, 0.3f, 0f);
            NDArray batch = positiveMeanBatch(manager, 2, 16);
            MoeOutput skewed = layer.forward(batch, true);
            float[] probs = batch.reshape(-1, D).matMul(layer.router().getArray()).softmax(1).toFloatArray();
            int n = probs.length / EXPERTS;
            double[] f = new double[EXPERTS];
            double[] meanP = new double[EXPERTS];
            for (int t = 0; t < n; t++) {
                int best = 0;
                for (int e = 0; e < EXPERTS; e++) {
                    meanP[e] += probs[t * EXPERTS + e] / n;
                    if (probs[t * EXPERTS + e] > probs[t * EXPERTS + best]) {
                        best = e;
                    }
                }
                f[best] += 1.0 / n;
            }
            double expected = 0;
            for (int e = 0; e < EXPERTS; e++) {
                expected += EXPERTS * f[e] * meanP[e];
            }
            assertTrue(expected > 2, "skew too weak: " + expected);
            assertEquals(expected, skewed.stats().balanceFactor(), 1e-4);
            assertEquals(0.5 * expected, skewed.auxLoss().getFloat(), 1e-4);
        }
    }

    @Test
    void auxLossAloneRebalancesASkewedRouterUnderSgd() {
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = layer(manager, 1, Balancing.AUX, 0, 1.0);
            skewRouter(layer, 0.15f, 0f);
            float[] values = gaussian(new Random(3), 256 * D);
            for (int i = 0; i < values.length; i++) {
                values[i] += 1f;
            }
            NDArray data = manager.create(values, new Shape(256, D));
            int steps = 200;
            int tail = 50;
            double firstBalance = 0;
            double firstMaxShare = 0;
            double tailBalance = 0;
            double tailMaxShare = 0;
            for (int step = 0; step < steps; step++) {
                try (NDManager stepManager = manager.newSubManager()) {
                    NDArray x = data.duplicate();
                    x.attach(stepManager);
                    MoeOutput out;
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        out = layer.forward(x, true);
                        collector.backward(out.auxLoss());
                    }
                    if (step == 0) {
                        firstBalance = out.stats().balanceFactor();
                        firstMaxShare = out.stats().maxShareTimesExperts();
                    }
                    if (step >= steps - tail) {
                        tailBalance += out.stats().balanceFactor() / tail;
                        tailMaxShare += out.stats().maxShareTimesExperts() / tail;
                    }
                    sgdStep(layer, stepManager, 0.2f);
                }
            }
            // Argmax-based f_e makes the routing flip back and forth under SGD, so compare averages over the last steps.
            assertEquals(4.0, firstMaxShare, 1e-9, "start should send every token to expert 0");
            assertTrue(firstBalance > 2.5, "start balance factor " + firstBalance);
            assertTrue(tailBalance < 1.5, "aux loss did not fall: " + firstBalance + " -> " + tailBalance);
            assertTrue(tailMaxShare < 2.5, "load did not rebalance: max share x E " + firstMaxShare + " -> " + tailMaxShare);
        }
    }

    /** Plain SGD that leaves nothing on the parameters' manager, and clears the accumulated gradients. */
    private static void sgdStep(MoeFeedForward layer, NDManager stepManager, float lr) {
        for (Parameter p : layer.getParameters().values()) {
            NDArray w = p.getArray();
            NDArray g = w.getGradient();
            g.attach(stepManager);
            w.subi(g.mul(lr));
            g.subi(g);
        }
    }

    @Test
    void topTwoOutputIsTheRenormalisedGateWeightedSumOfTwoExperts() {
        int d = 4;
        int experts = 3;
        int dExpert = 3;
        Random random = new Random(5);
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = new MoeFeedForward(d, experts, 2, dExpert, Balancing.AUX, 0, 0.01);
            layer.initialize(manager, DataType.FLOAT32, new Shape(1, d));
            float[] router = gaussian(random, d * experts);
            float[] in = gaussian(random, experts * d * dExpert);
            float[] outW = gaussian(random, experts * dExpert * d);
            float[] x = gaussian(random, 2 * d);
            layer.router().getArray().set(router);
            layer.expertIn().getArray().set(in);
            layer.expertOut().getArray().set(outW);
            float[] got = layer.forward(manager.create(x, new Shape(1, 2, d)), true).output().toFloatArray();

            for (int t = 0; t < 2; t++) {
                double[] logits = new double[experts];
                double norm = 0;
                for (int e = 0; e < experts; e++) {
                    for (int i = 0; i < d; i++) {
                        logits[e] += x[t * d + i] * router[i * experts + e];
                    }
                }
                double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
                double[] p = new double[experts];
                for (int e = 0; e < experts; e++) {
                    p[e] = Math.exp(logits[e] - max);
                    norm += p[e];
                }
                int worst = 0;
                for (int e = 0; e < experts; e++) {
                    p[e] /= norm;
                    if (p[e] < p[worst]) {
                        worst = e;
                    }
                }
                double pairMass = 1 - p[worst];
                double[] expected = new double[d];
                for (int e = 0; e < experts; e++) {
                    if (e == worst) {
                        continue;
                    }
                    double gate = p[e] / pairMass;
                    for (int o = 0; o < d; o++) {
                        double y = 0;
                        for (int h = 0; h < dExpert; h++) {
                            double pre = 0;
                            for (int i = 0; i < d; i++) {
                                pre += x[t * d + i] * in[(e * d + i) * dExpert + h];
                            }
                            y += gelu(pre) * outW[(e * dExpert + h) * d + o];
                        }
                        expected[o] += gate * y;
                    }
                }
                for (int o = 0; o < d; o++) {
                    assertEquals(expected[o], got[t * d + o], 1e-5, "token " + t + " output " + o);
                }
            }
        }
    }

    /** Exact GELU x·Φ(x), Φ via erf (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
    private static double gelu(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * z);
        double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-z * z);
        double phi = 0.5 * (1 + Math.signum(x) * erf);
        return x * phi;
    }

    private static float[] gaussian(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    @Test
    void capacityFactorDropsChoicesWhichThenContributeNothing() {
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = layer(manager, 1, Balancing.AUX, 1.0, 0.01);
            skewRouter(layer, 0.5f, 0f);
            NDArray x = positiveMeanBatch(manager, 2, 16);
            MoeOutput out = layer.forward(x, true);
            int capacity = out.stats().capacity();
            assertEquals(32 / EXPERTS, capacity);
            assertTrue(out.stats().droppedFraction() > 0.5, "expected most tokens over capacity: " + out.stats());
            // Dropped tokens get a zero mixture (only the caller's residual carries them).
            float[] y = out.output().reshape(32, D).toFloatArray();
            int zeroRows = 0;
            for (int t = 0; t < 32; t++) {
                boolean zero = true;
                for (int i = 0; i < D; i++) {
                    zero &= y[t * D + i] == 0f;
                }
                zeroRows += zero ? 1 : 0;
            }
            assertEquals(Math.round(out.stats().droppedFraction() * 32), zeroRows);
        }
    }

    @Test
    void repeatedTrainingStepsLeaveNoArraysBehind() {
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward aux = layer(manager, 2, Balancing.AUX, 1.25, 0.01);
            MoeFeedForward quantile = layer(manager, 2, Balancing.QUANTILE, 0, 0);
            for (MoeFeedForward layer : new MoeFeedForward[] {aux, quantile}) {
                trainSteps(layer, manager, 2); // gradients exist from here on
                int live = manager.getManagedArrays().size();
                trainSteps(layer, manager, 8);
                assertEquals(live, manager.getManagedArrays().size(), layer.balancing() + ": arrays leaked onto the model's manager");
            }
        }
    }

    private static void trainSteps(MoeFeedForward layer, NDManager manager, int steps) {
        ParameterStore store = new ParameterStore(manager, false);
        for (int i = 0; i < steps; i++) {
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray x = stepManager.randomNormal(new Shape(2, 16, D));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    // Alternate the functional and the Block entry points: both must keep arrays on the step manager.
                    NDList out;
                    if (i % 2 == 0) {
                        MoeOutput direct = layer.forward(x, true);
                        out = new NDList(direct.output(), direct.auxLoss());
                    } else {
                        out = layer.forward(store, new NDList(x), true);
                    }
                    collector.backward(out.get(0).square().mean().add(out.get(1)));
                }
                sgdStep(layer, stepManager, 0.01f);
            }
        }
    }

    @Test
    void parametersSurviveASaveLoadRoundTrip() throws Exception {
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = layer(manager, 2, Balancing.QUANTILE, 0, 0);
            skewRouter(layer, 0.5f, 0.4f);
            NDArray x = positiveMeanBatch(manager, 3, 5);
            layer.forward(x, true); // sets the evaluation biases, which must travel with the checkpoint
            assertTrue(layer.expertBias()[0] > 0);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            layer.saveParameters(new DataOutputStream(bytes));
            MoeFeedForward copy = new MoeFeedForward(D, EXPERTS, 2, D_EXPERT, Balancing.QUANTILE, 0, 0);
            copy.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            assertArrayEquals(layer.expertBias(), copy.expertBias());
            assertArrayEquals(layer.forward(x, false).output().toFloatArray(), copy.forward(x, false).output().toFloatArray());
        }
    }

    @Test
    void rejectsBadSettingsWithClearMessages() {
        assertThrows(IllegalArgumentException.class, () -> new MoeFeedForward(D, 4, 3, 8, Balancing.AUX, 0, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new MoeFeedForward(D, 1, 1, 8, Balancing.AUX, 0, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new MoeFeedForward(D, 4, 1, 8, Balancing.AUX, -1, 0.01));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Balancing.parse("none"));
        assertTrue(e.getMessage().contains("aux or quantile"));
        try (NDManager manager = root.newSubManager()) {
            MoeFeedForward layer = layer(manager, 1, Balancing.AUX, 0, 0.01);
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(manager.zeros(new Shape(2, 3, D + 1)), true));
            assertTrue(shape.getMessage().contains("[.., 16]"), shape.getMessage());
        }
    }
}
