package scalelab.ladder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.StrictInput;
import scalelab.training.ModelConfig;

/**
 * Training speed on this machine as a function of model size, for wall-time estimates. A training step of B sequences
 * of T tokens takes {@code stepSeconds + 6·N_active·B·T / flopsPerSecond}: a fixed cost per optimiser step (kernel
 * launches, AdamW over every tensor, the loss read back) plus a rate in the "6N" convention. The fixed cost is why a
 * run with small batches is slower per FLOP, and a ladder's large models at small budgets get the smallest batches.
 * Both figures are interpolated linearly in ln N_active between measured points and held constant outside them; each
 * run also pays a start-up cost (JVM, engine, data).
 *
 * <p>Source: the file {@code scalelab bench train --save} writes, at {@code $SCALELAB_BENCH_TRAIN}, else
 * {@code ~/.scalelab/bench-train.json}:
 * {@code {"source": "...", "measuredAt": "2026-...Z", "engineThreads": 2, "startupSeconds": 7,
 * "points": [{"model": "d64 L1 H4", "activeParams": 50000, "flopsPerSecond": 3.9e10, "stepSeconds": 0.005,
 * "measured": [{"batch": 4, "stepSeconds": ...}, {"batch": 16, "stepSeconds": ...}]}, ...]}}
 * (only activeParams and flopsPerSecond of each point are required; stepSeconds defaults to 0 and startupSeconds to
 * {@link #DEFAULT}'s, 7 s). When the file does not exist, the built-in {@link #DEFAULT} (whole ladder runs on a 2-core machine, fp32,
 * seq 128, vocab 256).
 */
public record ThroughputModel(String source, double startupSeconds, List<Point> points) {

    /** One model size: the marginal 6N FLOP/s of its tokens and the fixed seconds of each optimiser step. */
    public record Point(double activeParams, double flopsPerSecond, double stepSeconds) {}

    /**
     * One size as {@code bench train} measured it: median seconds per step at a small and at a larger batch (sequences of
     * {@code seqLen} tokens), from which {@link #toPoint} separates the per-step cost from the per-token rate.
     */
    public record Measured(String model, long activeParams, int seqLen, int smallBatch, double smallBatchStepSeconds,
                           int batch, double stepSeconds) {
        public Measured {
            if (activeParams <= 0 || seqLen <= 0 || smallBatch <= 0 || batch <= smallBatch) {
                throw new IllegalArgumentException("measured size " + model + " needs positive active params and seq_len and "
                        + "two batches, the second larger, got " + smallBatch + " and " + batch);
            }
            if (!(smallBatchStepSeconds > 0) || !(stepSeconds > 0) || !Double.isFinite(smallBatchStepSeconds) || !Double.isFinite(stepSeconds)) {
                throw new IllegalArgumentException("measured size " + model + " needs positive step times, got "
                        + smallBatchStepSeconds + " and " + stepSeconds);
            }
        }

        /**
         * The line through the two measurements, seconds = stepSeconds + tokens·6N / flopsPerSecond. When timing noise
         * gives a negative step cost or a small batch no faster than the large one, the step cost is taken as zero and
         * the rate from the larger batch alone (the plain tokens/s figure); {@link #fallback} says so.
         */
        public Point toPoint() {
            double secondsPerToken = lineSecondsPerToken();
            double fixed = lineStepSeconds();
            if (!(secondsPerToken > 0) || fixed < 0) {
                secondsPerToken = stepSeconds / ((double) batch * seqLen);
                fixed = 0;
            }
            return new Point(activeParams, 6.0 * activeParams / secondsPerToken, fixed);
        }

        /** Why {@link #toPoint} could not use the line through the two measurements, or "" when it did. */
        public String fallback() {
            double secondsPerToken = lineSecondsPerToken();
            if (!(secondsPerToken > 0)) {
                return String.format(java.util.Locale.ROOT, "%s: batch %d (%.4f s/step) was no faster than batch %d (%.4f s/step), "
                        + "timing noise; step cost taken as 0 and the rate from batch %d alone", model, smallBatch,
                        smallBatchStepSeconds, batch, stepSeconds, batch);
            }
            double fixed = lineStepSeconds();
            if (fixed < 0) {
                return String.format(java.util.Locale.ROOT, "%s: the fitted step cost was negative (%.4f s), timing noise; taken "
                        + "as 0 and the rate from batch %d alone", model, fixed, batch);
            }
            return "";
        }

        private double lineSecondsPerToken() {
            return (stepSeconds - smallBatchStepSeconds) / ((double) batch * seqLen - (double) smallBatch * seqLen);
        }

        private double lineStepSeconds() {
            return smallBatchStepSeconds - (double) smallBatch * seqLen * lineSecondsPerToken();
        }
    }

    /**
     * Fitted to the training seconds of the 20 runs of {@code examples/ladder-cpu.yaml} on a 2-core machine
     * (2026-12-02, BENCHMARKS.md; 16% rms error per run): one step cost for every size (the runs could not tell sizes
     * apart) and the token rate at four sizes; the 6.3M point is {@code bench train}'s d256 L8 figure from the same
     * machine, for target runs. Start-up is what those runs' wall time left after training and evaluation (mean 7 s).
     */
    public static final ThroughputModel DEFAULT = new ThroughputModel(
            "built-in default figures (fitted to ladder-cpu's 20 runs on a 2-core CPU: 0.005 s per step plus 6N FLOP/s of "
                    + "15 G at 25k params, 63 G at 0.8M)", 7.0,
            List.of(new Point(24896, 14.8e9, 0.0054), new Point(98944, 30.6e9, 0.0054), new Point(390832, 49.5e9, 0.0054),
                    new Point(788736, 63.3e9, 0.0054), new Point(6300160, 101e9, 0.041)));

    public ThroughputModel {
        if (points.isEmpty()) {
            throw new IllegalArgumentException("a throughput model needs at least one measured point");
        }
        points = points.stream().sorted(Comparator.comparingDouble(Point::activeParams)).toList();
    }

    /** Where the measured figures live: {@code $SCALELAB_BENCH_TRAIN}, else {@code ~/.scalelab/bench-train.json}. */
    public static Path defaultFile() {
        String env = System.getenv("SCALELAB_BENCH_TRAIN");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".scalelab", "bench-train.json");
    }

    /** The saved `bench train` figures if there are any, else {@link #DEFAULT}. */
    public static ThroughputModel load() {
        Path file = defaultFile();
        return Files.isRegularFile(file) ? read(file) : DEFAULT;
    }

    /** Reads a saved file; anything malformed is one error line naming the file. */
    public static ThroughputModel read(Path file) {
        JsonNode root;
        try {
            root = StrictInput.json().readTree(StrictInput.readUtf8(file));
        } catch (InputFormatException e) {
            throw bad(file, e.getMessage().substring(e.getMessage().indexOf(": ") + 2) + (e.line() > 0 ? " (line " + e.line() + ")" : ""));
        } catch (JsonProcessingException e) {
            // Jackson's message spans lines (source excerpt); keep the reason and the position only
            throw bad(file, "not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("")
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "") + ")");
        } catch (IOException e) {
            throw bad(file, "cannot be read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "expected a JSON object with a \"points\" list");
        }
        JsonNode list = root.path("points");
        if (!list.isArray() || list.isEmpty()) {
            throw bad(file, "needs a non-empty \"points\" list of {activeParams, flopsPerSecond}");
        }
        List<Point> pts = new ArrayList<>();
        for (JsonNode p : list) {
            double n = p.path("activeParams").isNumber() ? p.path("activeParams").asDouble() : Double.NaN;
            double f = p.path("flopsPerSecond").isNumber() ? p.path("flopsPerSecond").asDouble() : Double.NaN;
            if (!(n > 0) || !(f > 0) || !Double.isFinite(n) || !Double.isFinite(f)) {
                throw bad(file, "every point needs positive numbers activeParams and flopsPerSecond, got " + p);
            }
            JsonNode step = p.path("stepSeconds");
            if (!missingOrNonNegative(step)) {
                throw bad(file, "a point's stepSeconds must be a number >= 0, got " + p);
            }
            pts.add(new Point(n, f, step.isMissingNode() ? 0 : step.asDouble()));
        }
        JsonNode startup = root.path("startupSeconds");
        if (!missingOrNonNegative(startup)) {
            throw bad(file, "startupSeconds must be a number >= 0, got " + startup);
        }
        String measuredAt = root.path("measuredAt").asText("");
        String source = measuredAt.isEmpty()
                ? root.path("source").asText("measured figures") + " in " + file
                : root.path("source").asText("bench train") + " on " + measuredAt
                        + (root.path("engineThreads").isInt() ? " with " + root.path("engineThreads").asInt() + " engine threads" : "")
                        + ", saved in " + file;
        return new ThroughputModel(source, startup.isMissingNode() ? DEFAULT.startupSeconds : startup.asDouble(), pts);
    }

    /** An optional figure: absent, or a finite number >= 0. */
    private static boolean missingOrNonNegative(JsonNode n) {
        return n.isMissingNode() || (n.isNumber() && n.asDouble() >= 0 && Double.isFinite(n.asDouble()));
    }

    private static IllegalArgumentException bad(Path file, String why) {
        return new IllegalArgumentException("throughput file " + file + ": " + why
                + "; rerun `scalelab bench train --save` or delete it to use the built-in figures");
    }

    /**
     * Writes {@code bench train}'s figures where {@link #read} finds them, atomically (write-then-rename, so a plan
     * never reads half a file): per size the fitted rate (in the 6·N_active convention the estimates use, not the
     * counted FLOPs with the attention term) and step cost, and the two measurements they came from. The start-up
     * cost is not measured by the bench and is left to the default.
     */
    public static void save(Path file, List<Measured> sizes, int engineThreads, Instant measuredAt) {
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("no measured sizes to save");
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("source", "scalelab bench train");
        root.put("measuredAt", measuredAt.truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("engineThreads", engineThreads);
        ArrayNode pts = root.putArray("points");
        for (Measured m : sizes) {
            Point p = m.toPoint();
            ObjectNode o = pts.addObject().put("model", m.model()).put("activeParams", m.activeParams())
                    .put("flopsPerSecond", p.flopsPerSecond()).put("stepSeconds", p.stepSeconds());
            ArrayNode measured = o.putArray("measured");
            measured.addObject().put("batch", m.smallBatch()).put("seqLen", m.seqLen()).put("stepSeconds", m.smallBatchStepSeconds());
            measured.addObject().put("batch", m.batch()).put("seqLen", m.seqLen()).put("stepSeconds", m.stepSeconds());
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write throughput file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Marginal 6N FLOP/s of a model with this many active parameters. */
    public double flopsPerSecond(double activeParams) {
        return interpolate(activeParams, Point::flopsPerSecond);
    }

    /** Fixed seconds of one optimiser step of a model with this many active parameters. */
    public double stepSeconds(double activeParams) {
        return interpolate(activeParams, Point::stepSeconds);
    }

    private double interpolate(double activeParams, ToDoubleFunction<Point> figure) {
        if (activeParams <= points.get(0).activeParams()) {
            return figure.applyAsDouble(points.get(0));
        }
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1);
            Point b = points.get(i);
            if (activeParams <= b.activeParams()) {
                double t = Math.log(activeParams / a.activeParams()) / Math.log(b.activeParams() / a.activeParams());
                return figure.applyAsDouble(a) + t * (figure.applyAsDouble(b) - figure.applyAsDouble(a));
            }
        }
        return figure.applyAsDouble(points.get(points.size() - 1));
    }

    /**
     * Wall time of a run of {@code steps} optimiser steps training on {@code trainTokens} and evaluating
     * {@code evalTokens} held-out tokens in all (every evaluation pass summed). Evaluation is a forward pass only, a
     * third of a training step's FLOPs per token (2N rather than 6N), costed at the training rate.
     */
    public double estimateSeconds(ModelConfig model, long steps, long trainTokens, long evalTokens) {
        double n = model.activeParams();
        return startupSeconds + steps * stepSeconds(n) + (6.0 * n * trainTokens + 2.0 * n * evalTokens) / flopsPerSecond(n);
    }
}
