package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LadderSpecReaderTest {
    private static final String BASE = """
            name: t
            seq_len: 64
            budgets: [1e11, 3e11]
            sizes:
              widths: [32, 64]
            """;

    private static void assertError(String yaml, String... fragments) {
        LadderSpecException e = assertThrows(LadderSpecException.class,
                () -> new LadderPlanner(ThroughputModel.DEFAULT).plan(LadderSpecReader.parse(yaml, "l.yaml")));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    @Test
    void readsDefaultsAndNumbersWrittenAsText() {
        LadderSpec s = LadderSpecReader.parse(BASE, "l.yaml");
        assertEquals(List.of(1e11, 3e11), s.budgets()); // "1e11" is a YAML 1.1 string: read as a number
        assertEquals(256, s.vocabSize());
        assertEquals("dense", s.families().get(0).name());
        assertEquals(LadderSpec.LearningRate.marin(0.33), s.rules().lr());
        assertEquals(List.of(32, 64), s.sizes().widths());
        assertEquals("cosine", s.schedule().type());
    }

    @Test
    void unknownKeysNameTheirLine() {
        assertError(BASE + "schedul: {type: cosine}\n", "l.yaml:6:", "unknown key 'schedul'");
        assertError(BASE.replace("  widths: [32, 64]", "  widths: [32, 64]\n  widht_step: 8"), "l.yaml:6:", "widht_step");
        assertError(BASE + "rules:\n  depth: {divisor: 32, minimum: 2}\n", "l.yaml:7:", "rules.depth.minimum");
    }

    @Test
    void impossibleCombinationsNameTheirLine() {
        assertError(BASE + "families:\n  - name: m\n    experts: 4\n    top_k: 8\n", "l.yaml:9:", "top_k (8) cannot exceed experts (4)");
        assertError(BASE + "families:\n  - name: d\n    top_k: 2\n", "l.yaml:8:", "only applies to MoE");
        assertError(BASE.replace("[1e11, 3e11]", "[3e11, 1e11]"), "l.yaml:3:", "strictly increasing");
        assertError(BASE.replace("  widths: [32, 64]", "  widths: [32, 64]\n  count: 5"), "l.yaml:6:", "not both");
        assertError(BASE.replace("widths: [32, 64]", "widths: [32, 33]"), "l.yaml:5:", "even integer");
        assertError(BASE + "families:\n  - {name: m, experts: 4, top_k: 1, balance: quantile, aux_loss_coef: 0.1}\n",
                "l.yaml:7:", "quantile balancing takes no auxiliary loss");
        assertError(BASE + "rules:\n  batch: {min: 64, max: 8}\n", "l.yaml:7:", "exceeds batch max");
        assertError(BASE + "rules:\n  lr: {coefficient: 3e-3, tokens_exponent: -0.3}\n", "l.yaml:7:", "tokens_exponent needs tokens_ref");
        assertError(BASE + "rules:\n  lr: {coefficient: 3e-3, horizon: 2e6}\n", "l.yaml:7:", "unknown key 'horizon'");
        assertError(BASE + "targets:\n  - {name: x, budget: 1e13, family: moe}\n", "l.yaml:7:", "no family named 'moe'");
        assertError(BASE + "families:\n  - {name: target-x}\n", "l.yaml:7:", "family name 'target-x'", "not start with 'target'");
        assertError(BASE + "families:\n  - {name: a b}\n", "l.yaml:7:", "family name 'a b'");
        assertError(BASE + "tokenizer: words\n", "l.yaml:6:", "byte or gpt2");
        assertError("name: t\nbudgets: [1e11]\n", "sizes is required");
        assertError(BASE.replace("name: t", "name: a/b"), "l.yaml:1:", "names a directory");
    }

    @Test
    void evalSetIsTheValidationSplitAndTokensAreAtLeastOnePrediction() {
        assertError(BASE + "eval:\n  set: test\n", "l.yaml:7:", "eval.set must be validation", "got test");
        assertError(BASE + "eval: {tokens: 1}\n", "l.yaml:6:", "tokens must be an integer in [2,");
        LadderSpec s = LadderSpecReader.parse(BASE + "eval: {set: validation, tokens: 2}\n", "l.yaml");
        assertEquals(new LadderSpec.Eval("validation", 2), s.eval());
        assertEquals(new LadderSpec.Eval("validation", 65536), LadderSpecReader.parse(BASE, "l.yaml").eval());
    }

    @Test
    void budgetTooSmallForAWidthNamesTheBudgetLine() {
        // one step of width 64 at batch 8 costs 4.03e8 FLOPs: 1 or 2 steps are both >1% off 6e8
        assertError("""
                name: t
                seq_len: 64
                budgets:
                  - 6e8
                  - 1e11
                sizes: {widths: [64]}
                rules: {batch: {min: 8, max: 8}}
                """, "l.yaml:4:", "too small for width 64");
    }

    @Test
    void moeGranularityMustDivideTheMlpWidth() {
        assertError(BASE.replace("[32, 64]", "[32, 64, 34]") + "families:\n  - {name: m, experts: 4, top_k: 1, granularity: 16}\n",
                "l.yaml:7:", "granularity 16 does not divide");
    }

    @Test
    void identicalFamiliesAreRejected() {
        assertError(BASE + "families:\n  - {name: a}\n  - {name: b}\n", "l.yaml:6:", "resolve to the same spec");
    }

    @Test
    void notYamlIsAnErrorWithALine() {
        assertError("name: t\nbudgets: [1e11\n", "l.yaml:", "not valid YAML");
    }

    @Test
    void aKeyGivenTwiceIsRefusedNamingBothLines() {
        // YAML parsers let the last `budgets:` win: the ladder would silently train other budgets than the first list
        assertError(BASE + "budgets: [1e12]\n", "l.yaml:6:", "duplicate key 'budgets' (first given on line 3)");
        assertError(BASE.replace("widths: [32, 64]", "widths: [32, 64]\n  widths: [48]"), "l.yaml:6:", "sizes.widths: duplicate key 'widths'");
        // the same key in two different mappings is fine
        LadderSpecReader.parse(BASE + "targets:\n  - {name: a, budget: 1e12}\n  - {name: b, budget: 3e12}\n", "l.yaml");
    }

    @Test
    void twoTargetsOfOneNameAreRefused() {
        assertError(BASE + "targets:\n  - {name: t1, budget: 1e12}\n  - {name: t1, budget: 3e12}\n",
                "l.yaml:8:", "target name 't1' is used twice (also targets.0, line 7)");
    }

    @Test
    void sizesAndBudgetsAreCheckedBeforeIntegerOverflow() {
        // was "d_ff must be positive, got -589934592": 4·d overflowed an int
        assertError(BASE.replace("[32, 64]", "[16, 2000000000]"), "l.yaml:5:", "sizes.widths.1: a width must be at most 65536");
        // was "too small for width 16": the step count saturated a long
        assertError(BASE.replace("[1e11, 3e11]", "[1e300]"), "l.yaml:3:", "budgets.0: a budget of", "FLOPs is out of range");
        assertError(BASE.replace("[1e11, 3e11]", "[1e29]"), "l.yaml:3:", "out of range for width 32", "training tokens");
        assertError(BASE + "targets:\n  - {name: t1, budget: 1e300}\n", "l.yaml:7:", "budget must be in");
    }

    @Test
    void invalidUtf8InTheFileIsRefusedNamingTheLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("latin1.yaml");
        java.nio.file.Files.write(file, (BASE + "# caf\u00e9\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        LadderSpecException e = assertThrows(LadderSpecException.class, () -> LadderSpecReader.read(file));
        assertTrue(e.getMessage().startsWith(file + ":6: not valid UTF-8"), e.getMessage());
    }

    @Test
    void aRelativeCorpusIsTakenFromTheSpecFilesDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path specDir = java.nio.file.Files.createDirectories(dir.resolve("ladders"));
        java.nio.file.Path file = specDir.resolve("rel.yaml");
        java.nio.file.Files.writeString(file, BASE + "corpus: ../texts/mine\n");
        LadderSpec spec = LadderSpecReader.read(file);
        assertEquals(dir.resolve("texts/mine").toAbsolutePath().toString(), spec.corpus());
        // every run carries the absolute path: the trainer runs in the run's own directory
        for (PlannedRun r : new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs()) {
            assertEquals(spec.corpus(), r.spec().corpus());
        }
        java.nio.file.Files.writeString(file, BASE + "corpus: /abs/texts\n");
        assertEquals("/abs/texts", LadderSpecReader.read(file).corpus());
        java.nio.file.Files.writeString(file, BASE);
        assertEquals("default", LadderSpecReader.read(file).corpus());
    }
}
