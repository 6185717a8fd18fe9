package scalelab.ladder;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A parsed YAML document plus the line of every node, so validation errors can name the line (Jackson's tree model
 * drops locations; a second pass over the token stream records them by JSON pointer).
 */
final class YamlTree {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    final JsonNode root;
    private final Map<String, Integer> lineByPointer;
    private final String source;

    private YamlTree(JsonNode root, Map<String, Integer> lineByPointer, String source) {
        this.root = root;
        this.lineByPointer = lineByPointer;
        this.source = source;
    }

    static YamlTree parse(String text, String source) {
        try {
            JsonNode root = YAML.readTree(text);
            if (root == null || !root.isObject()) {
                throw new LadderSpecException(source + ":1: a ladder spec must be a YAML mapping of keys to values");
            }
            Map<String, Integer> lines = new HashMap<>();
            try (JsonParser p = YAML.getFactory().createParser(text)) {
                JsonToken t;
                while ((t = p.nextToken()) != null) {
                    if (t == JsonToken.FIELD_NAME) {
                        // the key's line stands for its value too (a nested mapping starts on the next line)
                        String parent = p.getParsingContext().getParent().pathAsPointer().toString();
                        lines.putIfAbsent(parent + "/" + p.currentName().replace("~", "~0").replace("/", "~1"), p.currentTokenLocation().getLineNr());
                    } else if (p.getParsingContext().inArray()) {
                        lines.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
                    }
                }
            }
            return new YamlTree(root, lines, source);
        } catch (LadderSpecException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new LadderSpecException(source + ":" + line + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new LadderSpecException(source + ": cannot read: " + e.getMessage());
        }
    }

    /** The line of the node at {@code pointer}, or of its nearest ancestor that has one. */
    int line(String pointer) {
        String p = pointer;
        while (!p.isEmpty()) {
            Integer l = lineByPointer.get(p);
            if (l != null) {
                return l;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
        return 1;
    }

    LadderSpecException error(String pointer, String message) {
        return new LadderSpecException(source + ":" + line(pointer) + ": " + (pointer.isEmpty() ? "" : pointer.substring(1).replace('/', '.') + ": ") + message);
    }
}
