package scalelab.reports.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a fit report shows, as plain data. Sources (a CSV, the registry) build one; {@code ReportWriter} renders it.
 *
 * @param title       page title
 * @param ladder      ladder name, or "" for runs imported without one
 * @param runs        the runs, in ladder order
 * @param fitsNote    which runs the fits use when the ladder has several families (e.g. "only the dense family"),
 *                    or ""
 * @param fits        every fit method's result; the first with a surface is the report's primary fit
 * @param allocations compute-optimal allocations at each target
 * @param ledger      preregistered predictions (and checks)
 * @param backtests   extrapolation errors
 * @param curves      training curves by run name
 * @param moe         MoE findings, or null for dense-only ladders
 * @param forecasts   the forecaster's answer at each target (empty when the ladder cannot be forecast)
 * @param backtestNote why {@code backtests} is empty (not asked for, too few budgets, the backtest failed), or ""
 */
public record ReportInput(String title, String ladder, List<RunRow> runs, String fitsNote, List<FitSummary> fits,
                          List<Allocation> allocations, List<LedgerRow> ledger, List<BacktestRow> backtests,
                          Map<String, List<CurvePoint>> curves, MoeSection moe, List<ForecastView> forecasts,
                          String backtestNote) {
    public ReportInput {
        backtestNote = backtestNote == null ? "" : backtestNote;
        Objects.requireNonNull(title, "title");
        ladder = ladder == null ? "" : ladder;
        runs = List.copyOf(Objects.requireNonNull(runs, "runs"));
        fitsNote = fitsNote == null ? "" : fitsNote;
        fits = List.copyOf(Objects.requireNonNull(fits, "fits"));
        allocations = List.copyOf(Objects.requireNonNull(allocations, "allocations"));
        ledger = List.copyOf(Objects.requireNonNull(ledger, "ledger"));
        backtests = List.copyOf(Objects.requireNonNull(backtests, "backtests"));
        forecasts = forecasts == null ? List.of() : List.copyOf(forecasts);
        // Keep the caller's run order for legends; copy each list so the record stays immutable.
        Map<String, List<CurvePoint>> c = new LinkedHashMap<>();
        Objects.requireNonNull(curves, "curves").forEach((k, v) -> c.put(k, List.copyOf(v)));
        curves = java.util.Collections.unmodifiableMap(c);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a report needs at least one run");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (RunRow r : runs) {
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("duplicate run name in report: " + r.name());
            }
        }
    }

    /** A report without a note on its backtests. */
    public ReportInput(String title, String ladder, List<RunRow> runs, String fitsNote, List<FitSummary> fits,
                       List<Allocation> allocations, List<LedgerRow> ledger, List<BacktestRow> backtests,
                       Map<String, List<CurvePoint>> curves, MoeSection moe, List<ForecastView> forecasts) {
        this(title, ladder, runs, fitsNote, fits, allocations, ledger, backtests, curves, moe, forecasts, "");
    }

    /** Runs, fits, and nothing else yet (no ladder, targets, ledger, backtests, curves or MoE). */
    public static ReportInput ofRunsAndFits(String title, String ladder, List<RunRow> runs, List<FitSummary> fits) {
        return new ReportInput(title, ladder, runs, "", fits, List.of(), List.of(), List.of(), Map.of(), null, List.of());
    }

    /** The same report under another title. */
    public ReportInput withTitle(String newTitle) {
        return new ReportInput(newTitle, ladder, runs, fitsNote, fits, allocations, ledger, backtests, curves, moe, forecasts,
                backtestNote);
    }

    /** The first fit that has a loss surface, or null. */
    public FitSummary primaryFit() {
        return fits.stream().filter(FitSummary::hasSurface).findFirst().orElse(null);
    }

    /** The first fit with Approach 2 parabolas, or null. */
    public FitSummary parabolaFit() {
        return fits.stream().filter(f -> !f.parabolas().isEmpty()).findFirst().orElse(null);
    }
}
