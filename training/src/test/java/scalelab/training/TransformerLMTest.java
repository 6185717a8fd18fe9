package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import scalelab.training.model.Parameter;
import scalelab.training.model.TransformerLM;
import scalelab.training.optim.AdamW;

class TransformerLMTest {

    private static float[] logits(TransformerLM model, long[] tokens, NDManager manager) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray in = sub.create(tokens, new Shape(1, tokens.length));
            return model.forward(in, false).logits().toFloatArray();
        }
    }

    private static void assertCausal(ModelConfig config) {
        RunSpec spec = TestSpecs.dense(config, 2, 1, 1e-3, 5, "unused");
        try (NDManager manager = NDManager.newBaseManager(); TransformerLM model = new TransformerLM(spec, manager)) {
            Random random = new Random(3);
            long[] tokens = new long[config.seqLen()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(config.vocabSize());
            }
            float[] before = logits(model, tokens, manager);
            int changed = config.seqLen() / 2;
            tokens[changed] = (tokens[changed] + 17) % config.vocabSize();
            float[] after = logits(model, tokens, manager);
            int v = config.vocabSize();
            for (int pos = 0; pos < config.seqLen(); pos++) {
                float[] a = java.util.Arrays.copyOfRange(before, pos * v, (pos + 1) * v);
                float[] b = java.util.Arrays.copyOfRange(after, pos * v, (pos + 1) * v);
                if (pos < changed) {
                    assertArrayEquals(a, b, 0f, "logits at position " + pos + " changed when token " + changed + " changed");
                } else if (pos == changed) {
                    assertFalse(java.util.Arrays.equals(a, b), "the changed token must change its own logits");
                }
            }
        }
    }

    @Test
    void changingTokenTLeavesEarlierLogitsBitIdenticalWithRotary() {
        assertCausal(ModelConfig.dense(256, 32, 2, 4, 24));
    }

    @Test
    void changingTokenTLeavesEarlierLogitsBitIdenticalWithLearnedPositionsAndTiedHead() {
        assertCausal(new ModelConfig(256, 32, 2, 2, 128, 24, 1, 1, 0, true, true));
    }

    /** FLOPs and parameter counts re-derived from the shapes of the arrays the model actually allocated. */
    @Test
    void flopsAndParameterCountsFollowTheAllocatedShapes() {
        for (ModelConfig config : new ModelConfig[] {
                ModelConfig.dense(256, 48, 3, 4, 40),
                new ModelConfig(256, 32, 2, 2, 96, 16, 1, 1, 0, true, true),
                ModelConfig.moe(256, 48, 3, 4, 40, 4, 2, 2),
                new ModelConfig(256, 32, 2, 2, 128, 16, 8, 1, 24, true, true)}) {
            RunSpec spec = config.isMoe() ? TestSpecs.moe(config, "quantile", 2, 7, 1e-3, 1, "unused")
                    : TestSpecs.dense(config, 2, 7, 1e-3, 1, "unused");
            try (NDManager manager = NDManager.newBaseManager(); TransformerLM model = new TransformerLM(spec, manager)) {
                long total = 0;
                long nonEmbedding = 0;
                long matmulWeights = 0;
                long inactiveExpertWeights = 0;
                long d = 0;
                for (Parameter p : model.parameters()) {
                    long[] shape = p.array().getShape().getShape();
                    long size = p.array().getShape().size();
                    total += size;
                    boolean lookup = p.name().startsWith("embedding.");
                    boolean head = p.name().equals("head");
                    if (!lookup && !head) {
                        nonEmbedding += size;
                    }
                    if (shape.length == 2 && !lookup) {
                        matmulWeights += shape[0] * shape[1]; // every token multiplies through it once (router too)
                    }
                    if (shape.length == 3) {
                        // stacked experts [E, rows, cols]: a token multiplies through top_k of the E slices
                        long perExpert = shape[1] * shape[2];
                        matmulWeights += config.topK() * perExpert;
                        inactiveExpertWeights += (shape[0] - config.topK()) * perExpert;
                    }
                    if (p.name().equals("embedding.tokens")) {
                        d = shape[1];
                        if (config.tiedEmbeddings()) {
                            matmulWeights += shape[0] * shape[1]; // the tied head multiplies through the embedding
                        }
                    }
                }
                long layers = model.parameters().stream().filter(p -> p.name().endsWith(".attn.qkv")).count();
                double independent = 6.0 * matmulWeights + 12.0 * layers * d * config.seqLen();
                assertEquals(independent, config.trainingFlopsPerToken(), 1e-9 * independent);
                assertEquals(config.totalParams(), total);
                assertEquals(config.nonEmbeddingParams(), nonEmbedding);
                assertEquals(config.activeParams(), nonEmbedding - inactiveExpertWeights);
                assertEquals(independent * spec.tokens(), spec.flops(), 1e-9 * spec.flops());
            }
        }
    }

    @Test
    void trainingStepsLeakNoArrays() {
        ModelConfig config = ModelConfig.dense(256, 32, 2, 4, 16);
        RunSpec spec = TestSpecs.dense(config, 2, 10, 1e-3, 1, "unused");
        TestSpecs.assertTrainingStepsLeakNoArrays(spec);
    }

    @Test
    void gradientsReachEveryParameter() {
        ModelConfig config = ModelConfig.dense(256, 32, 2, 4, 16);
        RunSpec spec = TestSpecs.dense(config, 2, 10, 1e-3, 1, "unused");
        try (NDManager manager = NDManager.newBaseManager();
             TransformerLM model = new TransformerLM(spec, manager);
             AdamW optimizer = new AdamW(model.parameters(), manager, 0.0, 0.0)) {
            float[][] before = model.parameters().stream().map(p -> p.array().toFloatArray()).toArray(float[][]::new);
            long[] windows = new long[2 * 17];
            for (int i = 0; i < windows.length; i++) {
                windows[i] = (i * 7 + 3) % 256;
            }
            Trainer.step(model, optimizer, windows, 2, 1e-2, manager);
            for (int i = 0; i < before.length; i++) {
                Parameter p = model.parameters().get(i);
                assertFalse(java.util.Arrays.equals(before[i], p.array().toFloatArray()), p.name() + " did not move");
            }
            assertTrue(optimizer.stepsTaken() == 1);
        }
    }
}
