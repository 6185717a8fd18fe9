package scalelab.reports.model;

import java.util.Objects;

/**
 * One backtest: fit on budgets ≤ cut, predict the target budget's compute-optimal loss.
 *
 * @param method           fit method
 * @param cut              largest budget used in the fit (FLOPs)
 * @param targetBudget     budget predicted (FLOPs)
 * @param ratio            targetBudget / cut
 * @param predicted        predicted loss
 * @param observed         observed minimum loss at the target budget
 * @param relativeErrorPct 100·(predicted − observed)/observed
 */
public record BacktestRow(String method, double cut, double targetBudget, double ratio, double predicted,
                          double observed, double relativeErrorPct) {
    public BacktestRow {
        Objects.requireNonNull(method, "backtest method");
        Checks.positive("backtest cut", cut);
        Checks.positive("backtest target budget", targetBudget);
        Checks.positive("backtest ratio", ratio);
        Checks.positive("backtest predicted loss", predicted);
        Checks.positive("backtest observed loss", observed);
        Checks.finite("backtest relative error", relativeErrorPct);
    }
}
