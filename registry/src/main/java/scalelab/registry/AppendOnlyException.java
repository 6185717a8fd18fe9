package scalelab.registry;

/** Thrown on any attempt to change or delete a filed ledger entry. */
public final class AppendOnlyException extends UnsupportedOperationException {
    public AppendOnlyException(String message) {
        super(message);
    }
}
