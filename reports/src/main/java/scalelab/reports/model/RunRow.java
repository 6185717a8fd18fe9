package scalelab.reports.model;

import java.util.Objects;

/**
 * One run as the report shows it.
 *
 * @param name         the run's name (unique within a report)
 * @param budget       C: the IsoFLOP budget the run belongs to, in FLOPs
 * @param params       N: parameters (total for MoE)
 * @param activeParams N_active: parameters active per token (equals N for dense runs)
 * @param tokens       D: training tokens
 * @param loss         final held-out loss, or NaN when the run has none (not finished, failed)
 * @param status       e.g. "finished", "killed", "imported"
 * @param family       e.g. "dense", "moe-e8k2", or "" when the ladder has one family
 * @param wallSeconds  wall-clock training time, or NaN when unknown (imported runs)
 * @param mfu          model FLOP utilisation in [0, 1], or NaN when unknown
 */
public record RunRow(String name, double budget, double params, double activeParams, double tokens, double loss,
                     String status, String family, double wallSeconds, double mfu) {
    public RunRow {
        Objects.requireNonNull(name, "run name");
        Objects.requireNonNull(status, "run status");
        family = family == null ? "" : family;
        Checks.positive("budget of run " + name, budget);
        Checks.positive("params of run " + name, params);
        Checks.positive("active params of run " + name, activeParams);
        Checks.positive("tokens of run " + name, tokens);
        Checks.positiveOrNaN("loss of run " + name, loss);
        Checks.positiveOrNaN("wall seconds of run " + name, wallSeconds);
        Checks.positiveOrNaN("MFU of run " + name, mfu);
    }

    /** A dense run imported from a table: no timings, status "imported". */
    public static RunRow imported(String name, double budget, double params, double tokens, double loss) {
        return new RunRow(name, budget, params, params, tokens, loss, "imported", "", Double.NaN, Double.NaN);
    }

    public boolean hasLoss() {
        return !Double.isNaN(loss);
    }
}
