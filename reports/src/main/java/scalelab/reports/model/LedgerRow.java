package scalelab.reports.model;

import java.util.Objects;

/**
 * One preregistered prediction and, once checked, its outcome.
 *
 * @param id        ledger entry id
 * @param target    target description (name, dense/MoE, N or N_active, D)
 * @param compute   the target's C in FLOPs (where the chart places it)
 * @param predicted predicted loss
 * @param interval  prediction interval, or null
 * @param method    fit method
 * @param fitId     id of the fit it came from
 * @param hash      the entry's chain hash (SHA-256 hex)
 * @param verdict   e.g. "pending", "inside interval", "outside interval"
 * @param actual    observed loss, or NaN while unchecked
 * @param relativeErrorPct the error of the prediction in percent, 100·(predicted − actual)/actual (positive when the
 *                         forecast was too high), NaN while unchecked
 */
public record LedgerRow(String id, String target, double compute, double predicted, Interval interval, String method,
                        String fitId, String hash, String verdict, double actual, double relativeErrorPct) {
    public LedgerRow {
        Objects.requireNonNull(id, "ledger id");
        Objects.requireNonNull(target, "ledger target");
        Objects.requireNonNull(method, "ledger method");
        Objects.requireNonNull(hash, "ledger hash");
        Objects.requireNonNull(verdict, "ledger verdict");
        fitId = fitId == null ? "" : fitId;
        Checks.positive("compute of prediction " + id, compute);
        Checks.positive("predicted loss of prediction " + id, predicted);
        Checks.positiveOrNaN("actual loss of prediction " + id, actual);
        Checks.finiteOrNaN("relative error of prediction " + id, relativeErrorPct);
        if (Double.isNaN(actual) != Double.isNaN(relativeErrorPct)) {
            throw new IllegalArgumentException("prediction " + id + ": an actual loss and its error come together, got actual "
                    + actual + " and error " + relativeErrorPct);
        }
    }

    public boolean checked() {
        return !Double.isNaN(actual);
    }
}
