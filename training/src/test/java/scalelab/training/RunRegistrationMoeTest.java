package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.moe.MoeTarget;
import scalelab.registry.MoeConfig;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;

/** A run scalelab trains is registered with its expert configuration, which the MoE laws then read from the registry. */
class RunRegistrationMoeTest {
    private static final ModelConfig MOE = ModelConfig.moe(256, 128, 4, 4, 128, 4, 2, 2);
    private static final RunSpec MOE_SPEC = new RunSpec("target", MOE, 16, 1000, 1e-3, 0.1, 0.05, "cosine", 1.0, 1, "default",
            "byte", 1e14, "quantile", 0, 0);
    private static final RunSpec DENSE_SPEC = new RunSpec("d", ModelConfig.dense(256, 64, 2, 4, 64), 8, 10, 1e-3, 0.1, 0.05,
            "cosine", 1.0, 1, "default", "byte", 0, "none", 0, 0);

    @Test
    void anMoeSpecCarriesItsExpertConfigurationAndTarget() {
        MoeConfig c = RunRegistration.moeConfig(MOE_SPEC);
        assertEquals(new MoeConfig(4, 2, 2.0, "quantile"), c, "granularity 4·d / d_expert = 4·128 / 256");
        assertEquals(new MoeTarget(4, 2, 2.0, MOE.activeParams(), 1000.0 * 16 * 128),
                c.target(MOE.activeParams(), MOE_SPEC.tokens()));
        assertEquals("moe-e4-k2-g2-quantile", c.family());
        assertNull(RunRegistration.moeConfig(DENSE_SPEC));
    }

    @Test
    void theRegistryKeepsTheConfigurationOfARegisteredRun(@TempDir Path dir) {
        try (Registry r = Registry.open(dir.resolve("r.duckdb"))) {
            long moe = RunRegistration.started(r, "lad", MOE_SPEC);
            long dense = RunRegistration.started(r, "lad", DENSE_SPEC);
            RunRecord stored = r.run(moe).orElseThrow();
            assertEquals("moe", stored.architecture());
            assertEquals(new MoeConfig(4, 2, 2.0, "quantile"), stored.moe());
            assertNull(r.run(dense).orElseThrow().moe());
        }
    }
}
