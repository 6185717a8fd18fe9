package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.training.data.ByteTokenizer;
import scalelab.training.data.Corpus;
import scalelab.training.data.PackedDataset;
import scalelab.training.optim.LearningRateSchedule;

class DataAndScheduleTest {

    @Test
    void fixtureSplitsByDocumentAndTheSplitIsStable() {
        Corpus a = Corpus.load(TestSpecs.fixtureCorpus());
        Corpus b = Corpus.load(TestSpecs.fixtureCorpus());
        assertEquals(34, a.train().size() + a.validation().size());
        assertFalse(a.validation().isEmpty());
        Set<String> trainIds = new HashSet<>();
        a.train().forEach(d -> trainIds.add(d.id()));
        a.validation().forEach(d -> assertFalse(trainIds.contains(d.id()), d.id() + " is in both splits"));
        assertEquals(a.validation().stream().map(Corpus.Document::id).toList(), b.validation().stream().map(Corpus.Document::id).toList());
    }

    @Test
    void batchesArePureFunctionsOfSeedAndStepAndEvalSetIgnoresTheSeed() {
        Corpus corpus = Corpus.load(TestSpecs.fixtureCorpus());
        PackedDataset seed1 = new PackedDataset(corpus, new ByteTokenizer(), 64, 1, 4096);
        PackedDataset seed1Again = new PackedDataset(corpus, new ByteTokenizer(), 64, 1, 4096);
        PackedDataset seed2 = new PackedDataset(corpus, new ByteTokenizer(), 64, 2, 4096);
        // step 7 of a fresh dataset equals step 7 reached after other steps (what resuming relies on)
        seed1Again.trainBatch(0, 8);
        seed1Again.trainBatch(100_000, 8); // a later epoch
        assertArrayEquals(seed1.trainBatch(7, 8), seed1Again.trainBatch(7, 8));
        assertFalse(java.util.Arrays.equals(seed1.trainBatch(7, 8), seed2.trainBatch(7, 8)));
        List<long[]> e1 = seed1.evalBatches(8);
        List<long[]> e2 = seed2.evalBatches(8);
        assertEquals(e1.size(), e2.size());
        for (int i = 0; i < e1.size(); i++) {
            assertArrayEquals(e1.get(i), e2.get(i));
        }
        assertEquals(4095, seed1.evalPredictedTokens());
        // windows overlap by one token: targets are inputs shifted by one
        long[] batch = seed1.trainBatch(3, 2);
        assertEquals(2 * 65, batch.length);
    }

    @Test
    void everyTrainingWindowIsVisitedOncePerEpoch() {
        Corpus corpus = Corpus.load(TestSpecs.fixtureCorpus());
        PackedDataset data = new PackedDataset(corpus, new ByteTokenizer(), 256, 9, 1024);
        int windows = data.trainWindowCount();
        Set<String> seen = new HashSet<>();
        for (long s = 0; s < windows; s++) {
            seen.add(java.util.Arrays.toString(data.trainBatch(s, 1)));
        }
        assertTrue(seen.size() >= windows - 2, "windows repeated within an epoch: " + seen.size() + " of " + windows);
    }

    @Test
    void aCorpusFolderReachedThroughASymbolicLinkReadsLikeTheFolder(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("linked-corpus"), TestSpecs.fixtureCorpus().toAbsolutePath());
        Corpus direct = Corpus.load(TestSpecs.fixtureCorpus());
        Corpus linked = Corpus.load(link);
        assertEquals(direct.train().size(), linked.train().size());
        assertEquals(direct.trainBytes(), linked.trainBytes());
        assertEquals(direct.validationBytes(), linked.validationBytes());
    }

    @Test
    void corpusErrorsAreClear(@TempDir Path dir) throws Exception {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Corpus.load(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> Corpus.load(dir));
        assertTrue(empty.getMessage().contains("no non-empty text files"), empty.getMessage());
        Files.write(dir.resolve("bad.txt"), new byte[] {(byte) 0xC3, (byte) 0x28});
        IllegalArgumentException binary = assertThrows(IllegalArgumentException.class, () -> Corpus.load(dir));
        assertTrue(binary.getMessage().contains("not valid UTF-8"), binary.getMessage());
    }

    @Test
    void cosineWarmsUpThenDecaysToItsFloor() {
        for (double floor : new double[] {0.1, 0.0}) {
            LearningRateSchedule s = LearningRateSchedule.of("cosine", 1e-3, 100, 0.1, floor);
            assertEquals(1e-3 / 11, s.at(0), 1e-15);
            assertEquals(1e-3, s.at(10), 1e-15);
            assertEquals(1e-3 * floor, s.at(99), 1e-12);
            for (int i = 11; i < 100; i++) {
                assertTrue(s.at(i) <= s.at(i - 1) + 1e-18, "cosine must not increase after warmup");
            }
        }
    }

    @Test
    void legacySpecsKeepTheirHashAndANewEndChangesIt() {
        ModelConfig m = ModelConfig.dense(256, 32, 2, 2, 64);
        RunSpec legacy = TestSpecs.dense(m, 8, 100, 1e-3, 1, "default");
        assertEquals(0.1, legacy.finalLrFraction(), 0);
        RunSpec same = new RunSpec(legacy.name(), m, 8, 100, 1e-3, legacy.weightDecay(), legacy.warmupFraction(), "cosine",
                legacy.gradClip(), 1, "default", "byte", 0, "none", 0, 0, 0.1);
        RunSpec annealed = new RunSpec(legacy.name(), m, 8, 100, 1e-3, legacy.weightDecay(), legacy.warmupFraction(), "cosine",
                legacy.gradClip(), 1, "default", "byte", 0, "none", 0, 0, 0.0);
        assertEquals(legacy.specHash(), same.specHash());
        assertNotEquals(legacy.specHash(), annealed.specHash());
        assertEquals(annealed, RunSpecYaml.fromYaml(RunSpecYaml.toYaml(annealed), "t"));
        // a spec stored before the field existed reads back with the end its run was trained with
        String old = RunSpecYaml.toYaml(legacy).replaceAll("(?m)^finalLrFraction:.*\\n", "");
        assertFalse(old.contains("finalLrFraction"));
        assertEquals(legacy, RunSpecYaml.fromYaml(old, "t"));
    }

    @Test
    void wsdHoldsThePeakThenDecaysLinearly() {
        LearningRateSchedule s = LearningRateSchedule.of("wsd", 2e-3, 100, 0.05, 0.0);
        assertEquals(2e-3, s.at(5), 0);
        assertEquals(2e-3, s.at(79), 0);
        assertTrue(s.at(80) < 2e-3 && s.at(80) > s.at(90) && s.at(90) > s.at(99) && s.at(99) > 0);
    }

    @Test
    void stepsForBudgetHitTheBudgetWithinOnePercent() {
        for (double budget : new double[] {1e12, 3e13, 1e15}) {
            ModelConfig m = ModelConfig.dense(256, 128, 3, 4, 128);
            long steps = RunSpec.stepsForBudget(m, 16, budget);
            RunSpec spec = TestSpecs.dense(m, 16, steps, 1e-3, 1, "default");
            assertTrue(Math.abs(spec.flops() / budget - 1) <= 0.01, budget + " → " + spec.flops());
        }
    }
}
