package scalelab.registry;

import java.util.Locale;
import java.util.regex.Pattern;
import scalelab.fitting.moe.MoeTarget;

/**
 * The expert configuration of an MoE run, as the registry stores it beside the run: what the MoE laws need to know
 * about a run, whether scalelab trained it (from its run spec) or a lab imported it (from the columns of its file).
 * A dense run has none (experts = 1 is dense).
 *
 * @param experts     routed experts E per MoE layer, at least 2
 * @param topK        experts each token is routed to, 1 ≤ K ≤ E
 * @param granularity G = dense FFN width ÷ expert width (scalelab's families: expert width 4·d/G), finite and positive
 * @param balance     how routing was balanced (scalelab trains "quantile" or "aux"; an import may name its own), or
 *                    null when not recorded. The MoE laws have no balancing term, so runs of two methods are never
 *                    pooled
 */
public record MoeConfig(int experts, int topK, double granularity, String balance) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    public MoeConfig {
        if (experts < 2) {
            throw new IllegalArgumentException("an MoE run has at least 2 experts, got " + experts + " (1 expert is dense)");
        }
        if (topK < 1 || topK > experts) {
            throw new IllegalArgumentException("top_k must lie in [1, experts = " + experts + "], got " + topK);
        }
        if (!Double.isFinite(granularity) || granularity <= 0) {
            throw new IllegalArgumentException("granularity must be a finite positive number, got " + granularity);
        }
        if (balance != null && !isBalanceName(balance)) {
            throw new IllegalArgumentException("balance must be a lower-case name such as quantile or aux, got '" + balance + "'");
        }
    }

    /** True if {@code name} can name a balancing method: lower case, e.g. quantile, aux, sinkhorn. */
    public static boolean isBalanceName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * The family the MoE fitters (and the report) give runs of this configuration, e.g. "moe-e4-k2-g2-quantile", or
     * "moe-e4-k2-g2" when the balancing method is not recorded.
     */
    public String family() {
        String g = granularity == Math.rint(granularity) ? Long.toString((long) granularity) : Double.toString(granularity);
        return String.format(Locale.ROOT, "moe-e%d-k%d-g%s", experts, topK, g) + (balance == null ? "" : "-" + balance);
    }

    /** The MoE target of a run with this configuration at N_active and D. */
    public MoeTarget target(double activeParams, double tokens) {
        return new MoeTarget(experts, topK, granularity, activeParams, tokens);
    }
}
