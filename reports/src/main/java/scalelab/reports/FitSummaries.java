package scalelab.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.Approach2;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.BudgetParabola;
import scalelab.fitting.FitResult;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Observation;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.Parabola;

/** A fitter's {@link FitResult} as the report shows it. */
public final class FitSummaries {
    private FitSummaries() {}

    /**
     * @param id           the stored fit's id, or "" for a fit made only for the report
     * @param observations the runs the fit used (Approach 2's parabolas are drawn over each budget's sampled N range)
     * @param grouping     the budgets those runs were grouped into for the fit
     */
    public static FitSummary of(String id, FitResult fit, List<Observation> observations, BudgetGrouping grouping) {
        String message = fit.status() == FitStatus.CONVERGED && "converged".equals(fit.message()) ? "" : fit.message();
        List<String> warnings = new ArrayList<>(fit.warnings());
        List<Parabola> parabolas = new ArrayList<>();
        if (fit.approach2() != null) {
            for (BudgetParabola p : fit.approach2().budgets()) {
                double[] range = sampledRange(p, observations, grouping);
                if (range == null) {
                    warnings.add(String.format(Locale.ROOT, "budget C = %.3e: its runs are not in this report, so its "
                            + "parabola is not drawn", p.compute()));
                    continue;
                }
                parabolas.add(new Parabola(p.compute(), p.p0(), p.p1(), p.p2(),
                        p.curvaturePositive() ? p.vertexParams() : Double.NaN, range[0], range[1], diagnostics(p)));
            }
        }
        return new FitSummary(id, fit.method(), fit.status().name(), message, warnings, fit.surface(),
                fit.objectiveValue(), fit.paramsExponent(), fit.tokensExponent(), parabolas, fit.n(), fit.inputSha256(),
                fit.flops());
    }

    /** Approach 2's per-budget diagnostics in words (thresholds from {@link Approach2}). */
    public static List<String> diagnostics(BudgetParabola p) {
        List<String> d = new ArrayList<>();
        if (!p.curvaturePositive()) {
            d.add("curvature ≤ 0: no minimum");
        } else if (!p.vertexInside()) {
            d.add("vertex outside the sampled range");
        }
        if (Double.isFinite(p.offCentre()) && Math.abs(p.offCentre()) > Approach2.OFF_CENTRE_LIMIT) {
            d.add(String.format(Locale.ROOT, "vertex off-centre by %+.2f of the half-width", p.offCentre()));
        }
        if (p.widthDecades() > Approach2.WIDE_GRID_DECADES) {
            d.add(String.format(Locale.ROOT, "wide grid: %.2f decades of N", p.widthDecades()));
        }
        if (!p.used()) {
            d.add("excluded from the vertex power laws");
        }
        return d;
    }

    /** Smallest and largest N of the budget's runs, or null when the budget is not among the observations. */
    private static double[] sampledRange(BudgetParabola p, List<Observation> observations, BudgetGrouping grouping) {
        for (BudgetGrouping.Budget b : grouping.budgets()) {
            if (Math.abs(b.compute() - p.compute()) <= 1e-9 * p.compute()) {
                double lo = Double.POSITIVE_INFINITY, hi = 0;
                for (int i : b.members()) {
                    lo = Math.min(lo, observations.get(i).params());
                    hi = Math.max(hi, observations.get(i).params());
                }
                return new double[] {lo, hi};
            }
        }
        return null;
    }
}
