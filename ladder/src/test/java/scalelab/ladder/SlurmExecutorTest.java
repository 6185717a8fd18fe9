package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Slurm executor against a fake cluster: Slurm not answering is not a failed attempt; orphaned jobs are found by
 * name; attempts started together are one job array whose script runs each task's run.
 */
class SlurmExecutorTest {
    @TempDir
    Path tmp;

    private static final SlurmExecutor.Output DOWN =
            new SlurmExecutor.Output(1, "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n");
    private static final SlurmExecutor.Output GONE = new SlurmExecutor.Output(1, "slurm_load_jobs error: Invalid job id specified\n");

    private PlannedRun run;
    private RunDir dir;
    private final List<List<String>> calls = new ArrayList<>();

    @BeforeEach
    void oneRun() {
        LadderSpec spec = LadderSpecReader.parse("""
                name: fake
                seq_len: 64
                budgets: [1e11]
                sizes: {widths: [32]}
                rules: {head_dim: 16, batch: {min: 4, max: 64, target_steps: 100}}
                """, "fake.yaml");
        run = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs().get(0);
        dir = new LadderWorkDir(tmp.resolve("work"), spec.name()).run(run.specHash());
        dir.prepare(run.spec());
    }

    /** A cluster that answers each command with {@code answer}; IOException stands for a command that timed out. */
    private SlurmExecutor cluster(Function<List<String>, SlurmExecutor.Output> answer) {
        return new SlurmExecutor(List.of("scalelab"), 1, List.of(), (cmd, timeout) -> {
            calls.add(cmd);
            SlurmExecutor.Output o = answer.apply(cmd);
            if (o == null) {
                throw new IOException(String.join(" ", cmd) + " did not answer within " + timeout + " s");
            }
            return o;
        });
    }

    private static boolean isSqueueJob(List<String> cmd) {
        return cmd.get(0).equals("squeue") && cmd.contains("-j");
    }

    @Test
    void slurmNotAnsweringIsUnknownNotAFailedAttempt() throws IOException {
        // per poll: what squeue -j and scontrol answer (null = the command timed out)
        SlurmExecutor.Output empty = new SlurmExecutor.Output(0, "");
        Deque<SlurmExecutor.Output[]> script = new ArrayDeque<>(List.of(
                new SlurmExecutor.Output[] {DOWN, null},                                     // squeue fails
                new SlurmExecutor.Output[] {null, null},                                     // squeue times out
                new SlurmExecutor.Output[] {empty, DOWN},                                    // not in the queue, scontrol fails
                new SlurmExecutor.Output[] {DOWN, DOWN},                                     // fails again
                new SlurmExecutor.Output[] {new SlurmExecutor.Output(0, "RUNNING\n"), null})); // back: still running
        SlurmExecutor.Output[][] now = new SlurmExecutor.Output[1][];
        SlurmExecutor ex = cluster(cmd -> {
            if (isSqueueJob(cmd)) {
                now[0] = script.poll();
                return now[0][0];
            }
            if (cmd.get(0).equals("scontrol")) {
                return now[0][1];
            }
            throw new AssertionError("unexpected " + cmd);
        });
        dir.write("slurm-job-id", "17");
        RunExecutor.Attempt a = ex.reattach(dir, run);
        assertNotNull(a);
        for (int i = 0; i < 5; i++) {
            assertNull(a.poll(), "poll " + (i + 1) + ": unknown or running, not ended");
        }
        assertTrue(script.isEmpty());
        assertEquals(1, calls.stream().filter(c -> c.get(0).equals("scontrol")).count(), "scontrol asked only when squeue answered without the job");
        dir.write("exit-status.17", "0");
        assertEquals(0, a.poll());
    }

    @Test
    void aJobSlurmNoLongerKnowsIsAnAnswerAndEndsTheAttempt() throws IOException {
        SlurmExecutor ex = cluster(cmd -> cmd.get(0).equals("sacct") ? null : GONE);
        dir.write("slurm-job-id", "18");
        RunExecutor.Attempt a = ex.reattach(dir, run);
        assertEquals(-1, a.poll(), "invalid job id from squeue and scontrol: gone without an exit status");
        assertTrue(a.describe().contains("no longer known to squeue/scontrol"), a.describe());
    }

    @Test
    void unansweredPollsAreBoundedThenTheRunStopsWithAClearError() throws IOException {
        boolean[] up = {false};
        SlurmExecutor ex = cluster(cmd -> up[0] ? new SlurmExecutor.Output(0, "PENDING\n") : DOWN);
        dir.write("slurm-job-id", "19");
        RunExecutor.Attempt a = ex.reattach(dir, run);
        for (int i = 1; i < SlurmExecutor.MAX_UNANSWERED_POLLS; i++) {
            assertNull(a.poll(), "poll " + i);
        }
        up[0] = true;
        assertNull(a.poll(), "an answer resets the count");
        up[0] = false;
        for (int i = 1; i < SlurmExecutor.MAX_UNANSWERED_POLLS; i++) {
            assertNull(a.poll(), "poll " + i + " after the reset");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, a::poll);
        assertTrue(e.getMessage().contains("Slurm did not answer about job 19")
                && e.getMessage().contains(SlurmExecutor.MAX_UNANSWERED_POLLS + " polls in a row")
                && e.getMessage().contains("Unable to contact slurm controller")
                && e.getMessage().contains("rerun `ladder run`"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aJobWhoseIdWasNeverRecordedIsFoundByItsNameAndDirectory() throws IOException {
        String name = SlurmExecutor.jobName(run);
        String d = dir.path().toAbsolutePath().toString();
        List<String> lines = new ArrayList<>(List.of("41 /elsewhere/work/other-ladder/" + run.specHash(), "42 " + d, "40 " + d));
        SlurmExecutor ex = cluster(cmd -> {
            if (cmd.equals(List.of("squeue", "-h", "--name=" + name, "-o", "%i %Z"))) {
                return new SlurmExecutor.Output(0, String.join("\n", lines) + "\n");
            }
            if (cmd.get(0).equals("sbatch")) {
                assertTrue(cmd.contains("--job-name=" + name), "launch names jobs as reattach looks them up: " + cmd);
                return new SlurmExecutor.Output(0, "43\n");
            }
            return new SlurmExecutor.Output(0, "RUNNING\n");
        });
        RunExecutor.Attempt a = ex.reattach(dir, run);
        assertNotNull(a, "the orphaned job is adopted");
        assertTrue(a.describe().contains("slurm job 42"), a.describe() + " (the newest job of this run dir, not the other work dir's)");
        assertEquals("42", dir.read("slurm-job-id"));
        assertTrue(Files.readString(dir.file("attempts")).contains("found by its name " + name));
        assertNull(a.poll());

        // nothing of this run dir in the queue: nothing to adopt; launch names its job the same way
        dir.delete("slurm-job-id");
        lines.subList(1, 3).clear();
        assertNull(ex.reattach(dir, run));
        assertTrue(ex.launch(dir, run).describe().contains("slurm job 43"));
        assertEquals("43", dir.read("slurm-job-id"));
    }

    @Test
    void reattachWhenSlurmDoesNotAnswerStopsRatherThanLaunchingTwice() {
        SlurmExecutor ex = cluster(cmd -> DOWN);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ex.reattach(dir, run));
        assertTrue(e.getMessage().contains("jobs named " + SlurmExecutor.jobName(run)) && e.getMessage().contains(run.spec().name())
                && e.getMessage().contains("Unable to contact slurm controller"), e.getMessage());
    }

    /** Three prepared runs of one ladder (widths 32, 48, 64), as the runner hands them to launchAll. */
    private List<RunExecutor.Launch> threeLaunches() {
        LadderSpec spec = LadderSpecReader.parse("""
                name: fake3
                seq_len: 64
                budgets: [1e11]
                sizes: {widths: [32, 48, 64]}
                rules: {head_dim: 16, batch: {min: 4, max: 64, target_steps: 100}}
                """, "fake3.yaml");
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), spec.name());
        List<RunExecutor.Launch> out = new ArrayList<>();
        for (PlannedRun r : new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs()) {
            RunDir d = wd.run(r.specHash());
            d.prepare(r.spec());
            out.add(new RunExecutor.Launch(d, r));
        }
        assertEquals(3, out.size());
        return out;
    }

    @Test
    void attemptsStartedTogetherAreOneJobArrayWhoseTasksRunTheirOwnRuns() throws Exception {
        List<RunExecutor.Launch> launches = threeLaunches();
        SlurmExecutor ex = new SlurmExecutor(List.of("bash", "-c", "pwd > ran-here; exit 5"), 2, List.of("--time=5"), (cmd, timeout) -> {
            calls.add(cmd);
            if (cmd.get(0).equals("sbatch")) {
                return new SlurmExecutor.Output(0, "77;cluster\n");
            }
            if (isSqueueJob(cmd)) {
                return new SlurmExecutor.Output(0, "PENDING\n");
            }
            throw new AssertionError("unexpected " + cmd);
        });
        List<RunExecutor.Started> started = ex.launchAll(launches);
        List<List<String>> sbatch = calls.stream().filter(c -> c.get(0).equals("sbatch")).toList();
        assertEquals(1, sbatch.size(), "one sbatch for the three attempts: " + calls);
        List<String> cmd = sbatch.get(0);
        assertTrue(cmd.contains("--array=0-2") && cmd.contains("--cpus-per-task=2") && cmd.contains("--time=5")
                && cmd.stream().anyMatch(a -> a.startsWith("--job-name=scalelab-array-")), cmd.toString());
        Path script = Path.of(cmd.get(cmd.size() - 1));
        for (int i = 0; i < 3; i++) {
            RunDir d = launches.get(i).dir();
            assertNull(started.get(i).error());
            assertEquals("77_" + i, d.read("slurm-job-id"));
            assertTrue(started.get(i).attempt().describe().contains("slurm job 77_" + i));
            assertTrue(!d.has(SlurmExecutor.ARRAY_MARKER), "the marker goes once the id is recorded");
        }
        assertNull(started.get(1).attempt().poll(), "a pending array task is still running");
        assertTrue(calls.contains(List.of("squeue", "-h", "-j", "77_1", "-o", "%T")), "tasks are polled by ARRAYID_TASK: " + calls);

        // run the array script as Slurm would run task 1: the task's trainer runs in its own run dir, and its exit
        // code (5, from the stand-in trainer) lands in exit-status.77_1 there
        RunDir d1 = launches.get(1).dir();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).directory(script.getParent().toFile());
        pb.environment().putAll(Map.of("SLURM_ARRAY_JOB_ID", "77", "SLURM_ARRAY_TASK_ID", "1", "SLURM_JOB_ID", "80"));
        assertEquals(5, pb.start().waitFor());
        assertEquals("5", d1.read("exit-status.77_1"), "task 1 wrote its exit status in run dir 1");
        assertEquals(d1.path().toRealPath().toString(), d1.read("ran-here"));
        assertTrue(Files.exists(d1.file("slurm-77_1.out")), "task output in its run dir");
        assertTrue(!launches.get(0).dir().has("exit-status.77_1") && !launches.get(2).dir().has("exit-status.77_1"));
        assertEquals(5, started.get(1).attempt().poll());
    }

    @Test
    void aFailedArraySubmissionFailsEveryAttemptWithSbatchsMessage() {
        List<RunExecutor.Launch> launches = threeLaunches();
        SlurmExecutor ex = cluster(cmd -> new SlurmExecutor.Output(1, "sbatch: error: Batch job submission failed: Invalid partition name specified\n"));
        List<RunExecutor.Started> started = ex.launchAll(launches);
        assertEquals(3, started.size());
        for (int i = 0; i < 3; i++) {
            assertNull(started.get(i).attempt());
            assertTrue(started.get(i).error().contains("3-task job array failed") && started.get(i).error().contains("Invalid partition"),
                    started.get(i).error());
            assertTrue(!launches.get(i).dir().has("slurm-job-id") && !launches.get(i).dir().has(SlurmExecutor.ARRAY_MARKER));
        }
    }

    @Test
    void anArrayTaskWhoseIdWasNeverRecordedIsFoundByTheArraysNameAndItsIndex() throws IOException {
        // an executor killed after sbatch accepted the array, before it recorded the task ids: the marker remains
        dir.write(SlurmExecutor.ARRAY_MARKER, "scalelab-array-0123456789ab 1\n");
        SlurmExecutor ex = cluster(cmd -> {
            if (cmd.equals(List.of("squeue", "-h", "-r", "--name=scalelab-array-0123456789ab", "-o", "%i"))) {
                return new SlurmExecutor.Output(0, "90_0\n90_1\n90_2\n");
            }
            return new SlurmExecutor.Output(0, "RUNNING\n");
        });
        RunExecutor.Attempt a = ex.reattach(dir, run);
        assertNotNull(a);
        assertEquals("90_1", dir.read("slurm-job-id"));
        assertTrue(Files.readString(dir.file("attempts")).contains("task 1 of job array scalelab-array-0123456789ab"));
        assertNull(a.poll());

        // the array no longer queued: nothing to adopt, and the marker is gone
        dir.delete("slurm-job-id");
        dir.write(SlurmExecutor.ARRAY_MARKER, "scalelab-array-ffffffffffff 1\n");
        assertNull(ex.reattach(dir, run));
        assertTrue(!dir.has(SlurmExecutor.ARRAY_MARKER));
    }
}
