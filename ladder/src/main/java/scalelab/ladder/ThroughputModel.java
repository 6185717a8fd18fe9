package scalelab.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import scalelab.training.ModelConfig;

/**
 * Training throughput on this machine as a function of model size, for wall-time estimates. Throughput is expressed
 * the way it is measured: 6·N_active·tokens/s ("6N FLOP/s"), interpolated linearly in ln N_active between measured
 * points and held constant outside them; each run also pays a fixed start-up cost (JVM, engine, data).
 *
 * <p>Source: a cached {@code bench train} result, a JSON file
 * {@code {"source": "...", "startupSeconds": 5, "points": [{"activeParams": 50000, "flopsPerSecond": 3.9e10}, ...]}}
 * at {@code $SCALELAB_BENCH_TRAIN}, else {@code ~/.scalelab/bench-train.json}; when neither exists, the default below
 * (medians measured on a 2-core AVX-512 machine, fp32, seq 128, vocab 256 — docs/djl-notes.md).
 */
public record ThroughputModel(String source, double startupSeconds, List<Point> points) {

    public record Point(double activeParams, double flopsPerSecond) {}

    public static final ThroughputModel DEFAULT = new ThroughputModel(
            "default figures (2-core CPU, fp32: 50k params 39 GFLOP/s, 0.6M 83 GFLOP/s, 3.2M 125 GFLOP/s)", 5.0,
            List.of(new Point(5.0e4, 3.9e10), new Point(6.0e5, 8.3e10), new Point(3.2e6, 1.25e11)));

    public ThroughputModel {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a throughput model needs at least one measured point");
        }
        points = points.stream().sorted(Comparator.comparingDouble(Point::activeParams)).toList();
    }

    /** The cached `bench train` result if there is one, else {@link #DEFAULT}. */
    public static ThroughputModel load() {
        String env = System.getenv("SCALELAB_BENCH_TRAIN");
        Path file = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".scalelab", "bench-train.json");
        return Files.isRegularFile(file) ? read(file) : DEFAULT;
    }

    public static ThroughputModel read(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            List<Point> pts = new ArrayList<>();
            for (JsonNode p : root.path("points")) {
                double n = p.path("activeParams").asDouble(Double.NaN);
                double f = p.path("flopsPerSecond").asDouble(Double.NaN);
                if (!(n > 0) || !(f > 0)) {
                    throw new IllegalArgumentException(file + ": every point needs positive activeParams and flopsPerSecond");
                }
                pts.add(new Point(n, f));
            }
            return new ThroughputModel(file + " (" + root.path("source").asText("bench train") + ")",
                    root.path("startupSeconds").asDouble(DEFAULT.startupSeconds), pts);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read throughput figures: " + e.getMessage(), e);
        }
    }

    /** 6N FLOP/s expected for a model with this many active parameters. */
    public double flopsPerSecond(double activeParams) {
        if (activeParams <= points.get(0).activeParams()) {
            return points.get(0).flopsPerSecond();
        }
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1);
            Point b = points.get(i);
            if (activeParams <= b.activeParams()) {
                double t = Math.log(activeParams / a.activeParams()) / Math.log(b.activeParams() / a.activeParams());
                return a.flopsPerSecond() + t * (b.flopsPerSecond() - a.flopsPerSecond());
            }
        }
        return points.get(points.size() - 1).flopsPerSecond();
    }

    public double estimateSeconds(ModelConfig model, long tokens) {
        double n = model.activeParams();
        return startupSeconds + 6.0 * n * tokens / flopsPerSecond(n);
    }
}
