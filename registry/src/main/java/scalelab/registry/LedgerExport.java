package scalelab.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public copy of the ledger (what a lab posts, e.g. as a GitHub issue) and its parser. Each entry prints its
 * canonical fields exactly as hashed plus its entry hash, so anyone can recompute every hash from the public copy,
 * and {@link #compare} can later show whether the database still agrees with what was published.
 */
public final class LedgerExport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ENTRY_HEADING = "## Prediction ";

    private LedgerExport() {}

    /** One entry as read back from a public copy. */
    public record PublicEntry(long id, Map<String, String> fields, String statedHash) {
        /** SHA-256 of the canonical text of the fields as published. */
        public String recomputedHash() {
            return Prediction.sha256(Prediction.canonicalContent(fields));
        }
    }

    public static String markdown(List<Prediction> ledger, LedgerVerification verification) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Preregistered scaling-law predictions\n\n");
        sb.append("Exported from a scalelab prediction ledger: ").append(ledger.size()).append(" entries, head hash `")
                .append(verification.headHash()).append("`")
                .append(verification.intact() ? " (chain verified)." : " (CHAIN BROKEN at entry " + verification.firstBrokenId() + ").")
                .append("\n\n");
        sb.append("Each entry's `entry_hash` is the SHA-256 of the UTF-8 text `").append(Prediction.FORMAT)
                .append("` + newline, then one `field=value` line (newline-terminated) per row of its table above `entry_hash`,")
                .append(" in order, values exactly as shown (with `\\|` read as `|`). `previous_hash` links each entry to the one before.\n");
        for (Prediction p : ledger) {
            sb.append('\n').append(ENTRY_HEADING).append(p.id()).append(": ").append(escape(p.targetName())).append("\n\n");
            sb.append(summary(p)).append("\n\n");
            sb.append("| field | value |\n| --- | --- |\n");
            p.canonicalFields().forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(escape(v)).append(" |\n"));
            sb.append("| entry_hash | ").append(p.entryHash()).append(" |\n");
        }
        return sb.toString();
    }

    /** One readable sentence about a prediction (not hashed: the table below it is). */
    public static String summary(Prediction p) {
        String interval = p.hasInterval()
                ? String.format(Locale.ROOT, " (%.0f%% interval %.4f – %.4f)", 100 * p.intervalLevel(), p.intervalLow(), p.intervalHigh())
                : " (no interval: " + p.intervalNote() + ")";
        return String.format(Locale.ROOT, "%s target, N%s = %.4g, D = %.4g, C = %.4g FLOPs: predicted loss **%.4f**%s from %s fit %d;"
                        + " filed %s by %s at code version %s%s.",
                p.kind(), p.kind().equals("moe") ? "_active" : "", p.params(), p.tokens(), p.compute(), p.predictedLoss(),
                interval, escape(p.method()), p.fitId(), p.createdAt(), escape(p.author()), escape(p.codeVersion()),
                p.supersedes() == null ? "" : "; supersedes prediction " + p.supersedes());
    }

    public static String json(List<Prediction> ledger, LedgerVerification verification) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", Prediction.FORMAT);
        root.put("entries", ledger.size());
        root.put("head_hash", verification.headHash());
        root.put("chain_intact", verification.intact());
        ArrayNode arr = root.putArray("predictions");
        for (Prediction p : ledger) {
            ObjectNode o = arr.addObject();
            // Canonical strings, exactly as hashed (numbers as text keep every digit).
            p.canonicalFields().forEach(o::put);
            o.put("entry_hash", p.entryHash());
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the entries back from a Markdown export (ignores everything but the entry headings and tables). */
    public static List<PublicEntry> parseMarkdown(String text) {
        List<PublicEntry> out = new ArrayList<>();
        Map<String, String> fields = null;
        String hash = null;
        int lineNo = 0;
        for (String line : text.split("\r?\n", -1)) {
            lineNo++;
            if (line.startsWith(ENTRY_HEADING)) {
                if (fields != null) {
                    out.add(entry(fields, hash, lineNo));
                }
                fields = new LinkedHashMap<>();
                hash = null;
            } else if (fields != null && line.startsWith("|")) {
                List<String> cells = splitRow(line);
                if (cells.size() != 2) {
                    throw new IllegalArgumentException("line " + lineNo + ": expected a two-column table row, got: " + line);
                }
                String k = cells.get(0), v = cells.get(1);
                if (k.equals("field") || k.startsWith("---")) {
                    continue;
                }
                if (k.equals("entry_hash")) {
                    hash = v;
                } else {
                    fields.put(k, v);
                }
            }
        }
        if (fields != null) {
            out.add(entry(fields, hash, lineNo));
        }
        return out;
    }

    public static List<PublicEntry> parseJson(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON ledger export: " + e.getMessage());
        }
        JsonNode preds = root == null ? null : root.get("predictions");
        if (preds == null || !preds.isArray()) {
            throw new IllegalArgumentException("not a JSON ledger export: no \"predictions\" array");
        }
        List<PublicEntry> out = new ArrayList<>();
        for (JsonNode p : preds) {
            Map<String, String> fields = new LinkedHashMap<>();
            String hash = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("entry_hash")) {
                    hash = e.getValue().asText();
                } else {
                    fields.put(e.getKey(), e.getValue().asText());
                }
            }
            out.add(entry(fields, hash, 0));
        }
        return out;
    }

    /**
     * Compares a public copy with the database's ledger. Returns the problems found, empty when every published
     * entry hashes to its stated hash and equals the database's entry with the same id.
     */
    public static List<String> compare(List<PublicEntry> published, List<Prediction> ledger) {
        List<String> problems = new ArrayList<>();
        Map<Long, Prediction> byId = new LinkedHashMap<>();
        ledger.forEach(p -> byId.put(p.id(), p));
        for (PublicEntry e : published) {
            String recomputed = e.recomputedHash();
            if (!recomputed.equals(e.statedHash())) {
                problems.add("published entry " + e.id() + ": its fields hash to " + recomputed + " but it states " + e.statedHash()
                        + " (the public copy was edited)");
            }
            Prediction db = byId.get(e.id());
            if (db == null) {
                problems.add("published entry " + e.id() + " is missing from the database");
            } else if (!db.entryHash().equals(e.statedHash())) {
                problems.add("entry " + e.id() + ": the database's hash " + db.entryHash() + " differs from the published "
                        + e.statedHash());
            }
        }
        return problems;
    }

    private static PublicEntry entry(Map<String, String> fields, String hash, int lineNo) {
        if (hash == null) {
            throw new IllegalArgumentException("entry ending before line " + lineNo + " has no entry_hash row");
        }
        String id = fields.get("id");
        try {
            return new PublicEntry(Long.parseLong(id), fields, hash);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("entry ending before line " + lineNo + " has no numeric id (got " + id + ")");
        }
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("|", "\\|");
    }

    /** Cells of a Markdown table row, unescaping {@code \|} and {@code \\}. */
    private static List<String> splitRow(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cur = null;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '|' || line.charAt(i + 1) == '\\')) {
                if (cur != null) {
                    cur.append(line.charAt(i + 1));
                }
                i++;
            } else if (ch == '|') {
                if (cur != null) {
                    cells.add(cur.toString().trim());
                }
                cur = new StringBuilder();
            } else if (cur != null) {
                cur.append(ch);
            }
        }
        return cells;
    }
}
