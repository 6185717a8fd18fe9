package scalelab.reports.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mixture-of-experts findings: how evenly each MoE run used its experts, and the balancing methods compared.
 *
 * @param utilisation per run, the fraction of routed tokens each expert received, per logged step
 * @param balancing   one row per (balancing method, run)
 */
public record MoeSection(Map<String, List<ExpertLoad>> utilisation, List<BalancingRow> balancing) {
    public MoeSection {
        utilisation = Map.copyOf(Objects.requireNonNull(utilisation, "utilisation"));
        balancing = List.copyOf(Objects.requireNonNull(balancing, "balancing"));
    }

    /** Fractions of routed tokens per expert at one step; they sum to 1 (within rounding). */
    public record ExpertLoad(long step, List<Double> fractions) {
        public ExpertLoad {
            fractions = List.copyOf(fractions);
            if (fractions.isEmpty()) {
                throw new IllegalArgumentException("expert load at step " + step + " has no experts");
            }
            double sum = 0;
            for (double f : fractions) {
                if (!(f >= 0) || !Double.isFinite(f)) {
                    throw new IllegalArgumentException("expert fraction at step " + step + " must be finite and ≥ 0, got " + f);
                }
                sum += f;
            }
            if (Math.abs(sum - 1.0) > 1e-3) {
                throw new IllegalArgumentException("expert fractions at step " + step + " sum to " + sum + ", not 1");
            }
        }

        /** max fraction × number of experts: 1 is perfectly balanced, E means one expert took everything. */
        public double imbalance() {
            return fractions.stream().mapToDouble(Double::doubleValue).max().orElseThrow() * fractions.size();
        }
    }

    /**
     * @param method        balancing method (e.g. "aux-loss", "loss-free bias")
     * @param run           run name
     * @param loss          final held-out loss
     * @param meanImbalance mean over steps of max fraction × experts
     * @param note          anything else worth saying (dropped tokens, instability), or ""
     */
    public record BalancingRow(String method, String run, double loss, double meanImbalance, String note) {
        public BalancingRow {
            Objects.requireNonNull(method, "balancing method");
            Objects.requireNonNull(run, "balancing run");
            note = note == null ? "" : note;
            Checks.positiveOrNaN("loss of " + run, loss);
            Checks.positive("imbalance of " + run, meanImbalance);
        }
    }
}
