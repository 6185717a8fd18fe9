package scalelab.registry;

import java.util.Map;

/**
 * Result of verifying the ledger: its hash chain, every signature, that filing times never go backwards, and that the
 * last entry this machine filed is still there.
 *
 * @param entries         number of chained entries checked (predictions and checks)
 * @param firstBrokenId   chain position (seq) of the first entry that does not verify, null when intact
 * @param problem         what is wrong there, null when intact
 * @param headHash        entry hash of the last entry ({@link Prediction#GENESIS_HASH} for an empty ledger)
 * @param unsignedEntries entries filed before signing began (format {@link Prediction#FORMAT_V1}): their content is
 *                        protected by the hash chain alone, i.e. only against someone without a public copy
 * @param checkEntries    chained checks among the entries
 * @param legacyChecks    checks stored before checks joined the chain: outside it, so nothing vouches for them
 * @param untrustedKeys   keys (fingerprint → author named in the entries) that signed valid entries but that this
 *                        machine does not hold (not its own key, no {@code .pub} copy, not in the public copy given):
 *                        their signatures prove nothing until the key is known from elsewhere
 * @param headNote        what the head record outside the database says (e.g. "entry 7 ... is still there"), or that
 *                        this machine has none for this database
 */
public record LedgerVerification(int entries, Long firstBrokenId, String problem, String headHash, int unsignedEntries,
                                 int checkEntries, int legacyChecks, Map<String, String> untrustedKeys, String headNote) {

    public LedgerVerification {
        untrustedKeys = Map.copyOf(untrustedKeys);
    }

    /** Chain, hashes, signatures, times and the recorded head all verify. */
    public boolean intact() {
        return firstBrokenId == null;
    }

    /** Every signed entry is signed by a key this machine (or the public copy given) vouches for. */
    public boolean trusted() {
        return untrustedKeys.isEmpty();
    }
}
