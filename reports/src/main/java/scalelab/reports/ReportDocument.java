package scalelab.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.ReportInput;

/**
 * The report's structure, shared by the HTML and Markdown renderers: sections in reading order, each a mix of
 * paragraphs, tables and figures. Renderers only decide how each block looks.
 */
abstract class ReportDocument {
    protected final ReportInput in;
    protected final String generatedAt;
    private final Map<String, Figure> unused = new LinkedHashMap<>();
    protected final StringBuilder out = new StringBuilder();

    ReportDocument(ReportInput in, List<Figure> figures, String generatedAt) {
        this.in = in;
        this.generatedAt = generatedAt;
        figures.forEach(f -> unused.put(f.name(), f));
    }

    abstract void title(String title, String subtitle);

    abstract void heading(String text);

    abstract void paragraph(String text);

    /** A list of findings; {@code severity} "ok", "warn" or "bad" colours it in HTML. */
    abstract void finding(String severity, String text);

    abstract void table(ReportWriter.Table t, boolean collapsed);

    abstract void figure(Figure f);

    abstract void end();

    /** Places a figure here if it was drawn (once). */
    private void figure(String name) {
        Figure f = unused.remove(name);
        if (f != null) {
            figure(f);
        }
    }

    final String render() {
        String ladder = in.ladder().isEmpty() ? "" : "Ladder " + in.ladder() + ". ";
        title(in.title(), ladder + ReportWriter.summary(in) + " Generated " + generatedAt + " by scalelab.");

        List<String[]> headline = ReportWriter.headline(in);
        if (!headline.isEmpty()) {
            heading("Summary");
            headline.forEach(h -> finding(h[0], h[1]));
        }

        if (!in.ledger().isEmpty()) {
            heading("Preregistered predictions");
            paragraph("Each prediction and each check is a signed entry of the hash-chained ledger; the hash lets anyone "
                    + "compare a public copy with the database. A verdict says \"preregistered\" only when the checked run "
                    + "started after the prediction was filed; a second check adds a verdict and the row shows the history.");
            table(ReportWriter.ledger(in), false);
            figure("loss-frontier");
        }

        if (!in.forecasts().isEmpty()) {
            heading("Forecast");
            paragraph("The default forecaster: every panel method is backtested on this ladder (fit up to a budget, forecast "
                    + "the larger ones), the methods that forecast it best at ratios like the target's are combined, and the "
                    + "interval carries their backtest error as well as the bootstrap spread. The shaded band in the "
                    + "compute-optimal loss chart is this interval along the extrapolated frontier.");
            for (scalelab.reports.model.ForecastView f : in.forecasts()) {
                finding("ok".equals(f.status()) ? "ok" : "warn", String.format(java.util.Locale.ROOT,
                        "%s (C = %s, %.3g× the largest budget): %s, %.0f%% interval [%s, %s], by %s (%s)", f.target(),
                        ReportWriter.num(f.compute()), f.ratio(), ReportWriter.loss(f.loss()), 100 * f.level(),
                        ReportWriter.loss(f.lo()), ReportWriter.loss(f.hi()), f.method(), f.status()));
                paragraph("Interval: " + f.interval() + ". Evidence: " + f.evidence() + ".");
                table(ReportWriter.forecastPanel(f), false);
                if (!f.leaveOneOut().isEmpty()) {
                    paragraph(String.format(java.util.Locale.ROOT, "Leave one budget out: the forecast moves by up to %.2f%%.",
                            f.looSpreadPct()));
                    table(ReportWriter.forecastLeaveOneOut(f), f.leaveOneOut().size() > 12);
                }
                f.assumptions().forEach(a -> finding("info", "assumes " + a));
                f.warnings().forEach(w -> finding("warn", w));
            }
            figure("loss-frontier");
        }

        heading("Runs");
        table(ReportWriter.runs(in), in.runs().size() > 30);
        figure("isoflop");
        figure("training-curves");

        heading("Fits");
        if (!in.fitsNote().isEmpty()) {
            finding("info", in.fitsNote());
        }
        if (in.fits().isEmpty()) {
            paragraph("No fit in this report.");
        } else {
            paragraph("Every method side by side. Parameters are in raw units (N in parameters, D in tokens): "
                    + "L(N, D) = E + A·N^−α + B·D^−β.");
            table(ReportWriter.fits(in), false);
            for (FitSummary f : in.fits()) {
                boolean clean = f.status().equalsIgnoreCase("CONVERGED");
                finding(clean ? "ok" : f.status().equalsIgnoreCase("FAILED") ? "bad" : "warn",
                        f.label() + ": " + f.status() + (f.message().isEmpty() ? "" : " — " + f.message()));
                for (String w : f.warnings()) {
                    finding("warn", f.label() + ": " + w);
                }
                if (!f.flops().isSixNd() && f.hasSurface()) { // Approach 2's vertex laws are fitted on the labels themselves
                    finding("info", f.label() + ": " + f.flops().describe() + " (its N*, D* at C count C so)");
                }
            }
            FitSummary a2 = in.parabolaFit();
            if (a2 != null) {
                heading("Approach 2 per-budget parabolas and bias diagnostics");
                paragraph("A parabola in ln N is only an unbiased estimate of the IsoFLOP minimum when the grid is narrow "
                        + "and centred on it; a vertex outside the sampled range is an extrapolation.");
                table(ReportWriter.parabolas(a2), false);
            }
            figure("residuals");
        }

        heading("Compute-optimal allocation at each target");
        if (in.allocations().isEmpty()) {
            paragraph("No target in this report.");
        } else {
            table(ReportWriter.allocations(in), false);
        }
        figure("frontier");
        figure("loss-frontier");

        if (in.ledger().isEmpty()) {
            heading("Preregistered predictions");
            paragraph("No prediction filed for these runs yet.");
        }

        heading("Backtests");
        if (in.backtests().isEmpty()) {
            paragraph(in.backtestNote().isEmpty() ? "No backtest in this report." : in.backtestNote());
        } else {
            table(ReportWriter.backtestSummary(in), false);
            table(ReportWriter.backtests(in), in.backtests().size() > 30);
            figure("backtest");
        }

        if (in.moe() != null) {
            var moe = in.moe();
            heading("Mixture of experts");
            if (!moe.families().isEmpty()) {
                paragraph("Each MoE family against the dense family at equal compute (compute counts active parameters). "
                        + "Multipliers come from the stored shared-exponent fit: the MoE family at N active parameters "
                        + "scores like dense at m·N, and at compute C like dense at m·k·C.");
                table(ReportWriter.moeFamilies(moe), false);
            }
            if (!moe.equalCompute().isEmpty()) {
                paragraph("Best final loss of each family at each budget.");
                table(ReportWriter.equalCompute(moe), false);
            }
            for (var law : moe.laws()) {
                String who = "MoE law fit #" + law.fitId() + (law.balance().isEmpty() ? "" : " (" + law.balance() + " balancing)");
                finding(law.supported().isEmpty() ? "warn" : "ok", who + ": supported law "
                        + (law.supported().isEmpty() ? "undecided" : law.supported()) + " — " + law.reason()
                        + (Double.isNaN(law.predicted()) ? "" : "; its fit predicts " + law.target() + " at " + ReportWriter.loss(law.predicted())
                        + (Double.isNaN(law.low()) ? "" : ", bootstrap interval [" + ReportWriter.loss(law.low()) + ", "
                        + ReportWriter.loss(law.high()) + "] (the prediction filed from it, in the predictions table, also"
                        + " carries the law's backtest error, leave one budget out and the quality gate)")));
                if (law.rows().isEmpty()) {
                    paragraph(who + " was stored without its comparison rows (an older scalelab): refit to tabulate them.");
                } else {
                    table(ReportWriter.moeLaws(law), false);
                }
            }
            moe.notes().forEach(n -> finding("warn", n));
            figure("moe-utilisation");
            if (!moe.balancing().isEmpty()) {
                table(ReportWriter.balancing(moe), moe.balancing().size() > 30);
            }
        }
        List<Figure> rest = new ArrayList<>(unused.values());
        if (!rest.isEmpty()) {
            heading("Other figures");
            rest.forEach(this::figure);
        }
        end();
        return out.toString();
    }
}
