package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.training.data.Corpus;

/** A real language model: a small dense transformer trained on the Moby-Dick fixture beats the unigram entropy. */
class TrainingAcceptanceTest {

    /** Entropy (nats/byte) of the held-out text's own byte frequencies: no context-free predictor does better on it. */
    private static double heldOutUnigramEntropy(Corpus corpus) {
        long[] counts = new long[256];
        long total = 0;
        for (Corpus.Document d : corpus.validation()) {
            for (byte b : d.utf8()) {
                counts[b & 0xFF]++;
                total++;
            }
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                h -= c / (double) total * Math.log(c / (double) total);
            }
        }
        return h;
    }

    @Test
    void smallDenseModelEndsWellBelowTheUnigramEntropy(@TempDir Path runDir) {
        Path corpusDir = TestSpecs.fixtureCorpus();
        double unigram = heldOutUnigramEntropy(Corpus.load(corpusDir));
        ModelConfig model = ModelConfig.dense(256, 128, 2, 4, 128);
        RunSpec spec = TestSpecs.dense(model, 16, 500, 3e-3, 11, corpusDir.toString());
        List<Double> evals = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onEval(long step, long tokens, double loss, double bitsPerByte) {
                evals.add(loss);
            }
        };
        TrainerOptions options = TrainerOptions.defaults(runDir).withIntervals(200, 100).withEvalTokens(16_384);
        TrainingResult r = Trainer.run(spec, options, List.of(recorder));

        System.out.printf("acceptance: held-out %.4f nats/token vs unigram entropy %.4f; %.0f tok/s, %.1f s%n",
                r.finalEvalLoss(), unigram, r.tokensPerSecond(), r.wallSeconds());
        assertEquals(TrainingResult.COMPLETED, r.status());
        assertEquals(500, r.steps());
        assertTrue(r.finalEvalLoss() < unigram - 1.0,
                "held-out loss " + r.finalEvalLoss() + " nats/token not well below the unigram entropy " + unigram);
        assertEquals(r.finalEvalLoss() / Math.log(2), r.finalEvalBitsPerByte(), 1e-9, "byte tokens: bits/byte = nats / ln 2");
        assertEquals(r.finalEvalLoss(), evals.get(evals.size() - 1), 0);
        assertTrue(evals.get(0) > r.finalEvalLoss(), "held-out loss must fall: " + evals);
        // exact FLOP accounting: counted step by step equals the plan, which is per-token FLOPs × tokens
        assertEquals(r.plannedFlops(), r.countedFlops(), 1e-9 * r.plannedFlops());
        assertEquals(model.trainingFlopsPerToken() * 500 * 16 * 128, r.countedFlops(), 1e-9 * r.countedFlops());
        assertTrue(r.mfu() > 0 && r.tokensPerSecond() > 0 && r.peakFlopsPerSecond() > 0);
        assertTrue(Files.isRegularFile(runDir.resolve(TrainingResult.FILE_NAME)));

        // a rerun with result.json present does nothing and returns the stored result
        AtomicInteger started = new AtomicInteger();
        TrainingListener counter = new TrainingListener() {
            @Override
            public void onStart(RunSpec s, long startStep, long totalSteps) {
                started.incrementAndGet();
            }
        };
        TrainingResult again = Trainer.run(spec, options, List.of(counter));
        assertEquals(0, started.get());
        assertEquals(r, again);
    }
}
