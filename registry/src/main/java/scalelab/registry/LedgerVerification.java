package scalelab.registry;

/**
 * Result of recomputing the ledger's hash chain.
 *
 * @param entries       number of entries checked
 * @param firstBrokenId id of the first entry whose hash or link does not verify, null when the chain is intact
 * @param problem       what is wrong with that entry, null when intact
 * @param headHash      entry hash of the last entry ({@link Prediction#GENESIS_HASH} for an empty ledger)
 */
public record LedgerVerification(int entries, Long firstBrokenId, String problem, String headHash) {
    public boolean intact() {
        return firstBrokenId == null;
    }
}
