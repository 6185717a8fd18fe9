package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import scalelab.training.ModelConfig;

class LadderPlannerTest {
    private static final LadderPlanner PLANNER = new LadderPlanner(ThroughputModel.DEFAULT);

    private static final String MOE_LADDER = """
            name: moe-mix
            seq_len: 64
            families:
              - name: dense
              - {name: moe4, experts: 4, top_k: 2, balance: aux, granularity: 2}
              - {name: moe8q, experts: 8, top_k: 1, balance: quantile}
            budgets: [2e11, 7e11, 3e12]
            sizes: {count: 5, span: 3, tokens_per_param: 20, width_step: 8, min_width: 16, max_width: 256}
            rules: {depth: {divisor: 32, min: 2}, head_dim: 16, batch: {min: 2, max: 64, target_steps: 100}}
            """;

    /** Parameters counted layer by layer from the architecture description, independently of ModelConfig. */
    private static long[] independentParams(ModelConfig m) {
        long d = m.dModel();
        long attention = 4 * d * d; // q, k, v, o without biases
        long norms = 2 * 2 * d;     // two LayerNorms (gamma, beta) per block
        long mlpTotal;
        long mlpActive;
        if (m.experts() == 1) {
            mlpTotal = mlpActive = 2 * d * (4 * d);
        } else {
            long router = d * m.experts();
            mlpTotal = router + m.experts() * 2 * d * m.dExpert();
            mlpActive = router + m.topK() * 2 * d * m.dExpert();
        }
        long finalNorm = 2 * d;
        return new long[] {m.layers() * (attention + mlpTotal + norms) + finalNorm, m.layers() * (attention + mlpActive + norms) + finalNorm};
    }

    /** FLOPs per token: 6 × (every matmul weight a token passes, head included) + attention scores/values 12·L·d·T. */
    private static double independentFlopsPerToken(ModelConfig m) {
        long d = m.dModel();
        long mlp = m.experts() == 1 ? 8 * d * d : d * m.experts() + m.topK() * 2 * d * m.dExpert();
        double matmul = m.layers() * (4.0 * d * d + mlp) + (double) m.vocabSize() * d;
        return 6 * matmul + 12.0 * m.layers() * d * m.seqLen();
    }

    private static void checkEveryRun(LadderPlan plan) {
        assertFalse(plan.runs().isEmpty());
        Set<String> hashes = new HashSet<>();
        for (PlannedRun r : plan.runs()) {
            ModelConfig m = r.spec().model();
            long[] n = independentParams(m);
            assertEquals(n[0], r.params(), r.spec().name() + " N");
            assertEquals(n[1], r.activeParams(), r.spec().name() + " N_active");
            long tokens = r.spec().steps() * r.spec().batchSize() * (long) m.seqLen();
            assertEquals(tokens, r.tokens(), r.spec().name() + " D");
            double flops = independentFlopsPerToken(m) * tokens;
            assertEquals(flops, r.plannedFlops(), flops * 1e-12, r.spec().name() + " FLOPs");
            assertTrue(Math.abs(flops / r.budget() - 1) <= 0.01, r.spec().name() + ": planned " + flops + " vs budget " + r.budget());
            assertEquals(r.budget(), r.spec().budgetFlops());
            // the width rules
            LadderSpec.Rules rules = plan.spec().rules();
            assertEquals(Math.max(rules.minDepth(), Math.round(r.width() / (double) rules.depthDivisor())), m.layers());
            assertEquals(0, m.dModel() % m.heads());
            assertEquals(rules.lr().at(r.width(), r.spec().batchSize(), r.tokens()), r.spec().learningRate(), 1e-15);
            assertTrue(r.spec().batchSize() >= rules.minBatch() && r.spec().batchSize() <= rules.maxBatch());
            assertTrue(r.estimatedSeconds() > 0);
            assertTrue(hashes.add(r.specHash()), "duplicate run " + r.spec().name());
        }
    }

    @Test
    void examplesPlanWithinOnePercentOfEveryBudgetAndMatchIndependentCounts() {
        for (String f : List.of("examples/ladder-tiny.yaml", "examples/ladder-cpu.yaml", "examples/ladder-moe-tiny.yaml")) {
            LadderPlan plan = PLANNER.plan(LadderSpecReader.read(TestSupport.repoRoot().resolve(f)));
            checkEveryRun(plan);
        }
        LadderPlan cpu = PLANNER.plan(LadderSpecReader.read(TestSupport.repoRoot().resolve("examples/ladder-cpu.yaml")));
        assertTrue(cpu.spec().budgets().size() >= 3);
        for (double b : cpu.spec().budgets()) {
            assertTrue(cpu.runsAt(b).size() >= 5, "ladder-cpu needs 5+ sizes per budget, has " + cpu.runsAt(b).size() + " at " + b);
        }
        // "about an hour" on this machine under the documented default throughput figures
        assertTrue(cpu.totalEstimatedSeconds() > 40 * 60 && cpu.totalEstimatedSeconds() < 80 * 60, "cpu ladder " + cpu.totalEstimatedSeconds() + " s");
    }

    private static final String HORIZON_LADDER = """
            name: horizon
            seq_len: 64
            budgets: [3e11, 1e12, 3e12]
            sizes: {widths: [32, 48, 64]}
            rules:
              depth: {divisor: 100, min: 2}
              head_dim: 16
              batch: {min: 4, max: 64, target_steps: 150}
              lr: {coefficient: 3e-3, batch_ref: 16, batch_exponent: 0.5, width_ref: 64, width_exponent: -1, tokens_ref: 2e6, tokens_exponent: -0.3}
            targets:
              - {name: ten-x, budget: 3e13, width: 48}
              - {name: optimal, budget: 3e13}
            """;

    /** The rule written out from the YAML's numbers, not through LadderSpec.LearningRate. */
    private static double horizonRule(PlannedRun r) {
        return 3e-3 * Math.pow(r.spec().batchSize() / 16.0, 0.5) * Math.pow(r.width() / 64.0, -1) * Math.pow(r.tokens() / 2e6, -0.3);
    }

    @Test
    void theLearningRateRuleIsAppliedToRunsAndTargetsAlike() {
        LadderSpec spec = LadderSpecReader.parse(HORIZON_LADDER, "horizon.yaml");
        LadderPlan plan = PLANNER.plan(spec);
        checkEveryRun(plan);
        for (PlannedRun r : plan.runs()) {
            assertEquals(horizonRule(r), r.spec().learningRate(), 1e-12 * horizonRule(r), r.spec().name());
        }
        PlannedRun tenX = PLANNER.planTarget(spec, spec.targets().get(0));
        PlannedRun optimal = PLANNER.planTarget(spec, spec.targets().get(1));
        for (PlannedRun t : List.of(tenX, optimal)) {
            assertEquals(horizonRule(t), t.spec().learningRate(), 1e-12 * horizonRule(t), t.spec().name());
        }
        assertEquals(48, tenX.width());
        // without a width the target takes the width nearest N* = (C/120)^0.5 (explicit widths have no size rule)
        assertTrue(Math.abs(Math.log(optimal.activeParams() / Math.sqrt(3e13 / 120))) < Math.log(1.5), "N=" + optimal.activeParams());
        // the token-horizon term: the same width at the same batch trained ~10x longer gets (10x)^-0.3 of the rate
        PlannedRun ladderRun = plan.runs().stream().filter(r -> r.width() == 48 && r.budget() == 3e12).findFirst().orElseThrow();
        double perBatch = Math.sqrt((double) tenX.spec().batchSize() / ladderRun.spec().batchSize());
        double horizon = Math.pow((double) tenX.tokens() / ladderRun.tokens(), -0.3);
        assertEquals(ladderRun.spec().learningRate() * perBatch * horizon, tenX.spec().learningRate(), 1e-12);
        assertTrue(tenX.tokens() > 5 * ladderRun.tokens() && horizon < 0.62, "a 10x budget trains ~10x longer: " + horizon);
        // without the horizon term (Marin's rule, the default) the same target would get a rate (D/2e6)^0.3 higher
        double marin = 3e-3 * Math.sqrt(tenX.spec().batchSize() / 16.0) * 64.0 / 48;
        assertTrue(tenX.spec().learningRate() < marin, tenX.spec().learningRate() + " vs " + marin);
    }

    @Test
    void batchMultipleOfKeepsEveryRunNearTheTargetStepsAndTheRuleStillApplies() {
        LadderPlan pow2 = PLANNER.plan(LadderSpecReader.parse(HORIZON_LADDER, "horizon.yaml"));
        LadderPlan even = PLANNER.plan(LadderSpecReader.parse(HORIZON_LADDER.replace("target_steps: 150}",
                "target_steps: 150, multiple_of: 1}"), "even.yaml"));
        checkEveryRun(even);
        double worstPow2 = 0, worstEven = 0;
        for (PlannedRun r : even.runs()) {
            if (r.spec().batchSize() > 4 && r.spec().batchSize() < 64) { // not held at a bound
                worstEven = Math.max(worstEven, Math.abs(Math.log(r.spec().steps() / 150.0)));
            }
            assertEquals(horizonRule(r), r.spec().learningRate(), 1e-12 * horizonRule(r), r.spec().name());
        }
        for (PlannedRun r : pow2.runs()) {
            worstPow2 = Math.max(worstPow2, Math.abs(Math.log(r.spec().steps() / 150.0)));
        }
        assertTrue(worstEven < Math.log(1.15), "every unbounded run within 15% of 150 steps: " + Math.exp(worstEven));
        assertTrue(worstPow2 > worstEven, "powers of two spread the steps wider (" + Math.exp(worstPow2) + "×)");
        assertTrue(LadderSpecReader.parse(HORIZON_LADDER, "h.yaml").rules().batchMultiple() == 0);
    }

    @Test
    void withoutALearningRateBlockTheRuleIsMarins() {
        LadderSpec spec = LadderSpecReader.parse(HORIZON_LADDER.replaceAll("(?m)^  lr: .*\n", ""), "marin.yaml");
        assertEquals(LadderSpec.LearningRate.marin(0.33), spec.rules().lr());
        LadderPlan plan = PLANNER.plan(spec);
        for (PlannedRun r : plan.runs()) {
            // the exact expression the planner used before the rule had a token-horizon term: same rates, same run keys
            assertEquals(0.33 * Math.sqrt(r.spec().batchSize()) / r.width(), r.spec().learningRate(), 0.0, r.spec().name());
        }
    }

    @Test
    void moeFamiliesArePlannedInActiveParamsAndSizesBracketNStar() {
        LadderPlan plan = PLANNER.plan(LadderSpecReader.parse(MOE_LADDER, "moe.yaml"));
        checkEveryRun(plan);
        for (LadderSpec.Family f : plan.spec().families()) {
            for (double b : plan.spec().budgets()) {
                List<PlannedRun> runs = plan.runs().stream().filter(r -> r.family().equals(f.name()) && r.budget() == b).toList();
                assertTrue(runs.size() >= 4, f.name() + " at " + b + ": " + runs.size());
                double nStar = plan.nStarCentres().get(f.name()).get(b);
                assertEquals(Math.sqrt(b / 120), nStar, 1e-9 * nStar);
                long below = runs.stream().filter(r -> r.activeParams() < nStar).count();
                assertTrue(below >= 1 && below < runs.size(), "sizes must bracket N* for " + f.name() + " at " + b);
                if (f.isMoe()) {
                    runs.forEach(r -> assertTrue(r.params() > r.activeParams()));
                    runs.forEach(r -> assertEquals(f.experts(), r.spec().model().experts()));
                    runs.forEach(r -> assertEquals(f.balance(), r.spec().balance()));
                }
            }
        }
    }

    @Test
    void adaptiveCentresOverrideTheRule() {
        LadderSpec spec = LadderSpecReader.parse(MOE_LADDER, "moe.yaml");
        LadderPlan plan = PLANNER.plan(spec, java.util.Map.of("dense", java.util.Map.of(3e12, 4.0e4)));
        assertEquals(4.0e4, plan.nStarCentres().get("dense").get(3e12));
        assertEquals(Math.sqrt(3e12 / 120), plan.nStarCentres().get("moe4").get(3e12), 1e-6);
        List<PlannedRun> dense = plan.runs().stream().filter(r -> r.family().equals("dense") && r.budget() == 3e12).toList();
        assertTrue(dense.stream().anyMatch(r -> r.activeParams() < 4.0e4) && dense.stream().anyMatch(r -> r.activeParams() > 4.0e4));
    }

    @Test
    void throughputModelInterpolatesInLogParams() {
        ThroughputModel t = new ThroughputModel("test", 5, List.of(new ThroughputModel.Point(6e5, 8e10, 0.02),
                new ThroughputModel.Point(5e4, 4e10, 0.01)));
        assertEquals(4e10, t.flopsPerSecond(1e3));
        assertEquals(0.01, t.stepSeconds(1e3));
        assertEquals(8e10, t.flopsPerSecond(1e9));
        assertEquals(0.02, t.stepSeconds(1e9));
        double mid = Math.sqrt(5e4 * 6e5);
        assertEquals(6e10, t.flopsPerSecond(mid), 1e-3);
        assertEquals(0.015, t.stepSeconds(mid), 1e-12);
    }

    @Test
    void twoBatchMeasurementsSeparateTheStepCostFromTheTokenRate() {
        long n = 100_000;
        // 0.01 s per step plus 6N·tokens at 6e10 FLOP/s: 4·128 tokens take 0.01512 s, 32·128 take 0.05096 s
        double perToken = 6.0 * n / 6e10;
        ThroughputModel.Point p = new ThroughputModel.Measured("d64", n, 128, 4, 0.01 + 512 * perToken, 32, 0.01 + 4096 * perToken).toPoint();
        assertEquals(6e10, p.flopsPerSecond(), 1e-3 * 6e10);
        assertEquals(0.01, p.stepSeconds(), 1e-9);
        // noise that makes the small batch slower per step than the large one: no step cost, the large batch's rate
        ThroughputModel.Point noisy = new ThroughputModel.Measured("d64", n, 128, 4, 0.06, 32, 0.05).toPoint();
        assertEquals(0.0, noisy.stepSeconds());
        assertEquals(6.0 * n * 4096 / 0.05, noisy.flopsPerSecond(), 1e-6 * noisy.flopsPerSecond());
        assertEquals("", new ThroughputModel.Measured("d64", n, 128, 4, 0.01 + 512 * perToken, 32, 0.01 + 4096 * perToken).fallback());
        assertEquals("d64: batch 4 (0.0600 s/step) was no faster than batch 32 (0.0500 s/step), timing noise; step cost taken as 0 "
                + "and the rate from batch 32 alone", new ThroughputModel.Measured("d64", n, 128, 4, 0.06, 32, 0.05).fallback());
        // a line through the two points that crosses zero tokens below zero seconds: a negative step cost, said so
        ThroughputModel.Measured negative = new ThroughputModel.Measured("d64", n, 128, 4, 0.001, 32, 0.05);
        assertEquals(0.0, negative.toPoint().stepSeconds());
        assertTrue(negative.fallback().startsWith("d64: the fitted step cost was negative (-0.0060 s)"), negative.fallback());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ThroughputModel.Measured("d64", n, 128, 16, 0.05, 16, 0.05));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ThroughputModel.Measured("d64", n, 128, 4, Double.NaN, 16, 0.05));
    }

    private static final String EVAL_LADDER = """
            name: eval-cost
            seq_len: 64
            budgets: [2e11, 7e11]
            sizes: {widths: [32, 64]}
            rules: {depth: {divisor: 32, min: 2}, head_dim: 16, batch: {min: 2, max: 64, target_steps: 100}}
            eval: {tokens: 8192}
            """;

    /** Held-out passes of an uninterrupted run, counted step by step like the trainer's loop. */
    private static long evalPasses(long steps) {
        long interval = Math.max(1, steps / 10);
        long settle = steps - Math.max(1, Math.round(steps / 50.0)); // the evaluation 2% before the end
        long passes = 0;
        for (long step = 1; step < steps; step++) {
            if (step % interval == 0 || step == settle) {
                passes++;
            }
        }
        return passes + 1; // the final evaluation
    }

    @Test
    void savedBenchFiguresDriveTheEstimatesIncludingEvaluation(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path f = tmp.resolve("sub/bench-train.json");
        // one measured size: 0.002 s per step plus its tokens at 6N·1e-11 s each (1.2e11 6N FLOP/s) then apply to every size
        double perToken = 6.0 * 100_000 / 1.2e11;
        ThroughputModel.save(f, List.of(new ThroughputModel.Measured("d64 L2 H4", 100_000, 64, 2, 0.002 + 128 * perToken,
                        16, 0.002 + 1024 * perToken)), 3, java.time.Instant.parse("2026-11-23T10:15:30.123Z"));
        ThroughputModel t = ThroughputModel.read(f);
        assertTrue(t.source().contains("2026-11-23T10:15:30Z") && t.source().contains("3 engine threads")
                && t.source().contains(f.toString()), t.source());
        assertEquals(ThroughputModel.DEFAULT.startupSeconds(), t.startupSeconds(), "the bench does not measure start-up: the default stays");
        LadderSpec spec = LadderSpecReader.parse(EVAL_LADDER, "eval.yaml");
        LadderPlan measured = new LadderPlanner(t).plan(spec);
        LadderPlan defaults = PLANNER.plan(spec);
        for (int i = 0; i < measured.runs().size(); i++) {
            PlannedRun r = measured.runs().get(i);
            double n = r.activeParams();
            double evalTokens = 8192.0 * evalPasses(r.spec().steps());
            assertEquals(t.startupSeconds() + 0.002 * r.spec().steps() + (6 * n * r.tokens() + 2 * n * evalTokens) / 1.2e11, r.estimatedSeconds(), 1e-6,
                    r.spec().name());
            assertTrue(2 * n * evalTokens > 0.01 * 6 * n * r.tokens(), "evaluation is a visible share of the compute here: " + r.spec().name());
            assertFalse(Math.abs(defaults.runs().get(i).estimatedSeconds() - r.estimatedSeconds()) < 1e-6, "the saved file changed nothing");
        }
    }

    @Test
    void aBenchFileWithoutStepCostsStillReads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = tmp.resolve("bench-train.json");
        java.nio.file.Files.writeString(f, "{\"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": 1e10}]}");
        ThroughputModel t = ThroughputModel.read(f);
        assertEquals(0.0, t.stepSeconds(1e5));
        assertEquals(1e10, t.flopsPerSecond(1e5));
    }

    @Test
    void malformedBenchFileIsOneLineNamingIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path f = tmp.resolve("bench-train.json");
        for (String content : List.of("{\"points\": [{\"activeParams\": 1e5, ", "[]", "{\"points\": []}",
                "{\"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": -1}]}",
                "{\"points\": [{\"activeParams\": \"many\", \"flopsPerSecond\": 1e10}]}",
                "{\"startupSeconds\": -3, \"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": 1e10}]}",
                "{\"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": 1e10, \"stepSeconds\": -0.1}]}",
                // a key twice (the last used to win) and text after the object (used to be ignored)
                "{\"points\": [], \"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": 1e10}]}",
                "{\"points\": [{\"activeParams\": 1e5, \"flopsPerSecond\": 1e10}]} junk")) {
            java.nio.file.Files.writeString(f, content);
            String msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ThroughputModel.read(f)).getMessage();
            assertTrue(msg.startsWith("throughput file " + f + ": ") && msg.contains("bench train --save"), content + " -> " + msg);
            assertFalse(msg.contains("\n"), content + " -> " + msg);
        }
    }

    @Test
    void batchCandidatesArePowersOfTwoWithinBounds() {
        assertEquals(List.of(3, 4, 8, 16, 20), LadderPlanner.batchCandidates(3, 20, 0));
        assertEquals(List.of(4, 8, 16, 32, 64), LadderPlanner.batchCandidates(4, 64, 0));
        assertEquals(List.of(8), LadderPlanner.batchCandidates(8, 8, 0));
        // multiple_of: every multiple between the bounds, so a run's steps stay close to target_steps
        assertEquals(List.of(3, 4, 8, 12, 16, 20), LadderPlanner.batchCandidates(3, 20, 4));
        assertEquals(List.of(4, 8, 12, 14), LadderPlanner.batchCandidates(4, 14, 4));
    }
}
