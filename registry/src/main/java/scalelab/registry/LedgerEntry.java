package scalelab.registry;

import java.time.Instant;

/**
 * An entry of the ledger's one hash chain: a prediction or a check. Entries are numbered by {@link #seq()} (1, 2, 3 ...
 * without gaps), each hashes its canonical content including the previous entry's hash, and every entry filed since
 * signing began carries its author's Ed25519 public key (hashed) and signature (over the canonical content).
 */
public sealed interface LedgerEntry permits Prediction, PredictionCheck {
    /** Chain position, null for a draft. */
    Long seq();

    /** First line of the canonical content, e.g. {@link Prediction#FORMAT}. */
    String format();

    String canonicalContent();

    String entryHash();

    String previousHash();

    /** Base64 X.509 Ed25519 public key, null for an unsigned (v1) entry. */
    String publicKey();

    /** Base64 Ed25519 signature of {@link #canonicalContent()}, null for an unsigned (v1) entry. */
    String signature();

    String author();

    /** UTC filing time: never earlier than the previous entry's. */
    Instant filedAt();

    /** "prediction" or "check". */
    String kindOfEntry();

    /** How messages name this entry, e.g. "entry 3 (prediction 2, 'big-run')". */
    String label();

    /** SHA-256 of the canonical content as it is now (differs from {@link #entryHash()} if the row was altered). */
    default String recomputeHash() {
        return Prediction.sha256(canonicalContent());
    }
}
