package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Slurm executor against a fake cluster: Slurm not answering is not a failed attempt; orphaned jobs are found by name. */
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
}
