package scalelab.training.data;

/** Text ↔ token ids. Loss per token converts to bits per byte through {@link #encode}'s byte counts. */
public interface Tokenizer {
    String name();

    int vocabSize();

    /** Token ids of UTF-8 text. */
    int[] encode(byte[] utf8);

    /** Token ids of each text, in order (a tokenizer may encode them in parallel). */
    default int[][] encodeAll(java.util.List<byte[]> utf8Texts) {
        int[][] out = new int[utf8Texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encode(utf8Texts.get(i));
        }
        return out;
    }

    /**
     * Vocabulary size of each tokenizer a spec may name, known without loading it (planning and validation need the
     * size, not GPT-2's files).
     */
    java.util.Map<String, Integer> VOCAB_SIZES = java.util.Map.of("byte", 256, Gpt2Tokenizer.NAME, Gpt2Tokenizer.VOCAB_SIZE);

    /** The tokenizer a run spec names: "byte", or "gpt2" (GPT-2 BPE from the files bin/fetch-gpt2-bpe fetches). */
    static Tokenizer forName(String name) {
        if ("byte".equals(name)) {
            return new ByteTokenizer();
        }
        if (Gpt2Tokenizer.NAME.equals(name)) {
            return Gpt2Tokenizer.shared();
        }
        throw new IllegalArgumentException("unknown tokenizer " + name + " (use byte or gpt2)");
    }
}
