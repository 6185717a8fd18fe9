package scalelab.cli.fit;

import java.util.ArrayList;
import java.util.List;
import scalelab.cli.registry.DbOption;
import scalelab.fitting.Observation;
import scalelab.fitting.moe.MoeObservation;
import scalelab.registry.MoeConfig;
import scalelab.registry.MoePredictions;
import scalelab.registry.Registry;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.MoeColumns;
import scalelab.registry.io.RunTable;

/**
 * A runs file's rows as the MoE fitters see them, for labs whose routed-MoE ladders were trained elsewhere: the MoE
 * columns ({@code experts}, {@code top_k}, {@code granularity}, {@code balance}, {@code total_params}) read by
 * {@link MoeColumns}, as {@code runs import} reads them. {@code params} is the active parameter count, in which compute
 * is counted.
 */
final class MoeRuns {
    private MoeRuns() {}

    /**
     * A registry ladder's runs as `predict --target moe:…` files from them: its dense runs and its MoE runs of one
     * balancing method, read from the database opened read-only.
     */
    static List<MoeObservation> fromRegistry(String db, String ladder, String balance) {
        try (Registry registry = DbOption.open(Registry.resolvePath(db), Registry.Access.READ_ONLY, Registry.DEFAULT_LOCK_WAIT)) {
            return MoePredictions.runs(registry, ladder, balance).observations();
        }
    }

    static List<MoeObservation> of(FitInputs in) {
        if (in.rows().stream().noneMatch(r -> r.extra().containsKey("experts"))) {
            throw new InputFormatException(in.file(), 0, "experts", "an MoE forecast needs the columns experts and top_k "
                    + "(and optionally granularity, balance, total_params) on the MoE rows");
        }
        List<MoeObservation> out = new ArrayList<>();
        for (RunTable.Row r : in.rows()) {
            Observation o = r.observation();
            MoeConfig moe = MoeColumns.read(in.file(), r);
            double total = MoeColumns.totalParams(in.file(), r);
            try {
                out.add(moe == null ? new MoeObservation(o.params(), total, o.tokens(), o.flops(), o.loss(), 1, 1, 1.0, "dense")
                        : new MoeObservation(o.params(), total, o.tokens(), o.flops(), o.loss(), moe.experts(), moe.topK(),
                                moe.granularity(), moe.family()));
            } catch (IllegalArgumentException e) {
                throw new InputFormatException(in.file(), r.line(), null, e.getMessage());
            }
        }
        return out;
    }
}
