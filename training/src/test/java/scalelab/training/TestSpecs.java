package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import scalelab.training.model.TransformerLM;
import scalelab.training.optim.AdamW;

/** Small specs and paths shared by the training tests. */
final class TestSpecs {
    private TestSpecs() {}

    static Path repoRoot() {
        return Path.of(System.getProperty("scalelab.repoRoot", "..")).toAbsolutePath().normalize();
    }

    /** The committed Moby-Dick fixture (public domain, 34 chapters, ~390 KB). */
    static Path fixtureCorpus() {
        return repoRoot().resolve("examples/corpus-fixture/moby-dick");
    }

    static RunSpec dense(ModelConfig model, int batch, long steps, double lr, long seed, String corpus) {
        return new RunSpec("test", model, batch, steps, lr, 0.1, 0.1, "cosine", 1.0, seed, corpus, "byte", 0, "none", 0, 0);
    }

    /** An MoE run; aux balancing uses the Switch coefficient 0.01, both balancers route dropless (capacity 0). */
    static RunSpec moe(ModelConfig model, String balance, int batch, long steps, double lr, long seed, String corpus) {
        return new RunSpec("test-moe-" + balance, model, batch, steps, lr, 0.1, 0.1, "cosine", 1.0, seed, corpus, "byte", 0,
                balance, 0, "aux".equals(balance) ? 0.01 : 0);
    }

    static RunSpec tiny(long steps, String corpus) {
        return dense(ModelConfig.dense(256, 32, 2, 4, 32), 4, steps, 3e-3, 1, corpus);
    }

    /** Runs four optimiser steps of {@code spec}'s model and asserts the last three left no arrays behind. */
    static void assertTrainingStepsLeakNoArrays(RunSpec spec) {
        try (NDManager manager = NDManager.newBaseManager();
             TransformerLM model = new TransformerLM(spec, manager);
             AdamW optimizer = new AdamW(model.parameters(), manager, 0.1, 1.0)) {
            long[] windows = new long[spec.batchSize() * (spec.model().seqLen() + 1)];
            for (int i = 0; i < windows.length; i++) {
                windows[i] = (i * 31) % 256;
            }
            Trainer.step(model, optimizer, windows, spec.batchSize(), 1e-3, manager);
            int modelArrays = model.liveArraysOnModelManager();
            int rootArrays = manager.getManagedArrays().size();
            for (int s = 0; s < 3; s++) {
                Trainer.step(model, optimizer, windows, spec.batchSize(), 1e-3, manager);
            }
            assertEquals(modelArrays, model.liveArraysOnModelManager(), "arrays leaked onto the parameter manager");
            assertEquals(rootArrays, manager.getManagedArrays().size(), "arrays leaked onto the root manager");
        }
    }
}
