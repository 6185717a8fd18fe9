package scalelab.registry.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The published data sets bundled in examples/data are intact: row counts, and byte-identical to ../shared/data when present. */
class BundledDataTest {
    private static final Map<String, Integer> ROWS = Map.of(
            "chinchilla-isoflops.csv", 124, "chinchilla-raw-with-outliers.csv", 245, "fineweb-c4-isoflops.csv", 176);

    @Test
    void bundledCopiesMatchTheSharedReferenceData() throws Exception {
        Path repo = Path.of(System.getProperty("scalelab.repoRoot"));
        Path shared = repo.resolve("../shared/data").normalize();
        for (var e : ROWS.entrySet()) {
            Path bundled = repo.resolve("examples/data").resolve(e.getKey());
            assertEquals(e.getValue(), RunTableReader.read(bundled).rows().size(), e.getKey());
            Path reference = shared.resolve(e.getKey());
            if (Files.isRegularFile(reference)) {
                assertArrayEquals(Files.readAllBytes(reference), Files.readAllBytes(bundled), e.getKey() + " differs from " + reference);
            }
        }
        assertTrue(Files.isDirectory(repo.resolve("examples/data")));
    }
}
