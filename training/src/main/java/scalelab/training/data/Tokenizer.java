package scalelab.training.data;

/** Text ↔ token ids. Loss per token converts to bits per byte through {@link #encode}'s byte counts. */
public interface Tokenizer {
    String name();

    int vocabSize();

    /** Token ids of UTF-8 text. */
    int[] encode(byte[] utf8);

    /** The tokenizer a run spec names ("byte"; "gpt2" is not available in this build). */
    static Tokenizer forName(String name) {
        if ("byte".equals(name)) {
            return new ByteTokenizer();
        }
        throw new IllegalArgumentException("tokenizer " + name + " is not available in this build (use byte)");
    }
}
