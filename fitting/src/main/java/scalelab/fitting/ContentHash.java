package scalelab.fitting;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 over the observations' numbers (N, D, C, loss, weight as IEEE-754 bits, big-endian), in order. */
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
        ByteBuffer buf = ByteBuffer.allocate(5 * Double.BYTES);
        for (Observation o : observations) {
            buf.clear();
            buf.putDouble(o.params()).putDouble(o.tokens()).putDouble(o.flops()).putDouble(o.loss()).putDouble(o.weight());
            md.update(buf.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
