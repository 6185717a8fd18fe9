package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunSpecYamlTest {
    private static RunSpec spec() {
        ModelConfig m = ModelConfig.dense(256, 64, 2, 4, 64);
        return new RunSpec("r1", m, 8, 100, 1e-3, 0.1, 0.05, "cosine", 1.0, 7, "default", "byte", 1e12, "none", 0, 0);
    }

    @Test
    void roundTripsAndKeepsHash() {
        RunSpec s = spec();
        RunSpec back = RunSpecYaml.fromYaml(RunSpecYaml.toYaml(s), "t.yaml");
        assertEquals(s, back);
        assertEquals(s.specHash(), back.specHash());
    }

    @Test
    void unknownKeyIsAnErrorNamingTheKey() {
        String y = RunSpecYaml.toYaml(spec()) + "bogus: 3\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunSpecYaml.fromYaml(y, "t.yaml"));
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
    }

    @Test
    void invalidValueIsReportedWithItsReason() {
        String y = RunSpecYaml.toYaml(spec()).replace("heads: 4", "heads: 3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunSpecYaml.fromYaml(y, "t.yaml"));
        assertTrue(e.getMessage().contains("must divide"), e.getMessage());
    }

    @Test
    void aKeyGivenTwiceOrInvalidUtf8IsRefusedNamingTheLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String yaml = RunSpecYaml.toYaml(spec());
        int line = (int) yaml.lines().count() + 1;
        // the last `steps:` used to win: the run would train another length than its spec hash's
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> RunSpecYaml.fromYaml(yaml + "steps: 5\n", "t.yaml"));
        assertTrue(dup.getMessage().startsWith("t.yaml:" + line + ": ") && dup.getMessage().contains("Duplicate field 'steps'"), dup.getMessage());

        java.nio.file.Path latin1 = dir.resolve("latin1.yaml");
        java.nio.file.Files.write(latin1, yaml.replace("name: \"r1\"", "name: \"r\u00e9\"").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        IllegalArgumentException utf8 = assertThrows(IllegalArgumentException.class, () -> RunSpecYaml.read(latin1));
        assertTrue(utf8.getMessage().startsWith(latin1 + ":") && utf8.getMessage().contains("not valid UTF-8"), utf8.getMessage());
    }

    @Test
    void aWidthIsCheckedBeforeItsMlpWidthOverflows() {
        // was "d_ff must be positive, got -589934592": 4·d overflowed an int
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelConfig.dense(256, 2_000_000_000, 2, 4, 64));
        assertTrue(e.getMessage().contains("d_model must be in [1, 65536], got 2000000000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelConfig.moe(256, 2_000_000_000, 2, 4, 64, 4, 2, 1));
    }

    @Test
    void flopsFollowTheLayerShapes() {
        ModelConfig m = ModelConfig.dense(256, 64, 2, 4, 64);
        // independent count: per layer q,k,v,o (4·d²) + MLP (2·d·4d) matmul weights, plus the head d·V
        double matmul = 2 * (4.0 * 64 * 64 + 2.0 * 64 * 256) + 64.0 * 256;
        assertEquals(6 * matmul + 12.0 * 2 * 64 * 64, m.trainingFlopsPerToken(), 1e-6);
        assertEquals(2 * (4L * 64 * 64 + 2L * 64 * 256 + 4L * 64) + 2 * 64, m.nonEmbeddingParams());
    }
}
