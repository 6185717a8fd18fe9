package scalelab.ladder;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * A parsed YAML document plus the line of every node, so validation errors can name the line (Jackson's tree model
 * drops locations; a second pass over the token stream records them by JSON pointer).
 */
final class YamlTree {
    // not STRICT_DUPLICATE_DETECTION: the token pass below refuses a key given twice itself, naming both lines
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
            Map<String, Integer> lines = new HashMap<>();
            // the keys of every mapping being read, with their lines: the innermost mapping on top
            Deque<Map<String, Integer>> keys = new ArrayDeque<>();
            try (JsonParser p = YAML.getFactory().createParser(text)) {
                JsonToken t;
                while ((t = p.nextToken()) != null) {
                    if (t == JsonToken.START_OBJECT) {
                        keys.push(new HashMap<>());
                    } else if (t == JsonToken.END_OBJECT) {
                        keys.pop();
                    }
                    if (t == JsonToken.FIELD_NAME) {
                        // the key's line stands for its value too (a nested mapping starts on the next line)
                        String parent = p.getParsingContext().getParent().pathAsPointer().toString();
                        String pointer = parent + "/" + p.currentName().replace("~", "~0").replace("/", "~1");
                        int line = p.currentTokenLocation().getLineNr();
                        Integer first = keys.peek().putIfAbsent(p.currentName(), line);
                        if (first != null) {
                            // YAML parsers let the last one win: a second `budgets:` would silently replace the first
                            throw new LadderSpecException(source + ":" + line + ": " + pointer.substring(1).replace('/', '.')
                                    + ": duplicate key '" + p.currentName() + "' (first given on line " + first + "): give each key once");
                        }
                        lines.putIfAbsent(pointer, line);
                    } else if (p.getParsingContext().inArray()) {
                        lines.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
                    }
                }
            }
            JsonNode root = YAML.readTree(text);
            if (root == null || !root.isObject()) {
                throw new LadderSpecException(source + ":1: a ladder spec must be a YAML mapping of keys to values");
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
