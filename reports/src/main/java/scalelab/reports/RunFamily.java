package scalelab.reports;

import scalelab.registry.MoeConfig;
import scalelab.registry.RunRecord;

/**
 * The ladder family a registry run belongs to: an MoE run's family is named from the expert configuration the
 * registry stores with it (experts, top-k, granularity, balancing), as the MoE fitters name it.
 *
 * @param name    "dense", e.g. "moe-e4-k2-g2-quantile", or "moe" for an MoE run whose configuration was not recorded
 * @param balance "none" for dense, the balancing method ("quantile", "aux", ...), or "" when unknown
 * @param experts experts E (1 for dense, 0 when unknown)
 */
record RunFamily(String name, String balance, int experts) {
    static final String DENSE = "dense";

    boolean isDense() {
        return DENSE.equals(name);
    }

    static RunFamily of(RunRecord r) {
        if ("dense".equals(r.architecture())) {
            return new RunFamily(DENSE, "none", 1);
        }
        MoeConfig m = r.moe();
        if (m == null) {
            return new RunFamily("moe", "", 0); // imported without the expert columns: the family is unknown
        }
        return new RunFamily(m.family(), m.balance() == null ? "" : m.balance(), m.experts());
    }
}
