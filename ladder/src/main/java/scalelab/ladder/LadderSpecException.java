package scalelab.ladder;

/** A ladder spec that cannot be planned: the message names the file, the YAML line and the problem. */
public final class LadderSpecException extends IllegalArgumentException {
    public LadderSpecException(String message) {
        super(message);
    }
}
