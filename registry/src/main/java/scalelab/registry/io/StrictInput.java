package scalelab.registry.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The rules every input reader shares: text is UTF-8 or refused (never stored as replacement characters), a leading
 * byte-order mark is dropped, and JSON takes each key once and nothing after its value.
 */
public final class StrictInput {
    private StrictInput() {}

    /**
     * A JSON mapper that refuses a key given twice in one object (Jackson's default lets the last one win) and any
     * token after the first value ({@code {"a": 1} junk}, which the default ignores).
     */
    public static ObjectMapper json() {
        return new ObjectMapper()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The file's text; unreadable files and invalid UTF-8 are {@link InputFormatException}s naming the file (and line). */
    public static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InputFormatException(file, 0, null, "cannot read file: " + e.getMessage());
        }
        return decodeUtf8(file, bytes);
    }

    /**
     * Decodes {@code bytes} as UTF-8 with errors reported, not replaced: an invalid sequence is an
     * {@link InputFormatException} naming the line and the offending bytes. A leading byte-order mark is dropped.
     */
    public static String decodeUtf8(Path file, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + result.length()); i++) {
                hex.append(hex.length() == 0 ? "" : " ").append(String.format("0x%02X", bytes[i] & 0xFF));
            }
            throw new InputFormatException(file, line, null, "not valid UTF-8 (bytes " + hex + " at byte offset " + at
                    + "); save the file as UTF-8");
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
