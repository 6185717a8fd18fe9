package scalelab.training.data;

/** Byte-level tokenizer: each UTF-8 byte is one token (vocabulary 256), so bits/byte = nats/token ÷ ln 2. */
public final class ByteTokenizer implements Tokenizer {
    @Override
    public String name() {
        return "byte";
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(byte[] utf8) {
        int[] ids = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            ids[i] = utf8[i] & 0xFF;
        }
        return ids;
    }
}
