package scalelab.reports;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.Units;
import scalelab.fitting.moe.JointMoeLaw;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.SyntheticMoeLadder;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.training.ModelConfig;
import scalelab.training.RunRegistration;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;

/**
 * A registry holding a synthetic dense + MoE ladder without the trainer: a dense family and two 4-expert top-2
 * families (quantile and aux balancing) from a known joint law, finished runs with realistic run specs. The aux
 * family's losses are 5% above the quantile family's, so the two methods differ visibly.
 */
final class MoeRegistryFixture {
    static final JointMoeLaw TRUE_LAW = new JointMoeLaw(Units.MILLIONS_BILLIONS,
            1.7, 2.2, 1.4, 0.32, 0.28, -0.012, -0.15, 0.008, -0.06);
    static final double AUX_PENALTY = 1.05;
    static final String QUANTILE = "moe-e4-k2-g1-quantile";
    static final String AUX = "moe-e4-k2-g1-aux";

    private MoeRegistryFixture() {}

    /** The ladder's runs, by family: "dense", {@link #QUANTILE}, {@link #AUX}. */
    record Filled(List<RunRecord> dense, List<RunRecord> quantile, List<RunRecord> aux) {}

    static Filled fill(Registry registry, String ladder) {
        List<MoeObservation> runs = SyntheticMoeLadder.ladder(new int[] {1, 4}, 2, new double[] {1.0},
                t -> TRUE_LAW.loss(t.activeParams(), t.tokens(), t.experts()), 0, 1);
        List<RunRecord> dense = new ArrayList<>(), quantile = new ArrayList<>(), aux = new ArrayList<>();
        int index = 0;
        for (MoeObservation o : runs) {
            if (o.isDense()) {
                dense.add(insert(registry, ladder, o, "none", o.loss(), index++));
            } else {
                quantile.add(insert(registry, ladder, o, "quantile", o.loss(), index++));
                aux.add(insert(registry, ladder, o, "aux", o.loss() * AUX_PENALTY, index++));
            }
        }
        return new Filled(dense, quantile, aux);
    }

    static RunRecord insert(Registry registry, String ladder, MoeObservation o, String balance, double loss, int index) {
        // d = 64 and granularity 1: expert width 4·d / G = 256
        ModelConfig model = o.isDense() ? ModelConfig.dense(256, 64, 2, 4, 64)
                : ModelConfig.moe(256, 64, 2, 4, 64, o.experts(), o.topK(), 1);
        String family = o.isDense() ? "dense" : "moe-" + balance;
        RunSpec s = new RunSpec(ladder + "-" + family + "-" + index, model, 8, index + 1, 1e-3, 0.1, 0.05, "cosine", 1.0, 1,
                "default", "byte", o.flops(), balance, 0, "aux".equals(balance) ? 0.01 : 0);
        RunRecord planned = RunRecord.planned(ladder, s.name(), s.specHash(), RunSpecYaml.toJson(s),
                o.isDense() ? "dense" : "moe", o.activeParams(), o.totalParams(), o.tokens(), o.flops(), o.flops(), null, "test")
                .withMoe(RunRegistration.moeConfig(s));
        long id = registry.upsertRun(planned);
        registry.finishRun(id, loss, loss, o.flops(), 1.0);
        return registry.run(id).orElseThrow();
    }
}
