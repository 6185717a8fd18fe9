package scalelab.fitting;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The one canonical input hash of a set of runs: SHA-256 over each observation's numbers (N, D, C, loss, weight as
 * IEEE-754 bits, big-endian), the 40-byte records sorted first. Sorting makes it a hash of the set, not of the order
 * the runs were read in: the same runs from a CSV, a JSONL file or the registry get one hash (issue 16). Group labels
 * and run names are not hashed; two runs with equal numbers count twice.
 */
public final class ContentHash {
    private ContentHash() {}

    /** SHA-256 of a text (UTF-8), as lower-case hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String of(List<Observation> observations) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<byte[]> records = new java.util.ArrayList<>(observations.size());
        for (Observation o : observations) {
            records.add(ByteBuffer.allocate(5 * Double.BYTES).putDouble(o.params()).putDouble(o.tokens())
                    .putDouble(o.flops()).putDouble(o.loss()).putDouble(o.weight()).array());
        }
        records.sort(java.util.Arrays::compareUnsigned);
        records.forEach(md::update);
        return HexFormat.of().formatHex(md.digest());
    }
}
