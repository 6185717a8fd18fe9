package scalelab.training;

import java.nio.file.Path;

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
}
