package scalelab.ladder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;
import scalelab.training.TrainingResult;

/**
 * One run's directory in the ladder work directory, named by its spec hash. Files: spec.yaml (the trainer's
 * config), the trainer's checkpoints and result.json, attempts (one line per attempt start/end), failed (marker with
 * the reason), reported (the sink was told the run finished), pid (local executor) or job.sh, slurm-job-id (JOBID, or
 * ARRAYID_TASK for a job-array task), slurm-array (while an array is being submitted) and exit-status.ID (Slurm
 * executor), train.log / slurm-ID.out (trainer output).
 */
public record RunDir(Path path) {
    public static final String SPEC = "spec.yaml";
    public static final String RESULT = "result.json";
    /** Starts each attempt's part of a log that several attempts append to (train.log). */
    public static final String ATTEMPT_MARKER = "== scalelab ladder: attempt started";
    /** Lines of a failed attempt's log shown with its failure. */
    static final int LOG_LINES_SHOWN = 5;
    /** How much of a log's end is read for them. */
    private static final int LOG_TAIL_BYTES = 64 * 1024;

    public Path spec() {
        return path.resolve(SPEC);
    }

    public Path result() {
        return path.resolve(RESULT);
    }

    public Path file(String name) {
        return path.resolve(name);
    }

    /** Creates the directory and writes spec.yaml (atomically) unless an identical one is there. */
    public void prepare(RunSpec spec) {
        try {
            Files.createDirectories(path);
            if (!Files.isRegularFile(spec()) || !RunSpecYaml.read(spec()).equals(spec)) {
                RunSpecYaml.write(spec, spec());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + path, e);
        }
    }

    /**
     * The trainer's completed result for {@code specHash}, or null when there is none (absent, another spec, or a
     * run that did not complete, e.g. diverged — the executor treats that as a failed attempt).
     */
    public TrainingResult finishedResult(String specHash) {
        if (!Files.isRegularFile(result())) {
            return null;
        }
        TrainingResult r = TrainingResult.read(result());
        if (!specHash.equals(r.specHash()) || !TrainingResult.COMPLETED.equals(r.status())) {
            return null;
        }
        if (!Double.isFinite(r.finalEvalLoss()) || !Double.isFinite(r.bestEvalLoss()) || !(r.countedFlops() > 0) || r.tokens() <= 0) {
            throw new IllegalStateException(result() + ": completed result with missing or non-finite loss, FLOPs or tokens");
        }
        return r;
    }

    public boolean has(String name) {
        return Files.exists(file(name));
    }

    public String read(String name) {
        try {
            return Files.readString(file(name), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Atomic write: a reader (or a restarted executor) never sees half a file. */
    public void write(String name, String content) {
        try {
            Path tmp = Files.createTempFile(path, "." + name, ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(name), e);
        }
    }

    public void delete(String name) {
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file(name), e);
        }
    }

    public void appendAttemptLine(String line) {
        try {
            Files.writeString(file("attempts"), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record attempt in " + path, e);
        }
    }

    /**
     * The last {@code max} lines the latest attempt wrote to {@code log} (after the last {@link #ATTEMPT_MARKER}):
     * blank lines, Java stack frames ("at …", "... N more") and a progress bar's overwritten states (all but the text
     * after the last carriage return) left out, so what remains is the error itself. Empty when there is no log.
     */
    public static List<String> logTail(Path log, int max) {
        if (log == null || !Files.isRegularFile(log)) {
            return List.of();
        }
        String text;
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(log)) {
            long size = ch.size();
            long from = Math.max(0, size - LOG_TAIL_BYTES);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
            ch.position(from);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // read to the end
            }
            // a log, not input: undecodable bytes (a cut multi-byte character at the start) may be replaced
            text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
        List<String> lines = new java.util.ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw.substring(raw.lastIndexOf('\r', raw.length() - 2) + 1).strip();
            if (line.startsWith(ATTEMPT_MARKER)) {
                lines.clear();
            } else if (!line.isEmpty() && !line.matches("at [\\w$.<>/]+\\(.*\\)") && !line.matches("\\.\\.\\. \\d+ more")) {
                lines.add(line);
            }
        }
        return List.copyOf(lines.subList(Math.max(0, lines.size() - max), lines.size()));
    }

    /** Attempts started so far, over every `ladder run` of this ladder. */
    public int attemptsStarted() {
        try {
            if (!Files.isRegularFile(file("attempts"))) {
                return 0;
            }
            List<String> lines = Files.readAllLines(file("attempts"));
            return (int) lines.stream().filter(l -> l.contains(" started")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** State from the files alone (no process or Slurm queries): what `ladder status` shows. */
    public RunState state(String specHash) {
        if (finishedResult(specHash) != null) {
            return RunState.FINISHED;
        }
        if (has("failed")) {
            return RunState.FAILED;
        }
        if (has("pid") && LocalExecutor.recordedProcessAlive(this)) {
            return RunState.RUNNING;
        }
        String job = read("slurm-job-id");
        if (job != null && !has("exit-status." + job)) {
            return RunState.RUNNING;
        }
        return attemptsStarted() > 0 ? RunState.INTERRUPTED : RunState.PENDING;
    }
}
