package scalelab.reports.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Mixture-of-experts findings: each MoE family against the dense one at equal compute, the MoE laws fitted and the
 * one the data support, how evenly each MoE run used its experts, and the balancing methods compared.
 *
 * @param families     one row per MoE family
 * @param equalCompute per budget, each family's best (lowest) final loss
 * @param laws         stored MoE law fits (one per balancing method predicted), newest last
 * @param utilisation  per run, the fraction of routed tokens each expert received, per logged step
 * @param balancing    one row per (balancing method, run)
 * @param notes        what could not be shown and why (e.g. no expert shares recorded)
 */
public record MoeSection(List<FamilyRow> families, List<BudgetRow> equalCompute, List<LawFit> laws,
                         Map<String, List<ExpertLoad>> utilisation, List<BalancingRow> balancing, List<String> notes) {
    public MoeSection {
        families = List.copyOf(Objects.requireNonNull(families, "families"));
        equalCompute = List.copyOf(Objects.requireNonNull(equalCompute, "equal compute"));
        laws = List.copyOf(Objects.requireNonNull(laws, "laws"));
        utilisation = Map.copyOf(Objects.requireNonNull(utilisation, "utilisation"));
        balancing = List.copyOf(Objects.requireNonNull(balancing, "balancing"));
        notes = List.copyOf(Objects.requireNonNull(notes, "notes"));
    }

    /** Utilisation and balancing only (no family comparison or law). */
    public MoeSection(Map<String, List<ExpertLoad>> utilisation, List<BalancingRow> balancing) {
        this(List.of(), List.of(), List.of(), utilisation, balancing, List.of());
    }

    /**
     * @param family            e.g. "moe-e4-k2-g2-quantile"
     * @param balance           "quantile", "aux", or "" when unknown
     * @param runs              finished runs
     * @param meanDeltaPct      mean over the budgets both families have of 100·(best MoE loss − best dense loss)/dense,
     *                          NaN without a shared budget
     * @param paramsMultiplier  effective-parameter multiplier m over dense from the stored shared-exponent fit, or NaN
     * @param computeMultiplier equal-compute multiplier m·k, or NaN
     * @param minShare          lowest expert share over the last 10% of steps of the family's runs, NaN when unknown
     * @param maxShare          highest such share, NaN when unknown
     */
    public record FamilyRow(String family, String balance, int runs, double meanDeltaPct, double paramsMultiplier,
                            double computeMultiplier, double minShare, double maxShare) {
        public FamilyRow {
            Objects.requireNonNull(family, "family");
            balance = balance == null ? "" : balance;
        }
    }

    /** One budget's best loss per family (families without a finished run there are absent). */
    public record BudgetRow(double budget, Map<String, Double> bestLoss) {
        public BudgetRow {
            Checks.positive("budget", budget);
            bestLoss = Map.copyOf(bestLoss);
        }
    }

    /**
     * A stored MoE law fit: the laws compared and the one the data support.
     *
     * @param fitId     registry fit id
     * @param balance   balancing method of the MoE runs it fitted, or "" when the fit does not say
     * @param target    the target it predicted
     * @param supported the supported law, or "" when undecided
     * @param reason    why
     * @param predicted predicted loss of the target (NaN when not stored)
     * @param low       interval low (NaN when none)
     * @param high      interval high (NaN when none)
     * @param rows      the comparison, one row per law (empty for fits stored before rows were kept)
     */
    public record LawFit(String fitId, String balance, String target, String supported, String reason, double predicted,
                         double low, double high, List<LawRow> rows) {
        public LawFit {
            rows = List.copyOf(rows);
        }
    }

    /** One law's line of the comparison; NaN where not available, {@code problem} "" when fitted. */
    public record LawRow(String law, String status, int runs, int parameters, double rss, double aic, double bic,
                         double backtestPct, double commonBacktestPct, double predicted, double low, double high,
                         String problem) {
        public LawRow {
            status = status == null ? "" : status;
            problem = problem == null ? "" : problem;
        }
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
     * @param meanImbalance mean over steps of max fraction × experts, NaN when the shares are unknown
     * @param minShare      lowest expert share (NaN when unknown)
     * @param maxShare      highest expert share (NaN when unknown)
     * @param note          anything else worth saying (dropped tokens, instability, which steps), or ""
     */
    public record BalancingRow(String method, String run, double loss, double meanImbalance, double minShare,
                               double maxShare, String note) {
        public BalancingRow {
            Objects.requireNonNull(method, "balancing method");
            Objects.requireNonNull(run, "balancing run");
            note = note == null ? "" : note;
            Checks.positiveOrNaN("loss of " + run, loss);
            Checks.positiveOrNaN("imbalance of " + run, meanImbalance);
        }

        public BalancingRow(String method, String run, double loss, double meanImbalance, String note) {
            this(method, run, loss, meanImbalance, Double.NaN, Double.NaN, note);
        }
    }
}
