package scalelab.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of the preregistration ledger: a loss predicted for a target run before that run finishes.
 * Immutable once filed: the registry refuses edits and deletions; a later prediction may supersede it.
 *
 * @param id             ledger position (1, 2, 3 ... without gaps), null for a draft
 * @param targetName     the target run's name (or spec hash): {@code check --all} matches finished runs by it
 * @param kind           "dense" or "moe"
 * @param params         N, or N_active for MoE
 * @param tokens         D
 * @param compute        C in FLOPs
 * @param predictedLoss  L(N, D) from the fit's surface
 * @param intervalLow    lower end of the percentile interval over the fit's bootstrap surfaces, null when absent
 * @param intervalHigh   upper end, null when absent
 * @param intervalLevel  e.g. 0.95, null when absent
 * @param intervalNote   how the interval was made, or why it is absent
 * @param method         the fit method
 * @param fitId          the stored fit the prediction comes from
 * @param inputHash      the fit's input content hash
 * @param codeVersion    git commit of the code, or "unknown"
 * @param author         who filed it
 * @param createdAt      UTC filing time (microsecond precision)
 * @param supersedes     id of the prediction this one replaces, or null
 * @param previousHash   entry hash of the previous ledger entry ({@link #GENESIS_HASH} for the first)
 * @param entryHash      SHA-256 of {@link #canonicalContent()} (which includes previousHash)
 * @param seq            position in the ledger's one chain of predictions and checks (equals id for v1 entries),
 *                       null for a draft
 * @param format         {@link #FORMAT_V1} (unsigned entries filed before signing) or {@link #FORMAT} (signed)
 * @param forecast       v2: a one-line JSON text describing how the number was forecast (method or combination,
 *                       evidence hash, interval construction, assumptions), or "null" when absent (as in v1 entries)
 * @param publicKey      v2: the author's Ed25519 public key (Base64 X.509), hashed with the entry; null for v1 and drafts
 * @param signature      v2: Ed25519 signature of {@link #canonicalContent()} by that key (Base64); null for v1 and drafts
 */
public record Prediction(Long id, String targetName, String kind, double params, double tokens, double compute,
                         double predictedLoss, Double intervalLow, Double intervalHigh, Double intervalLevel,
                         String intervalNote, String method, long fitId, String inputHash, String codeVersion,
                         String author, Instant createdAt, Long supersedes, String previousHash, String entryHash,
                         Long seq, String format, String forecast, String publicKey, String signature)
        implements LedgerEntry {

    /** The previous hash of the first entry. */
    public static final String GENESIS_HASH = "0".repeat(64);
    /** The canonical format of entries filed before signing (no seq, forecast, public key): still verifiable. */
    public static final String FORMAT_V1 = "scalelab-prediction-v1";
    /** First line of the canonical serialisation of new entries: changing the format means a new version tag. */
    public static final String FORMAT = "scalelab-prediction-v2";
    /** The forecast field of an entry without one. */
    public static final String NO_FORECAST = "null";

    /** A draft (or, with id and hashes, a v2 entry without key) in the old shape: forecast "null", unsigned. */
    public Prediction(Long id, String targetName, String kind, double params, double tokens, double compute,
                      double predictedLoss, Double intervalLow, Double intervalHigh, Double intervalLevel,
                      String intervalNote, String method, long fitId, String inputHash, String codeVersion,
                      String author, Instant createdAt, Long supersedes, String previousHash, String entryHash) {
        this(id, targetName, kind, params, tokens, compute, predictedLoss, intervalLow, intervalHigh, intervalLevel,
                intervalNote, method, fitId, inputHash, codeVersion, author, createdAt, supersedes, previousHash, entryHash,
                id, FORMAT, NO_FORECAST, null, null);
    }

    public Prediction {
        requireText("targetName", targetName);
        if (!"dense".equals(kind) && !"moe".equals(kind)) {
            throw new IllegalArgumentException("kind must be \"dense\" or \"moe\", got " + kind);
        }
        requirePositive("params", params);
        requirePositive("tokens", tokens);
        requirePositive("compute", compute);
        requirePositive("predictedLoss", predictedLoss);
        boolean anyInterval = intervalLow != null || intervalHigh != null || intervalLevel != null;
        if (anyInterval) {
            if (intervalLow == null || intervalHigh == null || intervalLevel == null) {
                throw new IllegalArgumentException("an interval needs low, high and level together");
            }
            if (!(intervalLow <= intervalHigh) || !Double.isFinite(intervalLow) || !Double.isFinite(intervalHigh)) {
                throw new IllegalArgumentException("interval [" + intervalLow + ", " + intervalHigh + "] is not a finite ordered pair");
            }
            if (!(intervalLevel > 0 && intervalLevel < 1)) {
                throw new IllegalArgumentException("interval level must lie in (0, 1), got " + intervalLevel);
            }
        }
        requireText("intervalNote", intervalNote);
        requireText("method", method);
        requireText("inputHash", inputHash);
        requireText("codeVersion", codeVersion);
        requireText("author", author);
        if (createdAt == null) {
            throw new IllegalArgumentException("a prediction needs its filing time");
        }
        // The database keeps microseconds: truncate so the hash of a stored entry equals the hash computed here.
        createdAt = createdAt.truncatedTo(ChronoUnit.MICROS);
        if (!FORMAT.equals(format) && !FORMAT_V1.equals(format)) {
            throw new IllegalArgumentException("prediction format must be " + FORMAT + " or " + FORMAT_V1 + ", got " + format);
        }
        requireText("forecast", forecast);
        if (FORMAT_V1.equals(format) && !NO_FORECAST.equals(forecast)) {
            throw new IllegalArgumentException("a " + FORMAT_V1 + " entry has no forecast field, got " + forecast);
        }
    }

    /** This draft with a forecast description (one line of JSON, hashed and signed with the entry). */
    public Prediction withForecast(String forecastJson) {
        if (filed()) {
            throw new AppendOnlyException("prediction " + id + " is already a ledger entry: its forecast cannot change");
        }
        return new Prediction(id, targetName, kind, params, tokens, compute, predictedLoss, intervalLow, intervalHigh,
                intervalLevel, intervalNote, method, fitId, inputHash, codeVersion, author, createdAt, supersedes,
                previousHash, entryHash, seq, format, forecastJson == null ? NO_FORECAST : forecastJson, publicKey, signature);
    }

    public boolean signed() {
        return signature != null;
    }

    @Override
    public String kindOfEntry() {
        return "prediction";
    }

    @Override
    public String label() {
        return "entry " + seq + " (prediction " + id + ", '" + targetName + "')";
    }

    public boolean hasInterval() {
        return intervalLow != null;
    }

    public boolean filed() {
        return id != null && entryHash != null;
    }

    /**
     * This draft as the signed v2 ledger entry number {@code newId} at chain position {@code newSeq}, after the entry
     * with hash {@code prevHash}: the public key is part of the hashed content, the signature covers all of it.
     */
    Prediction asEntry(long newSeq, long newId, String prevHash, LedgerKeys.Signer signer) {
        Prediction unhashed = new Prediction(newId, targetName, kind, params, tokens, compute, predictedLoss,
                intervalLow, intervalHigh, intervalLevel, intervalNote, method, fitId, inputHash, codeVersion, author,
                createdAt, supersedes, prevHash, null, newSeq, FORMAT, forecast, signer.publicKey(), null);
        String content = unhashed.canonicalContent();
        return new Prediction(newId, targetName, kind, params, tokens, compute, predictedLoss, intervalLow,
                intervalHigh, intervalLevel, intervalNote, method, fitId, inputHash, codeVersion, author, createdAt,
                supersedes, prevHash, sha256(content), newSeq, FORMAT, forecast, signer.publicKey(), signer.sign(content));
    }

    /**
     * The fields the entry hash covers, in a fixed order, each as text exactly as hashed (doubles by
     * {@link Double#toString}, which round-trips; absent values as "null"). The Markdown and JSON exports print
     * these same strings so that anyone can recompute the hash from the public copy.
     */
    public Map<String, String> canonicalFields() {
        Map<String, String> f = new LinkedHashMap<>();
        boolean v2 = FORMAT.equals(format);
        if (v2) {
            f.put("seq", String.valueOf(seq));
        }
        f.put("id", String.valueOf(id));
        f.put("target_name", targetName);
        f.put("kind", kind);
        f.put("params", Double.toString(params));
        f.put("tokens", Double.toString(tokens));
        f.put("compute", Double.toString(compute));
        f.put("predicted_loss", Double.toString(predictedLoss));
        f.put("interval_low", intervalLow == null ? "null" : Double.toString(intervalLow));
        f.put("interval_high", intervalHigh == null ? "null" : Double.toString(intervalHigh));
        f.put("interval_level", intervalLevel == null ? "null" : Double.toString(intervalLevel));
        f.put("interval_note", intervalNote);
        f.put("method", method);
        f.put("fit_id", Long.toString(fitId));
        f.put("input_hash", inputHash);
        f.put("code_version", codeVersion);
        f.put("author", author);
        f.put("created_at", createdAt.toString());
        f.put("supersedes", String.valueOf(supersedes));
        if (v2) {
            f.put("forecast", forecast);
            f.put("public_key", String.valueOf(publicKey));
        }
        f.put("previous_hash", String.valueOf(previousHash));
        return f;
    }

    /** "scalelab-prediction-v2\nseq=1\nid=1\ntarget_name=...\n..." — what {@link #entryHash} is the SHA-256 of. */
    @Override
    public String canonicalContent() {
        return canonicalContent(format, canonicalFields());
    }

    /** The canonical text of a field map as produced by {@link #canonicalFields()} (used by the export parser). */
    public static String canonicalContent(String format, Map<String, String> fields) {
        StringBuilder sb = new StringBuilder(format).append('\n');
        fields.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    @Override
    public Instant filedAt() {
        return createdAt;
    }

    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requirePositive(String field, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(field + " must be a finite positive number, got " + v);
        }
    }

    /** Single-line printable text: the canonical form is line-based and the Markdown export is a table. */
    private static void requireText(String field, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("prediction " + field + " must not be empty");
        }
        if (!v.equals(v.strip())) {
            throw new IllegalArgumentException("prediction " + field + " must not begin or end with spaces: '" + v + "'");
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                throw new IllegalArgumentException("prediction " + field + " must be one line of printable text: " + v);
            }
        }
    }
}
