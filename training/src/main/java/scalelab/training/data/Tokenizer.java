package scalelab.training.data;

/** Text ↔ token ids. Loss per token converts to bits per byte through {@link #encode}'s byte counts. */
public interface Tokenizer {
    String name();

    int vocabSize();

    /** Token ids of UTF-8 text. */
    int[] encode(byte[] utf8);

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
