package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings fail before any training starts, with one message naming the problem. */
class TrainerValidationTest {

    private static void assertRejected(RunSpec spec, Path runDir, String expected) {
        TrainerOptions options = TrainerOptions.defaults(runDir).withIntervals(1, 1).withEvalTokens(1024);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(spec, options, List.of(
                new TrainingListener() {
                    @Override
                    public void onStart(RunSpec s, long startStep, long totalSteps) {
                        throw new AssertionError("training started");
                    }
                })));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(Files.exists(runDir.resolve(Checkpoint.FILE_NAME)));
    }

    @Test
    void corpusSmallerThanOneBatch(@TempDir Path tmp) throws Exception {
        Path corpus = Files.createDirectories(tmp.resolve("small"));
        Files.writeString(corpus.resolve("a.txt"), "Call me Ishmael. ".repeat(20));
        Files.writeString(corpus.resolve("b.txt"), "Some years ago, never mind how long precisely.");
        assertRejected(TestSpecs.dense(ModelConfig.dense(256, 32, 1, 4, 64), 16, 10, 1e-3, 1, corpus.toString()),
                tmp.resolve("run"), "fewer than one batch");
    }

    @Test
    void missingCorpus(@TempDir Path tmp) {
        assertRejected(TestSpecs.tiny(10, tmp.resolve("no-such-corpus").toString()), tmp.resolve("run"), "does not exist");
    }

    @Test
    void tokenizerVocabMismatchAndTopThreeMoeAreRefused(@TempDir Path tmp) {
        String corpus = TestSpecs.fixtureCorpus().toString();
        RunSpec gpt2 = new RunSpec("t", ModelConfig.dense(256, 32, 1, 4, 32), 2, 5, 1e-3, 0.1, 0.1, "cosine", 1, 1, corpus,
                "gpt2", 0, "none", 0, 0);
        assertRejected(gpt2, tmp.resolve("a"), "vocab size 256 does not match the gpt2 tokenizer's 50257");
        // MoE trains (MoeTrainingTest); the layer routes each token to 1 or 2 experts, so top-3 is refused up front
        RunSpec moe = new RunSpec("t", ModelConfig.moe(256, 32, 1, 4, 32, 4, 3, 1), 2, 5, 1e-3, 0.1, 0.1, "cosine", 1, 1,
                corpus, "byte", 0, "aux", 0, 0.01);
        assertRejected(moe, tmp.resolve("b"), "got top_k 3");
        RunSpec vocab = TestSpecs.dense(ModelConfig.dense(512, 32, 1, 4, 32), 2, 5, 1e-3, 1, corpus);
        assertRejected(vocab, tmp.resolve("c"), "vocab size 512");
    }

    @Test
    void headsNotDividingWidthAndZeroStepsAreRejectedBySpecs() {
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class, () -> ModelConfig.dense(256, 30, 1, 4, 32));
        assertTrue(heads.getMessage().contains("must divide"), heads.getMessage());
        IllegalArgumentException steps = assertThrows(IllegalArgumentException.class, () -> TestSpecs.tiny(0, "x"));
        assertTrue(steps.getMessage().contains("at least one step"), steps.getMessage());
    }

    @Test
    void runDirOfAnotherSpecIsRefused(@TempDir Path tmp) {
        String corpus = TestSpecs.fixtureCorpus().toString();
        Path dir = tmp.resolve("run");
        TrainerOptions options = TrainerOptions.defaults(dir).withIntervals(2, 2).withEvalTokens(512);
        Trainer.run(TestSpecs.tiny(2, corpus), options, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.run(TestSpecs.tiny(3, corpus), options, List.of()));
        assertTrue(e.getMessage().contains("another spec"), e.getMessage());
    }

    @Test
    void finishedRunEvaluatedOnOtherTokensIsRefused(@TempDir Path tmp) {
        String corpus = TestSpecs.fixtureCorpus().toString();
        Path dir = tmp.resolve("run");
        TrainerOptions options = TrainerOptions.defaults(dir).withIntervals(2, 2).withEvalTokens(512);
        TrainingResult done = Trainer.run(TestSpecs.tiny(2, corpus), options, List.of());
        org.junit.jupiter.api.Assertions.assertEquals(512, done.evalTokenLimit());
        org.junit.jupiter.api.Assertions.assertEquals(511, done.evalTokens());
        org.junit.jupiter.api.Assertions.assertEquals(done, Trainer.run(TestSpecs.tiny(2, corpus), options, List.of()), "same settings: the result as it is");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Trainer.run(TestSpecs.tiny(2, corpus), options.withEvalTokens(1024), List.of()));
        assertTrue(e.getMessage().contains("evaluated on 512 held-out tokens, not the 1024 asked for"), e.getMessage());
    }
}
