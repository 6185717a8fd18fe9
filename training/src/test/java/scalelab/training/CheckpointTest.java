package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static Checkpoint sample() {
        return new Checkpoint("abc", 7, 3, 7, 1.5e12, 2.5, 3.5,
                List.of(new Checkpoint.NamedTensor("w", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})),
                List.of(new float[] {.1f, .2f, .3f, .4f, .5f, .6f}), List.of(new float[] {1e-3f, 0, 0, 0, 0, 2e-3f}),
                new float[] {5f, 4f, 3f, 2.5f, 2.4f, 2.3f, 2.2f}, List.of(new Checkpoint.EvalPoint(5, 2.4, 3.46)));
    }

    @Test
    void roundTripsExactly(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve(Checkpoint.FILE_NAME);
        Checkpoint c = sample();
        c.write(file);
        Checkpoint back = Checkpoint.read(file);
        assertEquals(c.specHash(), back.specHash());
        assertEquals(c.step(), back.step());
        assertEquals(c.countedFlops(), back.countedFlops());
        assertArrayEquals(c.parameters().get(0).values(), back.parameters().get(0).values());
        assertArrayEquals(c.parameters().get(0).shape(), back.parameters().get(0).shape());
        assertArrayEquals(c.secondMoments().get(0), back.secondMoments().get(0));
        assertArrayEquals(c.trainLosses(), back.trainLosses());
        assertEquals(c.evals(), back.evals());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "no temp file left behind");
        }
    }

    @Test
    void truncatedFileIsRejectedNotHalfLoaded(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve(Checkpoint.FILE_NAME);
        sample().write(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
    }
}
