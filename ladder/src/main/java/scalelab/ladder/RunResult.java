package scalelab.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the trainer wrote to RUN_DIR/result.json when a run finished (the trainer contract: written atomically, at
 * least these fields). {@link #read} accepts only a finished result for the expected spec hash with finite numbers.
 */
public record RunResult(String specHash, String status, double finalLoss, double bestLoss, double countedFlops,
                        double plannedFlops, long tokens, double wallSeconds, String json) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The finished result for {@code expectedHash} in {@code file}, or null when there is none (absent, other spec, not finished). */
    public static RunResult read(Path file, String expectedHash) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            String text = Files.readString(file);
            JsonNode n = JSON.readTree(text);
            if (n == null || !expectedHash.equals(n.path("specHash").asText()) || !"finished".equals(n.path("status").asText())) {
                return null;
            }
            RunResult r = new RunResult(n.path("specHash").asText(), n.path("status").asText(), n.path("finalLoss").asDouble(Double.NaN),
                    n.path("bestLoss").asDouble(Double.NaN), n.path("countedFlops").asDouble(Double.NaN),
                    n.path("plannedFlops").asDouble(Double.NaN), n.path("tokens").asLong(-1), n.path("wallSeconds").asDouble(Double.NaN), text);
            if (!Double.isFinite(r.finalLoss) || !Double.isFinite(r.bestLoss) || !(r.countedFlops > 0) || r.tokens <= 0) {
                throw new IllegalStateException(file + ": finished result with missing or non-finite loss, FLOPs or tokens");
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(file + ": unreadable result: " + e.getMessage(), e);
        }
    }
}
