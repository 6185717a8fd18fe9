package scalelab.registry.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import scalelab.fitting.Observation;

/**
 * Reads runs from CSV (header row; columns {@code params,tokens,loss}, optional {@code budget} or {@code flops},
 * optional {@code name}, {@code group}, {@code weight}; any order; other columns kept as text) or JSONL
 * (one object per line with the same keys). Every problem is reported with file, line and column.
 */
public final class RunTableReader {
    private static final List<String> REQUIRED = List.of("params", "tokens", "loss");
    // Strict: a repeated key is an error, not "the last one wins"; junk after a line's object is an error, not ignored.
    private static final ObjectMapper JSON = StrictInput.json();
    // reads one value and leaves the rest of the line to the reader's own check, which names the column it starts at
    private static final com.fasterxml.jackson.databind.ObjectReader ONE_VALUE =
            JSON.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RunTableReader() {}

    public static RunTable read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InputFormatException(file, 0, null, "cannot read file: " + e.getMessage());
        }
        String text = StrictInput.decodeUtf8(file, bytes);
        List<RawRow> raw = isJsonLines(file.getFileName().toString()) ? jsonl(file, text) : csv(file, text);
        return build(file, raw, sha256(bytes));
    }

    /** Whether a file of this name is read as JSON Lines (.jsonl, .ndjson); any other is read as CSV. */
    public static boolean isJsonLines(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    /** A row as text cells, before validation. */
    private record RawRow(int line, Map<String, String> cells) {}

    private static List<RawRow> csv(Path file, String text) {
        String[] lines = text.split("\r?\n", -1);
        int headerIdx = -1;
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank() && !lines[i].startsWith("#")) {
                headerIdx = i;
                break;
            }
        }
        if (headerIdx < 0) {
            throw new InputFormatException(file, 0, null, "empty file: expected a header row with columns params,tokens,loss");
        }
        List<String> header = splitCsvLine(file, headerIdx + 1, lines[headerIdx]);
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String col = header.get(i).trim().toLowerCase(Locale.ROOT);
            header.set(i, col);
            // Two columns of one name: the later would silently win in the row map.
            Integer first = position.putIfAbsent(col, i + 1);
            if (first != null) {
                throw new InputFormatException(file, headerIdx + 1, col, "duplicate column name: columns " + first + " and "
                        + (i + 1) + " are both named '" + col + "' (names are compared ignoring case and spaces)");
            }
        }
        List<RawRow> rows = new ArrayList<>();
        for (int i = headerIdx + 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> cells = splitCsvLine(file, i + 1, line);
            if (cells.size() != header.size()) {
                throw new InputFormatException(file, i + 1, null,
                        "expected " + header.size() + " fields as in the header, found " + cells.size());
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                map.put(header.get(c), cells.get(c).trim());
            }
            rows.add(new RawRow(i + 1, map));
        }
        checkColumns(file, headerIdx + 1, header);
        if (rows.isEmpty()) {
            throw new InputFormatException(file, headerIdx + 1, null, "no data rows after the header");
        }
        return rows;
    }

    private static List<RawRow> jsonl(Path file, String text) {
        String[] lines = text.split("\r?\n", -1);
        List<RawRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode node;
            try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(lines[i])) {
                node = ONE_VALUE.readTree(p);
                int end = p.currentLocation().getColumnNr();
                boolean more;
                try {
                    more = p.nextToken() != null;
                } catch (com.fasterxml.jackson.core.JsonProcessingException junk) {
                    more = true;
                }
                if (more) {
                    throw new InputFormatException(file, i + 1, null, "text after the JSON object (from column " + end
                            + "): each line must hold exactly one object");
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new InputFormatException(file, i + 1, null, jsonProblem(e.getOriginalMessage()));
            } catch (IOException e) {
                throw new InputFormatException(file, i + 1, null, "cannot parse: " + e.getMessage());
            }
            if (node == null || !node.isObject()) {
                throw new InputFormatException(file, i + 1, null, "not a JSON object");
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                String key = e.getKey().toLowerCase(Locale.ROOT);
                if (map.put(key, v.isValueNode() ? v.asText() : v.toString()) != null) {
                    throw new InputFormatException(file, i + 1, key, "duplicate key (keys are compared ignoring case)");
                }
            }
            checkColumns(file, i + 1, new ArrayList<>(map.keySet()));
            rows.add(new RawRow(i + 1, map));
        }
        if (rows.isEmpty()) {
            throw new InputFormatException(file, 0, null, "empty file: expected one JSON object per line");
        }
        return rows;
    }

    /** Jackson's message in the reader's words (a repeated key is the common case). */
    private static String jsonProblem(String message) {
        if (message.startsWith("Duplicate field ")) {
            return "duplicate key " + message.substring("Duplicate field ".length()) + ": each key may be given once per line";
        }
        return "not a JSON object: " + message;
    }

    private static void checkColumns(Path file, int line, List<String> header) {
        if (!header.isEmpty() && (header.get(0).startsWith("[") || header.get(0).startsWith("{"))) {
            throw new InputFormatException(file, line, null, "this looks like JSON: runs are read from CSV, or from JSON Lines "
                    + "(a .jsonl file, one object per line with keys params, tokens, loss), not from a JSON array or document");
        }
        for (String col : REQUIRED) {
            if (!header.contains(col)) {
                String hint = col.equals("tokens") && (header.contains("budget") || header.contains("flops"))
                        ? ": IsoFLOP data that record only N and C can give tokens = C / (6·params) — say so by adding that column"
                        : "";
                throw new InputFormatException(file, line, col, "missing required column (have: " + String.join(",", header) + ")"
                        + hint);
            }
        }
        if (header.contains("budget") && header.contains("flops")) {
            throw new InputFormatException(file, line, "budget", "give either a budget or a flops column, not both");
        }
    }

    private static RunTable build(Path file, List<RawRow> raw, String sha) {
        if (raw.isEmpty()) {
            throw new InputFormatException(file, 0, null, "no data rows");
        }
        String budgetColumn = raw.get(0).cells().containsKey("budget") ? "budget"
                : raw.get(0).cells().containsKey("flops") ? "flops" : null;
        List<RunTable.Row> rows = new ArrayList<>(raw.size());
        for (RawRow r : raw) {
            double n = inRange(file, r, "params", PlausibleRange.MAX_PARAMS);
            double d = inRange(file, r, "tokens", PlausibleRange.MAX_TOKENS);
            double loss = positive(file, r, "loss");
            String lossProblem = PlausibleRange.lossProblem(loss);
            if (lossProblem != null) {
                throw new InputFormatException(file, r.line(), "loss", lossProblem);
            }
            double c = budgetColumn == null ? 6.0 * n * d : inRange(file, r, budgetColumn, PlausibleRange.MAX_FLOPS);
            double w = r.cells().containsKey("weight") && !r.cells().get("weight").isEmpty() ? positive(file, r, "weight") : 1.0;
            String group = blankToNull(r.cells().get("group"));
            Map<String, String> extra = new LinkedHashMap<>(r.cells());
            for (String k : List.of("params", "tokens", "loss", "budget", "flops", "weight", "group", "name")) {
                extra.remove(k);
            }
            rows.add(new RunTable.Row(r.line(), new Observation(n, d, c, loss, group, w), blankToNull(r.cells().get("name")), extra));
        }
        return new RunTable(file, rows, budgetColumn, sha);
    }

    private static double positive(Path file, RawRow r, String col) {
        String s = r.cells().get(col);
        if (s == null || s.isEmpty()) {
            throw new InputFormatException(file, r.line(), col, "missing value");
        }
        double v;
        try {
            v = Decimals.parse(s);
        } catch (NumberFormatException e) {
            throw new InputFormatException(file, r.line(), col, e.getMessage());
        }
        if (v <= 0) {
            throw new InputFormatException(file, r.line(), col, "must be positive, got " + s);
        }
        return v;
    }

    /** A positive value no larger than {@code max}: beyond it a number is a typo or a unit error (see {@link PlausibleRange}). */
    private static double inRange(Path file, RawRow r, String col, double max) {
        double v = positive(file, r, col);
        String problem = PlausibleRange.positiveUpTo(col, v, max);
        if (problem != null) {
            throw new InputFormatException(file, r.line(), col, problem);
        }
        return v;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Splits one CSV line (RFC 4180 quoting within a line; embedded newlines are not supported). */
    static List<String> splitCsvLine(Path file, int lineNo, String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new InputFormatException(file, lineNo, null, "unterminated quoted field");
        }
        out.add(cur.toString());
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
