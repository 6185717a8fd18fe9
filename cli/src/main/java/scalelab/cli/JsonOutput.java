package scalelab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/**
 * {@code --format text|json} for commands that print results: one parser for the flag and one writer, so every
 * command's JSON is one document on standard output with numbers as JSON numbers (messages go to standard error).
 */
public final class JsonOutput {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonOutput() {}

    /** True for "json", false for "text"; anything else is refused naming the flag. */
    public static boolean requested(String format) {
        return switch (format) {
            case "json" -> true;
            case "text" -> false;
            default -> throw new IllegalArgumentException("--format must be text or json, got '" + format + "'");
        };
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Writes {@code node} as one indented JSON document. */
    public static void print(PrintWriter out, JsonNode node) {
        try {
            out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    /** A double as a JSON number, or null when it is not finite (JSON has no NaN). */
    public static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
