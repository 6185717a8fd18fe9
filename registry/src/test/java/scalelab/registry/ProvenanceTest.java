package scalelab.registry;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {
    @TempDir
    Path dir;

    @Test
    void codeVersionIsTheGitCommitOrUnknown() {
        String saved = System.getProperty("scalelab.home");
        try {
            System.setProperty("scalelab.home", System.getProperty("scalelab.repoRoot", ".."));
            assertTrue(Provenance.codeVersion().matches("[0-9a-f]{40}(-dirty)?"), Provenance.codeVersion());
            System.setProperty("scalelab.home", dir.toString());
            assertEquals("unknown", Provenance.codeVersion(), "outside a git checkout");
        } finally {
            if (saved == null) {
                System.clearProperty("scalelab.home");
            } else {
                System.setProperty("scalelab.home", saved);
            }
        }
        assertFalse(Provenance.author().isBlank());
    }
}
