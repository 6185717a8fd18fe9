package scalelab.training.data;

import java.util.List;
import java.util.Random;

/**
 * Packed next-token training data. Documents are tokenised and concatenated (a newline between documents) into one
 * stream per split, cut into windows of seqLen + 1 tokens that overlap by one token (inputs = window[0..T), targets =
 * window[1..T]). Training windows are visited in a fresh seeded permutation each epoch; the windows of step s are a
 * pure function of (seed, s), so a resumed run continues with exactly the batches the uninterrupted run would see.
 * The evaluation set is the first {@code evalTokenLimit} validation tokens, in order: the same for every run.
 */
public final class PackedDataset {
    private static final byte[] DOCUMENT_SEPARATOR = {'\n'};

    private final int seqLen;
    private final int[] trainTokens;
    private final int[] evalTokens;
    private final long evalBytes;
    private final long dataSeed;
    private final int trainWindows;
    private long cachedEpoch = -1;
    private int[] cachedPermutation;

    public PackedDataset(Corpus corpus, Tokenizer tokenizer, int seqLen, long dataSeed, long evalTokenLimit) {
        this.seqLen = seqLen;
        this.dataSeed = dataSeed;
        this.trainTokens = tokenize(corpus.train(), tokenizer);
        int[] validation = tokenize(corpus.validation(), tokenizer);
        int evalLength = (int) Math.min(validation.length, Math.max(evalTokenLimit, seqLen + 1L));
        this.evalTokens = java.util.Arrays.copyOf(validation, evalLength);
        this.evalBytes = bytesOf(corpus.validation(), tokenizer, evalLength, validation.length);
        this.trainWindows = Math.max(0, (trainTokens.length - 1) / seqLen);
    }

    private static int[] tokenize(List<Corpus.Document> docs, Tokenizer tokenizer) {
        int[][] parts = tokenizer.encodeAll(docs.stream().map(Corpus.Document::utf8).toList());
        int[] separator = tokenizer.encode(DOCUMENT_SEPARATOR);
        long total = 0;
        for (int i = 0; i < docs.size(); i++) {
            total += parts[i].length + (i + 1 < docs.size() ? separator.length : 0);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("corpus split too large for one token stream: " + total + " tokens");
        }
        int[] out = new int[(int) total];
        int pos = 0;
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i], 0, out, pos, parts[i].length);
            pos += parts[i].length;
            if (i + 1 < parts.length) {
                System.arraycopy(separator, 0, out, pos, separator.length);
                pos += separator.length;
            }
        }
        return out;
    }

    /** Bytes of text the first {@code evalLength} of {@code totalTokens} validation tokens stand for (exact for bytes). */
    private static long bytesOf(List<Corpus.Document> docs, Tokenizer tokenizer, int evalLength, int totalTokens) {
        long totalBytes = docs.stream().mapToLong(d -> d.utf8().length).sum() + Math.max(0, docs.size() - 1);
        return totalTokens == 0 ? 0 : Math.round(totalBytes * (double) evalLength / totalTokens);
    }

    public int seqLen() {
        return seqLen;
    }

    public long trainTokenCount() {
        return trainTokens.length;
    }

    public int trainWindowCount() {
        return trainWindows;
    }

    /** Validation tokens used for evaluation. */
    public int evalTokenCount() {
        return evalTokens.length;
    }

    /** Predicted tokens over the eval windows (T per full window). */
    public long evalPredictedTokens() {
        long full = (evalTokens.length - 1L) / seqLen;
        long rest = (evalTokens.length - 1L) % seqLen;
        return full * seqLen + rest;
    }

    /** Bytes of text per evaluation token, for bits per byte. */
    public double evalBytesPerToken() {
        return evalBytes / (double) evalTokens.length;
    }

    /**
     * Batch of {@code batchSize} windows for optimiser step {@code step} (0-based): row-major [B, T + 1] token ids.
     */
    public long[] trainBatch(long step, int batchSize) {
        if (trainWindows < batchSize) {
            throw new IllegalStateException("fewer training windows (" + trainWindows + ") than one batch (" + batchSize + ")");
        }
        long[] out = new long[batchSize * (seqLen + 1)];
        for (int b = 0; b < batchSize; b++) {
            long global = step * batchSize + b;
            long epoch = global / trainWindows;
            int window = permutation(epoch)[(int) (global % trainWindows)];
            copyWindow(trainTokens, (long) window * seqLen, seqLen + 1, out, b * (seqLen + 1));
        }
        return out;
    }

    /**
     * Evaluation windows in order, {@code batchSize} per batch; the last window may be shorter than T + 1 and is
     * returned alone with its own length.
     */
    public List<long[]> evalBatches(int batchSize) {
        List<long[]> batches = new java.util.ArrayList<>();
        int fullWindows = (evalTokens.length - 1) / seqLen;
        for (int start = 0; start < fullWindows; start += batchSize) {
            int rows = Math.min(batchSize, fullWindows - start);
            long[] out = new long[rows * (seqLen + 1)];
            for (int r = 0; r < rows; r++) {
                copyWindow(evalTokens, (long) (start + r) * seqLen, seqLen + 1, out, r * (seqLen + 1));
            }
            batches.add(out);
        }
        int rest = (evalTokens.length - 1) % seqLen;
        if (rest > 0) {
            long[] tail = new long[rest + 1];
            copyWindow(evalTokens, (long) fullWindows * seqLen, rest + 1, tail, 0);
            batches.add(tail);
        }
        return batches;
    }

    private static void copyWindow(int[] tokens, long from, int length, long[] out, int at) {
        for (int i = 0; i < length; i++) {
            out[at + i] = tokens[(int) from + i];
        }
    }

    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int[] perm = new int[trainWindows];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            Random random = new Random(dataSeed * 1_000_003L + epoch);
            for (int i = perm.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
            }
            cachedPermutation = perm;
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}
