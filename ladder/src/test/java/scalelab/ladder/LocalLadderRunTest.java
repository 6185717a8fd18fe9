package scalelab.ladder;

import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;

import scalelab.training.TrainingResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local execution with the trainer double: kill-and-resume, retries, failures that do not stop the others, adaptive centring. */
class LocalLadderRunTest {
    @TempDir
    Path tmp;

    private static final String SMALL = """
            name: small
            seq_len: 64
            budgets: [1e11, 3e11]
            sizes: {widths: [32, 96]}
            rules: {head_dim: 16, batch: {min: 4, max: 64, target_steps: 100}}
            eval: {tokens: 4096}
            """;

    private LadderRunner runner(LadderResultSink sink, ByteArrayOutputStream log) {
        return runner(sink, log, TestSupport.trainerDouble(200));
    }

    private LadderRunner runner(LadderResultSink sink, ByteArrayOutputStream log, List<String> launcher) {
        return new LadderRunner(new LadderPlanner(ThroughputModel.DEFAULT), new LocalExecutor(launcher), sink, new PrintStream(log, true));
    }

    @Test
    void killedExecutorIsRerunAndEveryRunFinishesExactlyOnce() throws Exception {
        Path ladder = TestSupport.repoRoot().resolve("examples/ladder-tiny.yaml");
        LadderSpec spec = LadderSpecReader.read(ladder);
        List<PlannedRun> planned = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs();
        Path work = tmp.resolve("work");
        Path sinkFile = tmp.resolve("sink.log");
        TestSupport.FileSink sink = new TestSupport.FileSink(sinkFile);
        Path db = tmp.resolve("registry.duckdb");

        List<String> cmd = new ArrayList<>(List.of(TestSupport.javaBinary(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LadderRunMain.class.getName(), ladder.toString(), work.toString(), sinkFile.toString(), "2", "1", db.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("executor1.log").toFile());
        pb.environment().put("TRAINER_DOUBLE_RUN_MILLIS", "1200");
        Process executor = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (sink.lines("finished").size() < 3 && executor.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(executor.isAlive(), "the executor should still be running when killed: " + Files.readString(tmp.resolve("executor1.log")));
        executor.destroyForcibly().waitFor();
        int finishedBeforeKill = sink.lines("finished").size();
        assertTrue(finishedBeforeKill < planned.size(), "killed mid-way");

        // rerun in this JVM (trainers it launches run at the launcher's pace)
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LadderResultSink both = TestSupport.tee(sink,
                new RegistryResultSink(db, spec.name(), "name: " + spec.name() + "\n", new LadderWorkDir(work, spec.name())));
        LadderRunner.Summary s = runner(both, log, TestSupport.launcher()).run(spec, new LadderWorkDir(work, spec.name()),
                new LadderRunner.Options(2, 1, false), null);
        assertEquals(planned.size(), s.finished(), log.toString());
        assertEquals(0, s.failed());

        LadderWorkDir wd = new LadderWorkDir(work, spec.name());
        List<String> reported = sink.lines("finished");
        // delivery to sinks is at-least-once: a kill between a sink's report and the "reported" mark repeats that one
        // report on rerun (the runner reports one run at a time), so the registry below must be, and is, idempotent
        assertEquals(planned.size(), new HashSet<>(reported).size(), "every run reported: " + reported);
        assertTrue(reported.size() <= planned.size() + 1, "at most the report in flight at the kill repeats: " + reported);
        for (PlannedRun r : planned) {
            RunDir dir = wd.run(r.specHash());
            TrainingResult res = dir.finishedResult(r.specHash());
            assertNotNull(res, r.spec().name());
            assertEquals(RunState.FINISHED, dir.state(r.specHash()));
            if (TestSupport.usesTrainerDouble()) {
                assertEquals(TrainerDouble.loss(r.activeParams(), r.tokens()), res.finalEvalLoss(), 1e-9);
                assertEquals(1, TestSupport.linesIn(dir.file("trainings.log")), r.spec().name() + " trained to completion exactly once");
            }
        }
        // the registry holds every run exactly once, finished, with the trainer's loss and its loss curve
        try (Registry registry = Registry.open(db)) {
            List<RunRecord> runs = registry.runs(spec.name());
            assertEquals(planned.size(), runs.size());
            assertEquals(planned.size(), new HashSet<>(runs.stream().map(RunRecord::specHash).toList()).size());
            for (RunRecord run : runs) {
                assertEquals(RunStatus.FINISHED, run.status(), run.name());
                TrainingResult res = wd.run(run.specHash()).finishedResult(run.specHash());
                assertEquals(res.finalEvalLoss(), run.finalLoss(), 0.0, run.name());
            }
        }
        // a second executor on the same ladder at the same time is refused
        try (LadderWorkDir.Lock held = wd.lock()) {
            IllegalStateException busy = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> runner(sink, new ByteArrayOutputStream()).run(spec, wd, new LadderRunner.Options(2, 1, false), null));
            assertTrue(busy.getMessage().contains("already being run"), busy.getMessage());
        }
        // a third run does nothing and reports nothing again
        int reportsSoFar = sink.lines("finished").size();
        LadderRunner.Summary again = runner(sink, new ByteArrayOutputStream(), List.of("false")).run(spec, wd, new LadderRunner.Options(2, 1, false), null);
        assertEquals(planned.size(), again.alreadyFinished());
        assertEquals(reportsSoFar, sink.lines("finished").size());
        assertEquals(planned.size(), LadderStatus.counts(LadderStatus.read(wd)).get(RunState.FINISHED));
        // status groups the run directories back into each family's budgets, every planned size finished in each
        List<LadderStatus.BudgetShape> shapes = LadderStatus.shapes(LadderStatus.read(wd));
        assertEquals(spec.families().size() * spec.budgets().size(), shapes.size(), shapes.toString());
        for (LadderStatus.BudgetShape b : shapes) {
            long sizes = planned.stream().filter(r -> r.family().equals(b.family()) && r.budget() == b.budget()).count();
            assertEquals(List.of(sizes, sizes), List.of((long) b.finished(), (long) b.runs()), b.toString());
        }
    }

    @Test
    void failedAttemptIsRetriedFromItsCheckpointAndAPermanentFailureDoesNotStopTheOthers() throws IOException {
        LadderSpec spec = LadderSpecReader.parse(SMALL, "small.yaml");
        List<PlannedRun> planned = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs();
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), spec.name());
        PlannedRun flaky = planned.get(1);
        PlannedRun broken = planned.get(2);
        wd.run(flaky.specHash()).prepare(flaky.spec());
        Files.writeString(wd.run(flaky.specHash()).file("fail-once"), "");
        wd.run(broken.specHash()).prepare(broken.spec());
        Files.writeString(wd.run(broken.specHash()).file("fail-always"), "");

        TestSupport.FileSink sink = new TestSupport.FileSink(tmp.resolve("sink.log"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LadderRunner.Summary s = runner(sink, log).run(spec, wd, new LadderRunner.Options(2, 1, false), null);

        assertEquals(planned.size() - 1, s.finished(), log.toString());
        assertEquals(1, s.failed());
        assertEquals(List.of(broken.spec().name()), s.failedRuns());
        assertEquals(List.of(broken.specHash()), sink.lines("failed"));
        assertEquals(planned.size() - 1, sink.lines("finished").size());

        RunDir flakyDir = wd.run(flaky.specHash());
        assertEquals(2, flakyDir.attemptsStarted());
        assertTrue(TrainingResult.read(flakyDir.result()).resumedFromStep() > 0, "second attempt resumed from its checkpoint");
        assertEquals(4096, TrainingResult.read(flakyDir.result()).evalTokenLimit(), "the trainer evaluates the ladder's eval.tokens");
        assertEquals(1, TestSupport.linesIn(flakyDir.file("trainings.log")));

        RunDir brokenDir = wd.run(broken.specHash());
        assertEquals(2, brokenDir.attemptsStarted(), "1 attempt + 1 retry");
        assertEquals(RunState.FAILED, brokenDir.state(broken.specHash()));
        assertTrue(brokenDir.read("failed").contains("exit code 4"), brokenDir.read("failed"));
        assertTrue(log.toString().contains("1 failed"), log.toString());
        // the reason is shown where the failure is reported, not only in the run's train.log
        assertTrue(brokenDir.read("failed").contains("| injected failure (fail-always)"), brokenDir.read("failed"));
        assertTrue(log.toString().contains("FAILED after 2 attempt(s): exit code 4") && log.toString().contains("  | injected failure (fail-always)"),
                log.toString());
        assertTrue(log.toString().contains("attempt 1 failed (exit code 3") && log.toString().contains("  | injected failure (fail-once) at step"),
                log.toString());
        LadderStatus.Entry brokenEntry = LadderStatus.read(wd).stream().filter(e -> e.specHash().equals(broken.specHash())).findFirst().orElseThrow();
        assertTrue(brokenEntry.failure().contains("injected failure (fail-always)"), brokenEntry.failure());

        // a new `ladder run` gives the failed run fresh attempts; fixed now, it finishes and nothing else reruns
        Files.delete(brokenDir.file("fail-always"));
        LadderRunner.Summary s2 = runner(sink, new ByteArrayOutputStream()).run(spec, wd, new LadderRunner.Options(2, 1, false), null);
        assertEquals(planned.size(), s2.finished());
        assertEquals(planned.size() - 1, s2.alreadyFinished());
        assertEquals(planned.size(), sink.lines("finished").size());
    }

    @Test
    void changedEvalTokensAreRefusedNamingTheRunAndBothValues() throws IOException {
        LadderSpec spec = LadderSpecReader.parse(SMALL, "small.yaml");
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), spec.name());
        TestSupport.FileSink sink = new TestSupport.FileSink(tmp.resolve("sink.log"));
        LadderRunner.Summary s = runner(sink, new ByteArrayOutputStream()).run(spec, wd, new LadderRunner.Options(2, 0, false), null);
        assertEquals(s.total(), s.finished());
        List<PlannedRun> planned = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs();

        LadderSpec more = LadderSpecReader.parse(SMALL.replace("tokens: 4096", "tokens: 8192"), "small.yaml");
        PlannedRun first = new LadderPlanner(ThroughputModel.DEFAULT).plan(more).runs().get(0);
        assertEquals(planned.get(0).specHash(), first.specHash(), "evaluation is not in the key: the same run dir");
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> runner(sink, new ByteArrayOutputStream()).run(more, wd, new LadderRunner.Options(2, 0, false), null));
        assertTrue(e.getMessage().contains("run " + first.spec().name() + " (" + first.specHash().substring(0, 12) + ")")
                && e.getMessage().contains("eval.tokens 4096 but the ladder says 8192")
                && e.getMessage().contains("(and " + (planned.size() - 1) + " more runs)"), e.getMessage());
        for (PlannedRun r : planned) {
            assertEquals(1, TestSupport.linesIn(wd.run(r.specHash()).file("trainings.log")), "nothing re-trained: " + r.spec().name());
        }
        assertEquals(planned.size(), sink.lines("finished").size(), "nothing reported again");

        // a result written before the limit was recorded: its predicted-token count is all there is to go by
        RunDir dir = wd.run(first.specHash());
        TrainingResult r = TrainingResult.read(dir.result());
        TrainingResult legacy = new TrainingResult(r.specHash(), r.name(), r.status(), r.steps(), r.tokens(), r.finalTrainLoss(),
                r.finalEvalLoss(), r.bestEvalLoss(), r.finalEvalBitsPerByte(), 8191, 0, r.plannedFlops(), r.countedFlops(),
                r.flopConvention(), r.nonEmbeddingParams(), r.activeParams(), r.totalParams(), r.wallSeconds(), r.trainSeconds(),
                r.tokensPerSecond(), r.achievedFlopsPerSecond(), r.peakFlopsPerSecond(), r.mfu(), r.resumedFromStep());
        legacy.write(dir.result());
        IllegalStateException old = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> LadderRunner.checkEvaluations(planned.subList(0, 1), wd));
        assertTrue(old.getMessage().contains("evaluated on 8191 held-out tokens, more than the ladder's eval.tokens 4096 allows"), old.getMessage());
        LadderRunner.checkEvaluations(new LadderPlanner(ThroughputModel.DEFAULT).plan(more).runs().subList(0, 1), wd); // 8191 fits 8192
    }

    /**
     * Test-only N* predictor (the lead binds VPNLS in production): per budget, a parabola of loss in ln N_active
     * through that budget's runs gives its vertex; a least-squares power law through the vertices gives N*(C).
     */
    static final NStarPredictor PARABOLA_POWER_LAW = runs -> {
        List<double[]> vertices = new ArrayList<>();
        runs.stream().mapToDouble(NStarPredictor.FinishedRun::budget).distinct().sorted().forEach(c -> {
            List<NStarPredictor.FinishedRun> at = runs.stream().filter(r -> r.budget() == c).toList();
            double[] p = quadraticFit(at.stream().mapToDouble(r -> Math.log(r.activeParams())).toArray(),
                    at.stream().mapToDouble(NStarPredictor.FinishedRun::finalLoss).toArray());
            if (p[2] <= 0) {
                throw new IllegalStateException("parabola at " + c + " opens downward: no vertex");
            }
            vertices.add(new double[] {Math.log(c), -p[1] / (2 * p[2])});
        });
        double mx = vertices.stream().mapToDouble(v -> v[0]).average().orElseThrow();
        double my = vertices.stream().mapToDouble(v -> v[1]).average().orElseThrow();
        double sxy = vertices.stream().mapToDouble(v -> (v[0] - mx) * (v[1] - my)).sum();
        double sxx = vertices.stream().mapToDouble(v -> (v[0] - mx) * (v[0] - mx)).sum();
        double a = sxy / sxx;
        double b = my - a * mx;
        return c -> Math.exp(b + a * Math.log(c));
    };

    /** Least-squares y ≈ p0 + p1·x + p2·x² by the normal equations (3×3, Cramer's rule). */
    static double[] quadraticFit(double[] x, double[] y) {
        double[][] m = new double[3][3];
        double[] v = new double[3];
        for (int i = 0; i < x.length; i++) {
            double[] f = {1, x[i], x[i] * x[i]};
            for (int r = 0; r < 3; r++) {
                v[r] += f[r] * y[i];
                for (int c = 0; c < 3; c++) {
                    m[r][c] += f[r] * f[c];
                }
            }
        }
        double det = det(m);
        double[] p = new double[3];
        for (int k = 0; k < 3; k++) {
            double[][] mk = {m[0].clone(), m[1].clone(), m[2].clone()};
            for (int r = 0; r < 3; r++) {
                mk[r][k] = v[r];
            }
            p[k] = det(mk) / det;
        }
        return p;
    }

    private static double det(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    @Test
    void adaptiveLadderCentresTheThirdBudgetOnTheFitOfTheFirstTwoAndRestartsIdentically() throws IOException {
        LadderSpec spec = LadderSpecReader.parse("""
                name: adaptive
                seq_len: 64
                budgets: [1e11, 3e11, 1e12]
                sizes: {count: 3, span: 3, tokens_per_param: 20, width_step: 8, min_width: 16, max_width: 256}
                rules: {head_dim: 16, batch: {min: 2, max: 64, target_steps: 50}}
                """, "adaptive.yaml");
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), spec.name());
        TestSupport.FileSink sink = new TestSupport.FileSink(tmp.resolve("sink.log"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LadderRunner.Summary s = runner(sink, log).run(spec, wd, new LadderRunner.Options(3, 0, true), PARABOLA_POWER_LAW);
        assertEquals(0, s.failed(), log.toString());

        Map<Double, Double> centres = wd.readCentres().get("dense");
        assertEquals(spec.sizes().nStar(1e11), centres.get(1e11), 1e-6);
        assertEquals(spec.sizes().nStar(3e11), centres.get(3e11), 1e-6);
        // independently: fit the finished runs of budgets 1 and 2 and predict at 1e12
        LadderPlan firstTwo = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec, wd.readCentres());
        List<NStarPredictor.FinishedRun> fin = new ArrayList<>();
        for (PlannedRun r : firstTwo.runs()) {
            if (r.budget() < 1e12) {
                fin.add(new NStarPredictor.FinishedRun("dense", r.budget(), r.activeParams(), r.tokens(),
                        wd.run(r.specHash()).finishedResult(r.specHash()).finalEvalLoss()));
            }
        }
        double expected = PARABOLA_POWER_LAW.apply(fin).applyAsDouble(1e12);
        assertEquals(expected, centres.get(1e12), 1e-9 * expected);
        assertFalse(Math.abs(expected / spec.sizes().nStar(1e12) - 1) < 1e-3, "the fit should move the centre off the rule");
        assertTrue(log.toString().contains("fitted to 2 finished budgets"), log.toString());
        // the third budget's runs bracket the fitted centre
        List<PlannedRun> third = firstTwo.runsAt(1e12);
        assertTrue(third.stream().anyMatch(r -> r.activeParams() < expected) && third.stream().anyMatch(r -> r.activeParams() > expected));

        // restart: the same runs, all already finished, nothing reported twice
        int reported = sink.lines("finished").size();
        LadderRunner.Summary again = runner(sink, new ByteArrayOutputStream()).run(spec, wd, new LadderRunner.Options(2, 0, true), PARABOLA_POWER_LAW);
        assertEquals(again.total(), again.alreadyFinished());
        assertEquals(reported, sink.lines("finished").size());
        assertEquals(reported, again.total());
    }
}
