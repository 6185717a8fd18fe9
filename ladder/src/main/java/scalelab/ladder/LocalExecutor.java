package scalelab.ladder;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs each attempt as a child process on this machine: {@code <launcher...> train --config spec.yaml --run-dir DIR}
 * with SCALELAB_NO_BUILD=1, output appended to DIR/train.log after a marker line per attempt. The child's pid and
 * start time are recorded in DIR/pid, so an executor restarted after being killed adopts trainers still running
 * instead of starting them twice (a trainer whose pid was not yet recorded is found by its --run-dir argument).
 */
public final class LocalExecutor implements RunExecutor {
    /** The trainer's output, every attempt appended. */
    static final String LOG = "train.log";

    private final List<String> launcher;
    private final int threadsPerRun;

    /** @param launcher the command that starts scalelab, e.g. [SCALELAB_HOME/scalelab] (or a test double's java command) */
    public LocalExecutor(List<String> launcher) {
        this(launcher, 0);
    }

    /**
     * @param threadsPerRun engine threads each trainer uses, or 0 for the engine's default (every core). Runs trained
     *                      side by side should share the cores: small models are bound by per-op overhead, so two runs
     *                      with one thread each train ~1.2–2× as many tokens per second as one run with two (BENCHMARKS.md)
     */
    public LocalExecutor(List<String> launcher, int threadsPerRun) {
        if (launcher.isEmpty()) {
            throw new IllegalArgumentException("launcher command is empty");
        }
        if (threadsPerRun < 0) {
            throw new IllegalArgumentException("threads per run must be >= 0, got " + threadsPerRun);
        }
        this.launcher = List.copyOf(launcher);
        this.threadsPerRun = threadsPerRun;
    }

    /** An executor for {@code parallel} runs at once that share this machine's cores ({@link #threadsFor}). */
    public static LocalExecutor sharing(List<String> launcher, int parallel) {
        return new LocalExecutor(launcher, threadsFor(parallel));
    }

    /** Engine threads for each of {@code parallel} runs at once on this machine: the cores shared out, at least one. */
    public static int threadsFor(int parallel) {
        return parallel <= 1 ? 0 : Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public long pollMillis() {
        return 200;
    }

    static List<String> trainCommand(List<String> launcher, RunDir dir, PlannedRun run, int threadsPerRun) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("train", "--config", dir.spec().toAbsolutePath().toString(), "--run-dir", dir.path().toAbsolutePath().toString(),
                "--eval-tokens", Long.toString(run.evalTokens())));
        if (threadsPerRun > 0) {
            cmd.addAll(List.of("--threads", Integer.toString(threadsPerRun)));
        }
        return cmd;
    }

    @Override
    public Attempt launch(RunDir dir, PlannedRun run) throws IOException {
        // train.log collects every attempt: the marker lets a failure's last lines be this attempt's, not an earlier one's
        Files.writeString(dir.file(LOG), RunDir.ATTEMPT_MARKER + " " + Instant.now() + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(trainCommand(launcher, dir, run, threadsPerRun))
                .directory(dir.path().toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(dir.file(LOG).toFile()))
                .redirectInput(Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("SCALELAB_NO_BUILD", "1");
        Process p = pb.start();
        Instant started = p.info().startInstant().orElse(Instant.EPOCH);
        dir.write("pid", p.pid() + " " + started.toEpochMilli());
        return new ChildAttempt(p, dir.file(LOG));
    }

    @Override
    public Attempt reattach(RunDir dir, PlannedRun run) {
        Optional<ProcessHandle> h = recordedProcess(dir);
        if (h.isEmpty()) {
            // killed between starting the trainer and recording its pid: find it by its --run-dir argument
            h = trainerProcessFor(dir);
        }
        if (h.isPresent() && h.get().isAlive()) {
            return new AdoptedAttempt(h.get(), dir, run.specHash());
        }
        return null;
    }

    /** A live process (other than this one) whose arguments are "... train ... --run-dir DIR". */
    static Optional<ProcessHandle> trainerProcessFor(RunDir dir) {
        String target = dir.path().toAbsolutePath().toString();
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses().filter(p -> p.pid() != self).filter(p -> {
            String[] args = p.info().arguments().orElse(new String[0]);
            for (int i = 0; i + 1 < args.length; i++) {
                if (args[i].equals("--run-dir") && args[i + 1].equals(target)) {
                    return List.of(args).contains("train");
                }
            }
            return false;
        }).findFirst();
    }

    @Override
    public void collected(RunDir dir) {
        dir.delete("pid");
    }

    /** The process recorded in DIR/pid, if it is still that process (same pid and start time, guarding against pid reuse). */
    static Optional<ProcessHandle> recordedProcess(RunDir dir) {
        String rec = dir.read("pid");
        if (rec == null) {
            return Optional.empty();
        }
        String[] parts = rec.split(" ");
        try {
            long pid = Long.parseLong(parts[0]);
            long startMillis = Long.parseLong(parts[1]);
            return ProcessHandle.of(pid).filter(h -> h.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == startMillis);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    static boolean recordedProcessAlive(RunDir dir) {
        return recordedProcess(dir).map(ProcessHandle::isAlive).orElse(false);
    }

    private record ChildAttempt(Process process, Path log) implements Attempt {
        @Override
        public Integer poll() {
            return process.isAlive() ? null : process.exitValue();
        }

        @Override
        public String describe() {
            return "pid " + process.pid();
        }
    }

    /** A trainer started by an earlier executor process: not our child, so its exit code is unknown; the result file decides. */
    private record AdoptedAttempt(ProcessHandle handle, RunDir dir, String specHash) implements Attempt {
        @Override
        public Integer poll() {
            if (handle.isAlive()) {
                return null;
            }
            return dir.finishedResult(specHash) != null ? 0 : -1;
        }

        @Override
        public String describe() {
            return "adopted pid " + handle.pid();
        }

        @Override
        public Path log() {
            return dir.file(LOG);
        }
    }
}
