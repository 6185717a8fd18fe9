package scalelab.ladder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs each attempt as a Slurm job ({@code sbatch}) executing the same {@code train --config spec.yaml --run-dir DIR}
 * command in the shared work directory. Attempts started together (the runner fills every free slot at once: the
 * whole first wave of a ladder, retries one by one) are submitted as one job array, task i running the i-th run's
 * DIR/job.sh; a lone attempt is a plain job. The job script writes DIR/exit-status.ID (atomically) with the trainer's
 * exit code, ID being the job id or ARRAYID_TASK; the executor records DIR/slurm-job-id at submission, so a restarted
 * executor finds its jobs again. One killed between sbatch and that write finds a plain job by its name,
 * scalelab-HASH12, and working directory, and an array task by the array's name and the task index the run dir's
 * slurm-array file recorded before submission.
 * Jobs are tracked with {@code squeue} and {@code scontrol show job} (sacct needs accounting storage, which a
 * one-node cluster usually lacks); a job that leaves the queue without an exit-status file (cancelled, node failure,
 * killed by a time limit) counts as a failed attempt. Slurm not answering (a failed or timed-out query other than
 * "invalid job id") is not an ending: the job is asked about again at the next poll, and after
 * {@link #MAX_UNANSWERED_POLLS} unanswered polls in a row the ladder run stops with an error rather than relaunch.
 */
public final class SlurmExecutor implements RunExecutor {
    private static final Set<String> ACTIVE_STATES = Set.of("PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED",
            "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD");
    private static final Pattern JOB_STATE = Pattern.compile("JobState=(\\S+)");
    /** A job id as sbatch prints it and as this executor records it: JOBID, or ARRAYJOBID_TASK for an array task. */
    private static final Pattern JOB_ID = Pattern.compile("\\d+(_\\d+)?");
    /** Run-dir file naming the array (name and task index) an attempt is being submitted in, until its id is recorded. */
    static final String ARRAY_MARKER = "slurm-array";

    /** Consecutive polls of one job that may go unanswered (Slurm down or busy) before the ladder run gives up. */
    static final int MAX_UNANSWERED_POLLS = 120;
    /** What squeue/scontrol print for a job id the controller no longer knows: an answer, not a failure. */
    private static final Pattern UNKNOWN_JOB = Pattern.compile("(?i)invalid job id");

    /** Runs one Slurm command; a test substitutes a fake cluster. */
    interface CommandRunner {
        Output run(List<String> cmd, int timeoutSeconds) throws IOException;
    }

    record Output(int code, String text) {}

    private final List<String> launcher;
    private final int cpusPerTask;
    private final List<String> extraSbatchArgs;
    private final CommandRunner commands;

    /**
     * @param launcher        command that starts scalelab on the compute node (must see the same paths)
     * @param cpusPerTask     CPUs each job asks for
     * @param extraSbatchArgs passed to sbatch as they are (e.g. --partition=main, --time=2:00:00)
     */
    public SlurmExecutor(List<String> launcher, int cpusPerTask, List<String> extraSbatchArgs) {
        this(launcher, cpusPerTask, extraSbatchArgs, SlurmExecutor::exec);
    }

    SlurmExecutor(List<String> launcher, int cpusPerTask, List<String> extraSbatchArgs, CommandRunner commands) {
        if (launcher.isEmpty() || cpusPerTask < 1) {
            throw new IllegalArgumentException("Slurm executor needs a launcher command and cpus-per-task >= 1");
        }
        this.launcher = List.copyOf(launcher);
        this.cpusPerTask = cpusPerTask;
        this.extraSbatchArgs = List.copyOf(extraSbatchArgs);
        this.commands = commands;
    }

    /** The job name a run's jobs get: how a restarted executor finds a job whose id it never recorded. */
    static String jobName(PlannedRun run) {
        return "scalelab-" + run.specHash().substring(0, 12);
    }

    /** Throws with a clear message when sbatch/squeue/scontrol cannot reach a controller. */
    public static void checkAvailable() {
        try {
            Output o = exec(List.of("squeue", "-h", "-o", "%i"), 20);
            if (o.code != 0) {
                throw new IllegalStateException("Slurm is not reachable: squeue exited " + o.code + ": " + o.text.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Slurm is not installed (no squeue on PATH); run bin/slurm-up for a one-node cluster", e);
        }
    }

    @Override
    public String name() {
        return "slurm";
    }

    @Override
    public long pollMillis() {
        return 1000;
    }

    /** Writes DIR/job.sh: the trainer, then its exit code into DIR/exit-status.ID (ID: JOBID, or ARRAYJOBID_TASK in an array). */
    private void writeJobScript(RunDir dir, PlannedRun run) throws IOException {
        String d = dir.path().toAbsolutePath().toString();
        StringBuilder script = new StringBuilder("#!/bin/bash\n");
        script.append("# scalelab ladder job for run ").append(run.spec().name()).append(" (spec ").append(run.specHash()).append(")\n");
        script.append("cd ").append(quote(d)).append(" || exit 1\n");
        script.append("export SCALELAB_NO_BUILD=1\n");
        for (String arg : LocalExecutor.trainCommand(launcher, dir, run, 0)) {
            script.append(quote(arg)).append(' ');
        }
        script.append("\ncode=$?\n");
        // an array task's own SLURM_JOB_ID is only assigned when it starts; the executor knows it as ARRAYID_TASK
        script.append("id=\"${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}\"\n");
        script.append("id=\"${id:-$SLURM_JOB_ID}\"\n");
        script.append("printf '%s\\n' \"$code\" > ").append(quote(d + "/.exit-status.")).append("\"$id\"\n");
        script.append("mv -f ").append(quote(d + "/.exit-status.")).append("\"$id\" ").append(quote(d + "/exit-status.")).append("\"$id\"\n");
        script.append("exit $code\n");
        dir.write("job.sh", script.toString());
        Files.setPosixFilePermissions(dir.file("job.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Override
    public Attempt launch(RunDir dir, PlannedRun run) throws IOException {
        writeJobScript(dir, run);
        String d = dir.path().toAbsolutePath().toString();
        String jobId = submit(List.of("--job-name=" + jobName(run), "--output=" + d + "/slurm-%j.out", "--chdir=" + d),
                dir.file("job.sh").toAbsolutePath(), "sbatch");
        dir.write("slurm-job-id", jobId);
        return new JobAttempt(dir, jobId);
    }

    /**
     * Two or more attempts become one job array (one sbatch, one entry in the queue, scheduled by Slurm as its
     * resources allow); a single one is a plain job. A failed sbatch fails every attempt of the array.
     */
    @Override
    public List<Started> launchAll(List<Launch> launches) {
        if (launches.size() < 2) {
            return RunExecutor.super.launchAll(launches);
        }
        List<Started> out = new ArrayList<>();
        try {
            String arrayId = submitArray(launches);
            for (int i = 0; i < launches.size(); i++) {
                RunDir dir = launches.get(i).dir();
                String jobId = arrayId + "_" + i;
                dir.write("slurm-job-id", jobId);
                dir.delete(ARRAY_MARKER);
                out.add(new Started(new JobAttempt(dir, jobId), null));
            }
        } catch (IOException | RuntimeException e) {
            for (Launch l : launches) {
                l.dir().delete(ARRAY_MARKER);
                out.add(new Started(null, e.getMessage()));
            }
        }
        return out;
    }

    /** Writes each run's job.sh and the array's script (task i → the i-th run dir), submits it; returns the array job id. */
    private String submitArray(List<Launch> launches) throws IOException {
        // a new name per array: how a restarted executor finds a task whose id it never recorded
        String name = "scalelab-array-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Path arrayDir = launches.get(0).dir().path().toAbsolutePath().getParent().resolveSibling("slurm-arrays").resolve(name);
        Files.createDirectories(arrayDir);
        StringBuilder script = new StringBuilder("#!/bin/bash\n");
        script.append("# scalelab ladder job array ").append(name).append(": task i runs the i-th run directory's job.sh\n");
        script.append("dirs=(");
        for (int i = 0; i < launches.size(); i++) {
            Launch l = launches.get(i);
            writeJobScript(l.dir(), l.run());
            l.dir().write(ARRAY_MARKER, name + " " + i + "\n");
            script.append(i == 0 ? "" : " ").append(quote(l.dir().path().toAbsolutePath().toString()));
        }
        script.append(")\n");
        script.append("d=\"${dirs[$SLURM_ARRAY_TASK_ID]}\"\n");
        script.append("[ -n \"$d\" ] || { echo \"no run directory for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 1; }\n");
        script.append("cd \"$d\" || exit 1\n");
        script.append("exec \"$d/job.sh\" > \"$d/slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\" 2>&1\n");
        Path scriptFile = arrayDir.resolve("array.sh");
        Files.writeString(scriptFile, script.toString(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(scriptFile, PosixFilePermissions.fromString("rwxr-xr-x"));

        return submit(List.of("--job-name=" + name, "--array=0-" + (launches.size() - 1),
                "--output=" + arrayDir + "/slurm-%A_%a.out", "--chdir=" + arrayDir), scriptFile,
                "sbatch of a " + launches.size() + "-task job array");
    }

    /** sbatch --parsable OPTIONS --cpus-per-task … EXTRA SCRIPT; returns the job id, or throws naming {@code what}. */
    private String submit(List<String> options, Path script, String what) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        cmd.addAll(options);
        cmd.add("--cpus-per-task=" + cpusPerTask);
        cmd.addAll(extraSbatchArgs);
        cmd.add(script.toString());
        Output o = commands.run(cmd, 60);
        String jobId = o.text.strip().split(";")[0];
        if (o.code != 0 || !jobId.matches("\\d+")) {
            throw new IOException(what + " failed (exit " + o.code + "): " + oneLine(o.text));
        }
        return jobId;
    }

    /**
     * Asks squeue about jobs an earlier executor may have left; Slurm not answering stops the ladder run, since
     * relaunching now could train the run twice, alongside a job still running.
     */
    private Output queueOrStop(List<String> squeue, String what, PlannedRun run) {
        Output o;
        try {
            o = commands.run(squeue, 30);
        } catch (IOException e) {
            o = new Output(-1, e.getMessage());
        }
        if (o.code != 0) {
            throw new IllegalStateException("cannot ask Slurm for " + what + " of run " + run.spec().name()
                    + " (squeue exited " + o.code + ": " + oneLine(o.text) + "); rerun `ladder run` when Slurm answers");
        }
        return o;
    }

    @Override
    public Attempt reattach(RunDir dir, PlannedRun run) {
        String jobId = dir.read("slurm-job-id");
        if (jobId != null && JOB_ID.matcher(jobId).matches()) {
            return new JobAttempt(dir, jobId);
        }
        String marker = dir.read(ARRAY_MARKER);
        if (marker != null) {
            return reattachArrayTask(dir, run, marker);
        }
        // an executor killed between sbatch and writing slurm-job-id left a job no file names: find it by its name
        // and working directory (the same spec in another work directory has the same name)
        String name = jobName(run);
        String d = dir.path().toAbsolutePath().toString();
        Output o = queueOrStop(List.of("squeue", "-h", "--name=" + name, "-o", "%i %Z"), "jobs named " + name, run);
        String found = null;
        for (String line : o.text.strip().split("\n")) {
            String[] f = line.strip().split("\\s+", 2);
            if (f.length == 2 && f[0].matches("\\d+") && f[1].equals(d)
                    && (found == null || Long.parseLong(f[0]) > Long.parseLong(found))) {
                found = f[0]; // the newest, should there be more than one
            }
        }
        if (found == null) {
            return null;
        }
        dir.write("slurm-job-id", found);
        dir.appendAttemptLine("slurm job " + found + " found by its name " + name + " (its id was never recorded)");
        return new JobAttempt(dir, found);
    }

    /** An executor killed between submitting an array and recording its task ids: find the task by array name and index. */
    private Attempt reattachArrayTask(RunDir dir, PlannedRun run, String marker) {
        String[] f = marker.strip().split("\\s+");
        if (f.length != 2 || !f[1].matches("\\d+")) {
            dir.delete(ARRAY_MARKER);
            return null; // not ours to read; no job to adopt
        }
        Output o = queueOrStop(List.of("squeue", "-h", "-r", "--name=" + f[0], "-o", "%i"), "job array " + f[0], run);
        String found = null;
        for (String line : o.text.strip().split("\n")) {
            String id = line.strip();
            if (id.matches("\\d+_" + f[1]) && (found == null || Long.parseLong(id.split("_")[0]) > Long.parseLong(found.split("_")[0]))) {
                found = id;
            }
        }
        dir.delete(ARRAY_MARKER);
        if (found == null) {
            return null; // not in the queue: never submitted, or ended (a relaunch resumes from the checkpoint)
        }
        dir.write("slurm-job-id", found);
        dir.appendAttemptLine("slurm job " + found + " found as task " + f[1] + " of job array " + f[0] + " (its id was never recorded)");
        return new JobAttempt(dir, found);
    }

    @Override
    public void collected(RunDir dir) {
        String jobId = dir.read("slurm-job-id");
        if (jobId != null) {
            dir.appendAttemptLine("slurm job " + jobId + " collected");
        }
        dir.delete("slurm-job-id");
        dir.delete(ARRAY_MARKER);
    }

    private final class JobAttempt implements Attempt {
        private final RunDir dir;
        private final String jobId;
        private String ending = "";
        private int unanswered;

        JobAttempt(RunDir dir, String jobId) {
            this.dir = dir;
            this.jobId = jobId;
        }

        private Integer exitStatus() {
            String s = dir.read("exit-status." + jobId);
            if (s == null) {
                return null;
            }
            try {
                return Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                ending = "unreadable exit-status file";
                return -1;
            }
        }

        @Override
        public Integer poll() {
            Integer code = exitStatus();
            if (code != null) {
                return code;
            }
            Output q = ask(List.of("squeue", "-h", "-j", jobId, "-o", "%T"));
            if (q == null) {
                return null; // Slurm did not answer: unknown, not ended; ask again at the next poll
            }
            String queued = q.code == 0 ? q.text.strip() : "";
            if (!queued.isEmpty() && ACTIVE_STATES.contains(queued.lines().findFirst().orElse("").strip())) {
                return null; // still queued or running
            }
            // gone from the queue (or in an end state): the exit file may have landed in between
            code = exitStatus();
            if (code != null) {
                return code;
            }
            Output s = ask(List.of("scontrol", "show", "job", jobId));
            if (s == null) {
                return null;
            }
            Matcher m = JOB_STATE.matcher(s.text);
            if (m.find()) {
                String state = m.group(1);
                if (ACTIVE_STATES.contains(state)) {
                    return null;
                }
                ending = "job ended in state " + state + " without writing its exit status";
            } else {
                ending = "job no longer known to squeue/scontrol and wrote no exit status" + accountedState(jobId);
            }
            return -1;
        }

        /**
         * Runs a query; null when Slurm did not answer (a failed or timed-out command other than "invalid job id").
         * After {@link #MAX_UNANSWERED_POLLS} such polls in a row the run stops with a clear error: counting the
         * attempt as failed would relaunch into the same run directory while the job may still be running.
         */
        private Output ask(List<String> cmd) {
            Output o;
            try {
                o = commands.run(cmd, 30);
            } catch (IOException e) {
                o = new Output(-1, e.getMessage());
            }
            if (o.code == 0 || UNKNOWN_JOB.matcher(o.text).find()) {
                unanswered = 0;
                return o;
            }
            unanswered++;
            if (unanswered >= MAX_UNANSWERED_POLLS) {
                throw new IllegalStateException("Slurm did not answer about job " + jobId + " (" + dir.path().getFileName()
                        + ") " + unanswered + " polls in a row; last: " + String.join(" ", cmd) + " exited " + o.code + ": "
                        + oneLine(o.text) + "; the job may still run: rerun `ladder run` when Slurm answers (it re-attaches)");
            }
            return null;
        }

        @Override
        public String describe() {
            return "slurm job " + jobId + (ending.isEmpty() ? "" : " (" + ending + ")");
        }

        @Override
        public Path log() {
            return dir.file("slurm-" + jobId + ".out");
        }
    }

    /** Where accounting storage exists, sacct still knows purged jobs: its state goes into the failure reason. */
    private String accountedState(String jobId) {
        try {
            Output a = commands.run(List.of("sacct", "-n", "-X", "-P", "-j", jobId, "-o", "State,ExitCode"), 30);
            String line = a.text.strip();
            return a.code == 0 && !line.isEmpty() ? "; sacct: " + line.lines().findFirst().orElse("") : "";
        } catch (IOException e) {
            return ""; // no sacct on this cluster (no accounting storage)
        }
    }

    private static String oneLine(String text) {
        String t = text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " | ");
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private static Output exec(List<String> cmd, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not answer within " + timeoutSeconds + " s");
            }
            return new Output(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + cmd.get(0), e);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
