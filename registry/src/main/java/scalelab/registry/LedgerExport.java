package scalelab.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The public copy of the ledger (what a lab posts, e.g. as a GitHub issue) and its parser. Each entry prints its
 * canonical fields exactly as hashed plus its entry hash and signature, and the export lists the authors' public
 * keys, so anyone can recompute every hash and check every signature from the public copy alone, and
 * {@link #compare} can later show whether the database still agrees with what was published.
 */
public final class LedgerExport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    // a public copy is input: a key twice or text after the export is refused, not read as "the last one wins"
    private static final ObjectMapper STRICT = scalelab.registry.io.StrictInput.json();
    static final String TITLE = "# Preregistered scaling-law predictions";
    /** Format tag of the JSON export (the Markdown export is recognised by its title). */
    public static final String EXPORT_FORMAT = "scalelab-ledger-export-v3";
    private static final String PREDICTION_HEADING = "## Prediction ";
    private static final String CHECK_HEADING = "## Check ";
    private static final String KEYS_HEADING = "## Public keys";

    private LedgerExport() {}

    /** One entry as read back from a public copy. */
    public record PublicEntry(String format, Map<String, String> fields, String statedHash, String signature) {
        /** The entry's chain position (a v1 entry's id is its position). */
        public long seq() {
            return Long.parseLong(fields.getOrDefault("seq", fields.get("id")));
        }

        /** The prediction or check id. */
        public long id() {
            return Long.parseLong(fields.get("id"));
        }

        public boolean isCheck() {
            return PredictionCheck.FORMAT.equals(format);
        }

        /** SHA-256 of the canonical text of the fields as published. */
        public String recomputedHash() {
            return Prediction.sha256(Prediction.canonicalContent(format, fields));
        }

        /** Whether the published signature verifies under the published public key (false for unsigned entries). */
        public boolean signatureValid() {
            return LedgerKeys.verify(fields.get("public_key"), Prediction.canonicalContent(format, fields), signature);
        }
    }

    /**
     * A parsed public copy.
     *
     * @param entries    the entries in the order published
     * @param publicKeys the authors' public keys it publishes (Base64 key → author)
     */
    public record PublicCopy(List<PublicEntry> entries, Map<String, String> publicKeys) {}

    public static String markdown(List<? extends LedgerEntry> ledger, LedgerVerification verification) {
        long checks = ledger.stream().filter(e -> e instanceof PredictionCheck).count();
        StringBuilder sb = new StringBuilder();
        sb.append(TITLE).append("\n\n");
        sb.append("Exported from a scalelab prediction ledger: ").append(ledger.size()).append(" entries (")
                .append(ledger.size() - checks).append(" predictions, ").append(checks).append(" checks), head hash `")
                .append(verification.headHash()).append("`")
                .append(verification.intact() ? " (chain verified)." : " (CHAIN BROKEN at entry " + verification.firstBrokenId() + ").")
                .append("\n\n");
        sb.append("Each entry's `entry_hash` is the SHA-256 of the UTF-8 text of its `format` row + newline, then one")
                .append(" `field=value` line (newline-terminated) per row of its table between `format` and `entry_hash`,")
                .append(" in order, values exactly as shown (with `\\|` read as `|`). `previous_hash` links each entry to the")
                .append(" one before. Entries of format `").append(Prediction.FORMAT).append("` and `").append(PredictionCheck.FORMAT)
                .append("` are signed: `signature` is the Ed25519 signature (Base64) of that same text by `public_key`")
                .append(" (Base64 X.509), one of the authors' keys listed below. `").append(Prediction.FORMAT_V1)
                .append("` entries were filed before signing and are protected by the chain alone.\n");
        Map<String, String> keys = publicKeys(ledger);
        if (!keys.isEmpty()) {
            sb.append('\n').append(KEYS_HEADING).append("\n\n| author | public_key | fingerprint |\n| --- | --- | --- |\n");
            keys.forEach((k, author) -> sb.append("| ").append(escape(author)).append(" | ").append(k).append(" | ")
                    .append(LedgerKeys.fingerprint(k)).append(" |\n"));
        }
        for (LedgerEntry e : ledger) {
            Map<String, String> fields;
            if (e instanceof Prediction p) {
                sb.append('\n').append(PREDICTION_HEADING).append(p.id()).append(": ").append(escape(p.targetName())).append("\n\n");
                sb.append(summary(p)).append("\n\n");
                fields = p.canonicalFields();
            } else {
                PredictionCheck c = (PredictionCheck) e;
                sb.append('\n').append(CHECK_HEADING).append(c.id()).append(" of prediction ").append(c.predictionId()).append("\n\n");
                sb.append(summary(c)).append("\n\n");
                fields = c.canonicalFields();
            }
            sb.append("| field | value |\n| --- | --- |\n");
            sb.append("| format | ").append(e.format()).append(" |\n");
            fields.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(escape(v)).append(" |\n"));
            sb.append("| entry_hash | ").append(e.entryHash()).append(" |\n");
            if (e.signature() != null) {
                sb.append("| signature | ").append(e.signature()).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The public keys that signed entries of {@code ledger}, with the author each first signed as. */
    static Map<String, String> publicKeys(List<? extends LedgerEntry> ledger) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (LedgerEntry e : ledger) {
            if (e.publicKey() != null) {
                keys.putIfAbsent(e.publicKey(), e.author());
            }
        }
        return keys;
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

    /** One readable sentence about a check (not hashed: the table below it is). */
    public static String summary(PredictionCheck c) {
        String source = c.runId() == null ? "a loss given by hand" : "run " + c.runId();
        return String.format(Locale.ROOT, "Check of prediction %d against %s: actual loss **%.4f**, predicted %.4f, error of the prediction %+.2f%%,"
                        + " %s; %s; filed %s by %s.", c.predictionId(), source, c.actualLoss(), c.predictedLoss(),
                c.errorOfPredictionPct(), c.verdict(), timing(c), c.checkedAt(), escape(String.valueOf(c.author())));
    }

    /** Whether the check's run is known to have started after the prediction was filed, in words. */
    public static String timing(PredictionCheck c) {
        if (!c.chained()) {
            return "checked before checks were chained: run start not recorded";
        }
        if (c.startedAfterFiling() == null) {
            return c.runId() == null ? "no run to time, so not shown preregistered" : "run start unknown, so not shown preregistered";
        }
        return c.startedAfterFiling() ? "run started " + c.runStartedAt() + ", after the prediction was filed: preregistered"
                : "run started " + c.runStartedAt() + ", BEFORE the prediction was filed: not preregistered";
    }

    public static String json(List<? extends LedgerEntry> ledger, LedgerVerification verification) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", EXPORT_FORMAT);
        root.put("entries", ledger.size());
        root.put("head_hash", verification.headHash());
        root.put("chain_intact", verification.intact());
        ArrayNode keys = root.putArray("public_keys");
        publicKeys(ledger).forEach((k, author) -> keys.addObject().put("author", author).put("public_key", k)
                .put("fingerprint", LedgerKeys.fingerprint(k)));
        ArrayNode arr = root.putArray("ledger");
        for (LedgerEntry e : ledger) {
            arr.add(entryJson(e));
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Fields written as JSON integers: ids and chain positions. */
    private static final java.util.Set<String> INTEGER_FIELDS = java.util.Set.of("seq", "id", "prediction_id", "run_id",
            "fit_id", "supersedes");
    /** Fields written as JSON numbers: the double values (Double.toString, so they read back to the hashed text). */
    private static final java.util.Set<String> DECIMAL_FIELDS = java.util.Set.of("params", "tokens", "compute",
            "predicted_loss", "interval_low", "interval_high", "interval_level", "actual_loss", "absolute_error", "relative_error");
    private static final java.util.Set<String> BOOLEAN_FIELDS = java.util.Set.of("started_after_filing", "inside_interval",
            "mismatch_allowed");

    /**
     * One ledger entry as JSON: every hashed field, typed (numbers as JSON numbers, absent values as null, flags as
     * booleans), then its hash and signature. Reading the values back as text ({@link #parseJson}) gives exactly the
     * canonical strings the hash covers: a number is written with {@link Double#toString}, null reads back as "null".
     */
    public static ObjectNode entryJson(LedgerEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", e.format());
        (e instanceof Prediction p ? p.canonicalFields() : ((PredictionCheck) e).canonicalFields())
                .forEach((k, v) -> putTyped(o, k, v));
        if (e.entryHash() != null) {
            o.put("entry_hash", e.entryHash());
        }
        if (e.signature() != null) {
            o.put("signature", e.signature());
        }
        return o;
    }

    private static void putTyped(ObjectNode o, String key, String value) {
        if (value == null || "null".equals(value)) {
            o.putNull(key);
        } else if (INTEGER_FIELDS.contains(key)) {
            o.put(key, Long.parseLong(value));
        } else if (DECIMAL_FIELDS.contains(key) && Double.isFinite(Double.parseDouble(value))
                && Double.toString(Double.parseDouble(value)).equals(value)) {
            o.put(key, Double.parseDouble(value));
        } else if (BOOLEAN_FIELDS.contains(key) && ("true".equals(value) || "false".equals(value))) {
            o.put(key, Boolean.parseBoolean(value));
        } else {
            o.put(key, value);
        }
    }

    /**
     * Reads a public copy (JSON when {@code json}, else Markdown). Refuses text that is not a ledger export — an empty
     * file or a README would otherwise "match" as a copy of 0 entries.
     */
    public static PublicCopy parse(String text, boolean json) {
        if (json) {
            JsonNode root;
            try {
                root = STRICT.readTree(text);
            } catch (IOException e) {
                throw new IllegalArgumentException("not a scalelab ledger export: not JSON (" + e.getMessage() + ")");
            }
            if (root == null || !root.isObject() || !root.path("format").asText("").startsWith("scalelab-")) {
                throw new IllegalArgumentException("not a scalelab ledger export: no \"format\" of a scalelab ledger export");
            }
            Map<String, String> keys = new LinkedHashMap<>();
            for (JsonNode k : root.path("public_keys")) {
                keys.put(k.path("public_key").asText(), k.path("author").asText());
            }
            return new PublicCopy(parseJson(text), keys);
        }
        String first = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        if (!first.strip().equals(TITLE)) {
            throw new IllegalArgumentException("not a scalelab ledger export: a Markdown export begins with '" + TITLE + "'"
                    + (first.isEmpty() ? ", but the file is empty" : ", this begins with '" + abbreviate(first) + "'"));
        }
        return new PublicCopy(parseMarkdown(text), markdownKeys(text));
    }

    private static String abbreviate(String s) {
        String t = s.strip();
        return t.length() > 60 ? t.substring(0, 60) + "…" : t;
    }

    private static Map<String, String> markdownKeys(String text) {
        Map<String, String> keys = new LinkedHashMap<>();
        boolean inKeys = false;
        for (String line : text.split("\r?\n", -1)) {
            if (line.startsWith("## ")) {
                inKeys = line.strip().equals(KEYS_HEADING);
            } else if (inKeys && line.startsWith("|")) {
                List<String> cells = splitRow(line);
                if (cells.size() == 3 && !cells.get(0).equals("author") && !cells.get(0).startsWith("---")) {
                    keys.put(cells.get(1), cells.get(0));
                }
            }
        }
        return keys;
    }

    /** Reads the entries back from a Markdown export (ignores everything but the entry headings and tables). */
    public static List<PublicEntry> parseMarkdown(String text) {
        List<PublicEntry> out = new ArrayList<>();
        Map<String, String> fields = null;
        String[] meta = null; // format, hash, signature
        int lineNo = 0;
        for (String line : text.split("\r?\n", -1)) {
            lineNo++;
            if (line.startsWith("## ")) {
                if (fields != null) {
                    out.add(entry(meta, fields, lineNo));
                }
                boolean entry = line.startsWith(PREDICTION_HEADING) || line.startsWith(CHECK_HEADING);
                fields = entry ? new LinkedHashMap<>() : null;
                meta = entry ? new String[] {line.startsWith(CHECK_HEADING) ? PredictionCheck.FORMAT : Prediction.FORMAT_V1, null, null} : null;
            } else if (fields != null && line.startsWith("|")) {
                List<String> cells = splitRow(line);
                if (cells.size() != 2) {
                    throw new IllegalArgumentException("line " + lineNo + ": expected a two-column table row, got: " + line);
                }
                String k = cells.get(0), v = cells.get(1);
                switch (k) {
                    case "field" -> { }
                    case "format" -> meta[0] = v;
                    case "entry_hash" -> meta[1] = v;
                    case "signature" -> meta[2] = v;
                    default -> {
                        if (!k.startsWith("---")) {
                            fields.put(k, v);
                        }
                    }
                }
            }
        }
        if (fields != null) {
            out.add(entry(meta, fields, lineNo));
        }
        return out;
    }

    public static List<PublicEntry> parseJson(String text) {
        JsonNode root;
        try {
            root = STRICT.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON ledger export: " + e.getMessage());
        }
        // "ledger" since checks joined the chain; "predictions" in exports made before.
        JsonNode entries = root == null ? null : root.has("ledger") ? root.get("ledger") : root.get("predictions");
        if (entries == null || !entries.isArray()) {
            throw new IllegalArgumentException("not a JSON ledger export: no \"ledger\" (or \"predictions\") array");
        }
        List<PublicEntry> out = new ArrayList<>();
        for (JsonNode p : entries) {
            Map<String, String> fields = new LinkedHashMap<>();
            String[] meta = {Prediction.FORMAT_V1, null, null};
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                switch (e.getKey()) {
                    case "format" -> meta[0] = e.getValue().asText();
                    case "entry_hash" -> meta[1] = e.getValue().asText();
                    case "signature" -> meta[2] = e.getValue().asText();
                    // Typed values (export v3) and the strings of older exports read back to the same canonical text.
                    default -> fields.put(e.getKey(), canonicalText(e.getValue()));
                }
            }
            out.add(entry(meta, fields, 0));
        }
        return out;
    }

    private static String canonicalText(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        if (v.isFloatingPointNumber()) {
            return Double.toString(v.doubleValue());
        }
        return v.asText();
    }

    /**
     * Compares a public copy with the database's ledger. Returns the problems found, empty when the published entries
     * form an intact chain from the first entry (hashes, links, signatures by the keys it publishes, times never going
     * backwards) and each equals the database's entry at the same position. The database may hold later entries.
     */
    public static List<String> compare(List<PublicEntry> published, List<? extends LedgerEntry> ledger) {
        return compare(new PublicCopy(published, null), ledger);
    }

    /** {@link #compare(List, List)}; with {@code copy.publicKeys()} non-null, signed entries must use one of them. */
    public static List<String> compare(PublicCopy copy, List<? extends LedgerEntry> ledger) {
        List<String> problems = new ArrayList<>();
        Map<Long, LedgerEntry> bySeq = new LinkedHashMap<>();
        ledger.forEach(e -> bySeq.put(e.seq(), e));
        String prev = Prediction.GENESIS_HASH;
        Instant lastAt = null;
        long expected = 1;
        for (PublicEntry e : copy.entries()) {
            long seq = e.seq();
            String label = "published entry " + seq;
            if (seq != expected) {
                problems.add(label + ": expected entry " + expected + " here (the public copy is not a whole chain from entry 1)");
            }
            String recomputed = e.recomputedHash();
            if (!recomputed.equals(e.statedHash())) {
                problems.add(label + ": its fields hash to " + recomputed + " but it states " + e.statedHash()
                        + " (the public copy was edited)");
            }
            if (!prev.equals(e.fields().get("previous_hash"))) {
                problems.add(label + ": previous_hash does not link to the entry before it in the public copy");
            }
            if (!Prediction.FORMAT_V1.equals(e.format())) {
                if (!e.signatureValid()) {
                    problems.add(label + ": its signature does not verify under its public key");
                } else if (copy.publicKeys() != null && !copy.publicKeys().containsKey(e.fields().get("public_key"))) {
                    problems.add(label + ": signed by a key the public copy does not list");
                }
            }
            try {
                Instant at = Instant.parse(e.fields().get("created_at"));
                if (lastAt != null && at.isBefore(lastAt)) {
                    problems.add(label + ": filed at " + at + ", before the entry before it (" + lastAt + ")");
                }
                lastAt = at;
            } catch (RuntimeException ex) {
                problems.add(label + ": created_at is not an ISO-8601 instant");
            }
            LedgerEntry db = bySeq.get(seq);
            if (db == null) {
                problems.add(label + " is missing from the database (deleted, or the ledger was truncated)");
            } else if (!db.entryHash().equals(e.statedHash())) {
                problems.add("entry " + seq + ": the database's hash " + db.entryHash() + " differs from the published "
                        + e.statedHash());
            }
            prev = e.statedHash();
            expected = seq + 1;
        }
        return problems;
    }

    private static PublicEntry entry(String[] meta, Map<String, String> fields, int lineNo) {
        if (meta[1] == null) {
            throw new IllegalArgumentException("entry ending before line " + lineNo + " has no entry_hash row");
        }
        String id = fields.get("id");
        try {
            Long.parseLong(id);
            Long.parseLong(fields.getOrDefault("seq", id));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("entry ending before line " + lineNo + " has no numeric id (got " + id + ")");
        }
        return new PublicEntry(meta[0], fields, meta[1], meta[2]);
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
