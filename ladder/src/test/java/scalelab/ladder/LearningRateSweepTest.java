package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.fitting.hparams.LearningRateSweepFit;

class LearningRateSweepTest {
    private static final String SPEC = """
            name: sw
            corpus: default
            tokenizer: byte
            seq_len: 64
            families:
              - name: dense
            budgets: [1e12]
            sizes:
              widths: [32]
            rules:
              depth: {divisor: 100, min: 2}
              head_dim: 16
              batch: {min: 4, max: 64, target_steps: 150}
              lr: {coefficient: 0.33}
            """;

    @Test
    void plansEveryFactorAtTheRulesRateAndRecoversAKnownRuleFromTrainedRuns(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("sw.yaml");
        Files.writeString(file, SPEC);
        LadderSpec spec = LadderSpecReader.read(file);
        LearningRateSweep sweep = new LearningRateSweep(spec, List.of(5e11, 2e12), List.of(32, 64), List.of(2.0, 0.125, 0.25, 0.5, 1.0));
        LadderPlanner planner = new LadderPlanner(ThroughputModel.DEFAULT);
        List<PlannedRun> runs = sweep.plan(planner);
        assertEquals(20, runs.size());
        for (PlannedRun r : runs) {
            // the ladder's own rule (0.33·√B/d) times a factor, the rest exactly as the ladder would plan the run
            double rule = spec.rules().lr().at(r.width(), r.spec().batchSize(), r.tokens());
            double factor = r.spec().learningRate() / rule;
            assertTrue(List.of(0.125, 0.25, 0.5, 1.0, 2.0).stream().anyMatch(f -> Math.abs(f - factor) < 1e-12), r.spec().name());
            assertTrue(Math.abs(r.plannedFlops() / r.budget() - 1) <= LadderPlanner.MAX_BUDGET_ERROR);
            assertTrue(r.spec().name().startsWith("sw-sweep-"), r.spec().name());
        }
        assertEquals(20, runs.stream().map(PlannedRun::specHash).distinct().count());

        // best lr* = 0.2·√B/d·(D/1e6)^-0.3: the sweep must find the width exponent -1 and the horizon exponent -0.3
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), sweep.ladderName());
        LadderRunner runner = new LadderRunner(planner, new LocalExecutor(TestSupport.trainerDoubleWithBestLr(50, 0.2, -0.3), 1),
                LadderResultSink.NONE, new PrintStream(new ByteArrayOutputStream(), true));
        LadderRunner.Summary s = runner.execute(runs, wd, new LadderRunner.Options(2, 0, false));
        assertEquals(20, s.finished());
        LearningRateSweepFit.Result fit = sweep.fit(LearningRateSweep.trials(runs, wd));
        assertEquals(4, fit.cells().size());
        assertTrue(fit.cells().stream().allMatch(c -> c.status() == LearningRateSweepFit.CellStatus.INTERIOR), fit.cells().toString());
        LearningRateSweepFit.Rule rule = fit.rule();
        assertEquals(LearningRateSweepFit.RuleStatus.FITTED, rule.status()); // 4 cells, 3 free parameters
        assertEquals(-1.0, rule.widthExponent(), 1e-6);
        assertEquals(-0.3, rule.tokensExponent(), 1e-6);
        PlannedRun any = runs.get(7);
        double best = 0.2 * Math.sqrt(any.spec().batchSize()) / any.width() * Math.pow(any.tokens() / 1e6, -0.3);
        assertEquals(best, rule.at(any.width(), any.spec().batchSize(), any.tokens()), 1e-6 * best);
    }

    @Test
    void refusesTooFewOrRepeatedFactors(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("sw.yaml");
        Files.writeString(file, SPEC);
        LadderSpec spec = LadderSpecReader.read(file);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSweep(spec, List.of(1e12), List.of(32), List.of(0.5, 1.0)));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSweep(spec, List.of(1e12), List.of(32), List.of(0.5, 1.0, 1.0)));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSweep(spec, List.of(1e12), List.of(32), List.of(-1.0, 1.0, 2.0)));
    }
}
