package scalelab.reports;

import scalelab.registry.RunRecord;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;
import scalelab.training.moe.MoePredictions;

/**
 * The ladder family a registry run belongs to. The registry stores the architecture but not the family; an MoE run's
 * family is read from its stored run spec (experts, top-k, granularity, balancing), named as the MoE fitters name it.
 *
 * @param name    "dense", e.g. "moe-e4-k2-g2-quantile", or "moe" for an MoE run whose spec is not a run spec (imported)
 * @param balance "none" for dense, "quantile" or "aux", or "" when unknown
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
        try {
            RunSpec spec = RunSpecYaml.fromYaml(r.specJson() == null ? "" : r.specJson(), "run " + r.id());
            ModelConfig m = spec.model();
            if (m.isMoe()) {
                return new RunFamily(MoePredictions.familyName(m, spec.balance()), spec.balance(), m.experts());
            }
        } catch (RuntimeException e) {
            // An imported MoE run carries no run spec: its family is unknown, not an error of the report.
        }
        return new RunFamily("moe", "", 0);
    }
}
