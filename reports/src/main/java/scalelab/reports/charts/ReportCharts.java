package scalelab.reports.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.LossSurface;
import scalelab.reports.model.Allocation;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.CurvePoint;
import scalelab.reports.model.ForecastView;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.LedgerRow;
import scalelab.reports.model.MoeSection;
import scalelab.reports.model.Parabola;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;

/**
 * The report's charts. Each is drawn only when the input has the data for it, so a report of imported runs has
 * fewer figures than one of a ladder with fits, predictions and backtests.
 */
public final class ReportCharts {
    private static final int CURVE_SAMPLES = 120;

    private ReportCharts() {}

    /** Draws every chart the input supports into {@code dir} (PNG + SVG each), in reading order. */
    public static List<Figure> writeAll(ReportInput in, Path dir) {
        List<Figure> out = new ArrayList<>();
        TreeMap<Double, List<RunRow>> budgets = byBudget(in.runs());
        if (budgets.values().stream().anyMatch(rs -> rs.stream().anyMatch(RunRow::hasLoss))) {
            out.add(ChartFiles.write(isoFlop(in, budgets), dir, "isoflop",
                    "Loss against parameters at each IsoFLOP budget. Points: runs. Solid: the primary fit's IsoFLOP slice "
                            + "L(N, C/6N), its minimum as a diamond. Dashed: Approach 2's parabola in ln N, its vertex as a cross."));
        }
        FitSummary primary = in.primaryFit();
        boolean interior = primary != null && optimalOrNull(primary.surface(), budgets.firstKey()) != null;
        if (interior || in.parabolaFit() != null || !in.allocations().isEmpty()) {
            out.add(ChartFiles.write(frontier(in, budgets), dir, "frontier",
                    "Compute-optimal N*(C) and D*(C). Solid over the ladder's budgets, dashed where extrapolated; "
                            + "targets with their bootstrap interval as bars; Approach 2 vertices as crosses."));
        }
        if (primary != null || !in.ledger().isEmpty() || !in.forecasts().isEmpty()) {
            out.add(ChartFiles.write(lossFrontier(in, budgets), dir, "loss-frontier",
                    "Compute-optimal loss L*(C): the fit, each budget's best run, preregistered predictions with their "
                            + "intervals, the actual losses once checked, and (shaded) the forecaster's interval along the "
                            + "extrapolated frontier."));
        }
        if (in.fits().stream().anyMatch(FitSummary::hasSurface) && in.runs().stream().anyMatch(RunRow::hasLoss)) {
            out.add(ChartFiles.write(residuals(in), dir, "residuals",
                    "Observed minus fitted loss for every run, by budget, per fit method. A trend with budget means the "
                            + "law misses the ladder's shape and will extrapolate badly."));
        }
        if (in.curves().values().stream().anyMatch(c -> !c.isEmpty())) {
            out.add(ChartFiles.write(trainingCurves(in), dir, "training-curves",
                    "Held-out loss (training loss where no evaluation was logged) against tokens seen, per run."));
        }
        if (!in.backtests().isEmpty()) {
            out.add(ChartFiles.write(backtests(in), dir, "backtest",
                    "Backtest: fit on budgets up to a cut, predict a larger budget's best loss; the error of the prediction (positive: too high) against "
                            + "how far beyond the cut it extrapolates."));
        }
        if (in.moe() != null && !in.moe().utilisation().isEmpty()) {
            int runs = in.moe().utilisation().size();
            out.add(ChartFiles.write(expertUtilisation(in.moe()), dir, "moe-utilisation",
                    "Share of routed tokens per expert over training (averaged over layers), one panel per MoE run shown; 1/E for every expert is "
                            + "perfect balance.", ChartFiles.WIDTH, Math.max(ChartFiles.HEIGHT, 80 + 220 * runs)));
        }
        return out;
    }

    static TreeMap<Double, List<RunRow>> byBudget(List<RunRow> runs) {
        TreeMap<Double, List<RunRow>> m = new TreeMap<>();
        for (RunRow r : runs) {
            m.computeIfAbsent(r.budget(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    public static JFreeChart isoFlop(ReportInput in, TreeMap<Double, List<RunRow>> budgets) {
        FitSummary primary = in.primaryFit();
        FitSummary a2 = in.parabolaFit();
        XYSeriesCollection points = new XYSeriesCollection();
        XYSeriesCollection slices = new XYSeriesCollection();
        XYSeriesCollection parabolas = new XYSeriesCollection();
        XYSeriesCollection minima = new XYSeriesCollection();
        XYLineAndShapeRenderer pointR = new XYLineAndShapeRenderer(false, true);
        XYLineAndShapeRenderer sliceR = new XYLineAndShapeRenderer(true, false);
        XYLineAndShapeRenderer paraR = new XYLineAndShapeRenderer(true, false);
        paraR.setDrawSeriesLineAsPath(true);
        XYLineAndShapeRenderer minR = new XYLineAndShapeRenderer(false, true);
        double nLo = Double.POSITIVE_INFINITY;
        double nHi = 0;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = 0;
        int i = 0;
        int nb = budgets.size();
        for (Map.Entry<Double, List<RunRow>> e : budgets.entrySet()) {
            double c = e.getKey();
            Color colour = ChartStyle.ramp(i, nb);
            String label = "C = " + ChartStyle.compact(c);
            XYSeries s = new XYSeries(label, false, true);
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (RunRow r : e.getValue()) {
                lo = Math.min(lo, r.activeParams());
                hi = Math.max(hi, r.activeParams());
                if (r.hasLoss()) {
                    s.add(r.activeParams(), r.loss());
                    yLo = Math.min(yLo, r.loss());
                    yHi = Math.max(yHi, r.loss());
                }
            }
            nLo = Math.min(nLo, lo);
            nHi = Math.max(nHi, hi);
            points.addSeries(s);
            pointR.setSeriesPaint(points.getSeriesCount() - 1, colour);
            pointR.setSeriesShape(points.getSeriesCount() - 1, ChartStyle.DOT);
            // Draw curves a little beyond the sampled range so a vertex just outside it is still visible.
            double from = lo / 1.5;
            double to = hi * 1.5;
            if (primary != null) {
                LossSurface f = primary.surface();
                XYSeries sl = new XYSeries(label + " slice", false, true);
                for (double n : logSpace(from, to, CURVE_SAMPLES)) {
                    sl.add(n, f.loss(n, c / (6 * n)));
                }
                slices.addSeries(sl);
                int k = slices.getSeriesCount() - 1;
                sliceR.setSeriesPaint(k, colour);
                sliceR.setSeriesStroke(k, ChartStyle.LINE);
                sliceR.setSeriesVisibleInLegend(k, false);
                ComputeOptimal opt = optimalOrNull(f, c);
                if (opt != null && opt.params() >= from && opt.params() <= to) {
                    XYSeries m = new XYSeries(label + " fit minimum", false, true);
                    m.add(opt.params(), opt.loss());
                    minima.addSeries(m);
                    int j = minima.getSeriesCount() - 1;
                    minR.setSeriesPaint(j, colour);
                    minR.setSeriesShape(j, ChartStyle.DIAMOND);
                    minR.setSeriesVisibleInLegend(j, false);
                }
            }
            Parabola p = a2 == null ? null : parabolaAt(a2, c);
            if (p != null) {
                XYSeries ps = new XYSeries(label + " parabola", false, true);
                for (double n : logSpace(from, to, CURVE_SAMPLES)) {
                    ps.add(n, p.lossAt(n));
                }
                parabolas.addSeries(ps);
                int k = parabolas.getSeriesCount() - 1;
                paraR.setSeriesPaint(k, colour);
                paraR.setSeriesStroke(k, ChartStyle.DASHED);
                paraR.setSeriesVisibleInLegend(k, false);
                if (p.hasMinimum() && p.vertexParams() >= from && p.vertexParams() <= to) {
                    XYSeries v = new XYSeries(label + " vertex", false, true);
                    v.add(p.vertexParams(), p.vertexLoss());
                    minima.addSeries(v);
                    int j = minima.getSeriesCount() - 1;
                    minR.setSeriesPaint(j, colour.darker());
                    minR.setSeriesShape(j, ChartStyle.CROSS);
                    minR.setSeriesVisibleInLegend(j, false);
                }
            }
            i++;
        }
        LogAxis x = ChartStyle.logAxis(in.runs().stream().anyMatch(r -> r.activeParams() != r.params())
                ? "Active parameters N" : "Parameters N");
        ChartStyle.logRange(x, nLo / 1.5, nHi * 1.5);
        NumberAxis y = ChartStyle.linearAxis("Loss");
        XYPlot plot = new XYPlot(minima, x, y, minR);
        plot.setDataset(1, points);
        plot.setRenderer(1, pointR);
        plot.setDataset(2, slices);
        plot.setRenderer(2, sliceR);
        plot.setDataset(3, parabolas);
        plot.setRenderer(3, paraR);
        // Curves far from the optimum climb steeply: scale the loss axis to the runs, not to the curves.
        if (yHi > 0) {
            double pad = 0.08 * (yHi - yLo) + 1e-3;
            y.setRange(yLo - pad, yHi + pad);
        }
        String note = (primary == null ? "" : "solid = " + primary.label() + " IsoFLOP slice, ◆ its minimum")
                + (primary != null && a2 != null ? ";  " : "")
                + (a2 == null ? "" : "dashed = " + a2.label() + " parabola, ✕ its vertex");
        return ChartStyle.finish(new JFreeChart("IsoFLOP curves", ChartStyle.TITLE, plot, true), note);
    }

    public static JFreeChart frontier(ReportInput in, TreeMap<Double, List<RunRow>> budgets) {
        FitSummary primary = in.primaryFit();
        FitSummary a2 = in.parabolaFit();
        double cLo = budgets.firstKey();
        double cHi = budgets.lastKey();
        double cMax = extrapolationEnd(in, cHi);
        XYSeriesCollection lines = new XYSeriesCollection();
        XYLineAndShapeRenderer lineR = new XYLineAndShapeRenderer(true, false);
        lineR.setDrawSeriesLineAsPath(true);
        Color nColour = ChartStyle.category(0);
        Color dColour = ChartStyle.category(1);
        if (primary != null) {
            if (primary.surface().hasComputeOptimum()) {
                FitSummary f = primary;
                addFrontierLine(lines, lineR, "N* (" + primary.label() + ")", f, cLo, cHi, true, nColour, false);
                addFrontierLine(lines, lineR, "D* (" + primary.label() + ")", f, cLo, cHi, false, dColour, false);
                if (cMax > cHi) {
                    addFrontierLine(lines, lineR, "N* extrapolated", f, cHi, cMax, true, nColour, true);
                    addFrontierLine(lines, lineR, "D* extrapolated", f, cHi, cMax, false, dColour, true);
                }
            }
        }
        XYSeriesCollection vertices = new XYSeriesCollection();
        XYLineAndShapeRenderer vertexR = new XYLineAndShapeRenderer(false, true);
        if (a2 != null) {
            XYSeries vn = new XYSeries("N at Approach 2 vertex", false, true);
            XYSeries vd = new XYSeries("D = C/6N at Approach 2 vertex", false, true);
            for (Parabola p : a2.parabolas()) {
                if (p.hasMinimum()) {
                    vn.add(p.budget(), p.vertexParams());
                    vd.add(p.budget(), p.budget() / (6 * p.vertexParams()));
                }
            }
            vertices.addSeries(vn);
            vertices.addSeries(vd);
            vertexR.setSeriesPaint(0, nColour.darker());
            vertexR.setSeriesPaint(1, dColour.darker());
            vertexR.setSeriesShape(0, ChartStyle.CROSS);
            vertexR.setSeriesShape(1, ChartStyle.CROSS);
        }
        YIntervalSeriesCollection targets = new YIntervalSeriesCollection();
        YIntervalSeries tn = new YIntervalSeries("target N* with interval");
        YIntervalSeries td = new YIntervalSeries("target D* with interval");
        for (Allocation a : in.allocations()) {
            tn.add(a.compute(), a.params(), a.paramsBand() == null ? a.params() : a.paramsBand().low(),
                    a.paramsBand() == null ? a.params() : a.paramsBand().high());
            td.add(a.compute(), a.tokens(), a.tokensBand() == null ? a.tokens() : a.tokensBand().low(),
                    a.tokensBand() == null ? a.tokens() : a.tokensBand().high());
        }
        XYErrorRenderer targetR = errorRenderer();
        if (!in.allocations().isEmpty()) {
            targets.addSeries(tn);
            targets.addSeries(td);
            targetR.setSeriesPaint(0, nColour);
            targetR.setSeriesPaint(1, dColour);
            targetR.setSeriesShape(0, ChartStyle.SQUARE);
            targetR.setSeriesShape(1, ChartStyle.SQUARE);
        }
        LogAxis x = ChartStyle.logAxis("Compute C (FLOPs)");
        ChartStyle.logRange(x, cLo, cMax);
        LogAxis y = ChartStyle.logAxis("Parameters N*  /  tokens D*");
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = 0;
        for (var coll : List.of(lines, vertices)) {
            for (int s = 0; s < coll.getSeriesCount(); s++) {
                for (int k = 0; k < coll.getItemCount(s); k++) {
                    yLo = Math.min(yLo, coll.getYValue(s, k));
                    yHi = Math.max(yHi, coll.getYValue(s, k));
                }
            }
        }
        for (int s = 0; s < targets.getSeriesCount(); s++) {
            for (int k = 0; k < targets.getItemCount(s); k++) {
                yLo = Math.min(yLo, targets.getStartYValue(s, k));
                yHi = Math.max(yHi, targets.getEndYValue(s, k));
            }
        }
        if (yHi > 0) {
            ChartStyle.logRange(y, yLo, yHi);
        }
        XYPlot plot = new XYPlot(targets, x, y, targetR);
        plot.setDataset(1, vertices);
        plot.setRenderer(1, vertexR);
        plot.setDataset(2, lines);
        plot.setRenderer(2, lineR);
        markBudgetEdge(plot, cHi);
        String note = primary == null ? "no fitted surface: Approach 2 vertices only"
                : String.format(java.util.Locale.ROOT, "N* ∝ C^%.3f,  D* ∝ C^%.3f  (%s)",
                primary.paramsExponent(), primary.tokensExponent(), primary.label());
        return ChartStyle.finish(new JFreeChart("Compute-optimal frontier", ChartStyle.TITLE, plot, true), note);
    }

    public static JFreeChart lossFrontier(ReportInput in, TreeMap<Double, List<RunRow>> budgets) {
        FitSummary primary = in.primaryFit();
        double cLo = budgets.firstKey();
        double cHi = budgets.lastKey();
        double cMax = extrapolationEnd(in, cHi);
        XYSeriesCollection lines = new XYSeriesCollection();
        XYLineAndShapeRenderer lineR = new XYLineAndShapeRenderer(true, false);
        lineR.setDrawSeriesLineAsPath(true);
        if (primary != null && optimalOrNull(primary.surface(), cLo) != null) {
            XYSeries fit = new XYSeries("L*(C) " + primary.label(), false, true);
            for (double c : logSpace(cLo, cHi, CURVE_SAMPLES)) {
                fit.add(c, primary.optimalAt(c).loss());
            }
            lines.addSeries(fit);
            lineR.setSeriesPaint(0, ChartStyle.category(0));
            lineR.setSeriesStroke(0, ChartStyle.LINE);
            if (cMax > cHi) {
                XYSeries ext = new XYSeries("L*(C) extrapolated", false, true);
                for (double c : logSpace(cHi, cMax, CURVE_SAMPLES)) {
                    ext.add(c, primary.optimalAt(c).loss());
                }
                lines.addSeries(ext);
                lineR.setSeriesPaint(1, ChartStyle.category(0));
                lineR.setSeriesStroke(1, ChartStyle.DASHED);
            }
        }
        XYSeriesCollection pts = new XYSeriesCollection();
        XYLineAndShapeRenderer ptR = new XYLineAndShapeRenderer(false, true);
        XYSeries best = new XYSeries("best run per budget", false, true);
        for (Map.Entry<Double, List<RunRow>> e : budgets.entrySet()) {
            e.getValue().stream().filter(RunRow::hasLoss).mapToDouble(RunRow::loss).min()
                    .ifPresent(l -> best.add(e.getKey().doubleValue(), l));
        }
        pts.addSeries(best);
        ptR.setSeriesPaint(0, new Color(60, 60, 60));
        ptR.setSeriesShape(0, ChartStyle.DOT);
        XYSeries actual = new XYSeries("actual (checked)", false, true);
        for (LedgerRow l : in.ledger()) {
            if (l.checked()) {
                actual.add(l.compute(), l.actual());
            }
        }
        if (actual.getItemCount() > 0) {
            pts.addSeries(actual);
            ptR.setSeriesPaint(1, ChartStyle.category(1));
            ptR.setSeriesShape(1, ChartStyle.DIAMOND);
        }
        YIntervalSeriesCollection preds = new YIntervalSeriesCollection();
        XYErrorRenderer predR = errorRenderer();
        YIntervalSeries p = new YIntervalSeries("preregistered prediction");
        for (LedgerRow l : in.ledger()) {
            p.add(l.compute(), l.predicted(), l.interval() == null ? l.predicted() : l.interval().low(),
                    l.interval() == null ? l.predicted() : l.interval().high());
        }
        YIntervalSeries alloc = new YIntervalSeries("L* at target (no prediction filed)");
        for (Allocation a : in.allocations()) {
            boolean filed = in.ledger().stream().anyMatch(l -> l.compute() == a.compute());
            if (!filed) {
                alloc.add(a.compute(), a.loss(), a.lossBand() == null ? a.loss() : a.lossBand().low(),
                        a.lossBand() == null ? a.loss() : a.lossBand().high());
            }
        }
        if (p.getItemCount() > 0) {
            preds.addSeries(p);
            predR.setSeriesPaint(preds.getSeriesCount() - 1, ChartStyle.category(2));
            predR.setSeriesShape(preds.getSeriesCount() - 1, ChartStyle.SQUARE);
        }
        if (alloc.getItemCount() > 0) {
            preds.addSeries(alloc);
            predR.setSeriesPaint(preds.getSeriesCount() - 1, ChartStyle.category(3));
            predR.setSeriesShape(preds.getSeriesCount() - 1, ChartStyle.SQUARE);
        }
        // The forecaster's interval along the extrapolated frontier, shaded (the first target's band).
        YIntervalSeriesCollection band = new YIntervalSeriesCollection();
        DeviationRenderer bandR = new DeviationRenderer(true, false);
        if (!in.forecasts().isEmpty()) {
            ForecastView f = in.forecasts().get(0);
            YIntervalSeries s = new YIntervalSeries(String.format(java.util.Locale.ROOT, "forecaster, %.0f%% interval",
                    100 * f.level()));
            for (ForecastView.BandPoint b : f.band()) {
                s.add(b.compute(), b.loss(), b.lo(), b.hi());
            }
            band.addSeries(s);
            bandR.setSeriesPaint(0, ChartStyle.category(4));
            bandR.setSeriesFillPaint(0, ChartStyle.category(4));
            bandR.setAlpha(0.25f);
            cMax = Math.max(cMax, f.compute());
        }
        LogAxis x = ChartStyle.logAxis("Compute C (FLOPs)");
        ChartStyle.logRange(x, cLo, cMax);
        NumberAxis y = ChartStyle.linearAxis("Loss");
        XYPlot plot = new XYPlot(pts, x, y, ptR);
        plot.setDataset(1, preds);
        plot.setRenderer(1, predR);
        plot.setDataset(2, lines);
        plot.setRenderer(2, lineR);
        plot.setDataset(3, band);
        plot.setRenderer(3, bandR);
        markBudgetEdge(plot, cHi);
        return ChartStyle.finish(new JFreeChart("Compute-optimal loss and predictions", ChartStyle.TITLE, plot, true),
                "dotted line: largest budget in the ladder; right of it everything is extrapolation");
    }

    public static JFreeChart residuals(ReportInput in) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        int k = 0;
        double cLo = Double.POSITIVE_INFINITY;
        double cHi = 0;
        int nFits = (int) in.fits().stream().filter(FitSummary::hasSurface).count();
        for (FitSummary f : in.fits()) {
            if (!f.hasSurface()) {
                continue;
            }
            XYSeries s = new XYSeries(f.label(), false, true);
            // Spread methods sideways a little so their points at one budget do not hide each other.
            double jitter = nFits <= 1 ? 1 : Math.pow(10, 0.03 * (k - (nFits - 1) / 2.0));
            for (RunRow run : in.runs()) {
                if (run.hasLoss()) {
                    s.add(run.budget() * jitter, run.loss() - f.surface().loss(run.activeParams(), run.tokens()));
                    cLo = Math.min(cLo, run.budget());
                    cHi = Math.max(cHi, run.budget());
                }
            }
            data.addSeries(s);
            r.setSeriesPaint(k, ChartStyle.category(k));
            r.setSeriesShape(k, ChartStyle.SMALL_DOT);
            k++;
        }
        LogAxis x = ChartStyle.logAxis("IsoFLOP budget C (FLOPs)");
        ChartStyle.logRange(x, cLo, cHi);
        NumberAxis y = ChartStyle.linearAxis("Observed − fitted loss");
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.addRangeMarker(new ValueMarker(0, new Color(90, 90, 90), new BasicStroke(1f)));
        return ChartStyle.finish(new JFreeChart("Residuals by budget", ChartStyle.TITLE, plot, true), null);
    }

    public static JFreeChart trainingCurves(ReportInput in) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        double tLo = Double.POSITIVE_INFINITY;
        double tHi = 0;
        int k = 0;
        for (Map.Entry<String, List<CurvePoint>> e : in.curves().entrySet()) {
            boolean hasEval = e.getValue().stream().anyMatch(p -> !Double.isNaN(p.evalLoss()));
            XYSeries s = new XYSeries(e.getKey() + (hasEval ? "" : " (train)"), false, true);
            for (CurvePoint p : e.getValue()) {
                double l = hasEval ? p.evalLoss() : p.trainLoss();
                if (!Double.isNaN(l)) {
                    s.add(p.tokens(), l);
                    tLo = Math.min(tLo, p.tokens());
                    tHi = Math.max(tHi, p.tokens());
                }
            }
            if (s.getItemCount() == 0) {
                continue;
            }
            data.addSeries(s);
            r.setSeriesPaint(k, ChartStyle.category(k));
            r.setSeriesStroke(k, new BasicStroke(1.4f));
            k++;
        }
        LogAxis x = ChartStyle.logAxis("Tokens seen");
        ChartStyle.logRange(x, tLo, tHi);
        NumberAxis y = ChartStyle.linearAxis("Loss");
        XYPlot plot = new XYPlot(data, x, y, r);
        return ChartStyle.finish(new JFreeChart("Training curves", ChartStyle.TITLE, plot, k <= 16),
                k > 16 ? k + " runs (legend omitted)" : null);
    }

    public static JFreeChart backtests(ReportInput in) {
        Map<String, XYSeries> byMethod = new java.util.LinkedHashMap<>();
        double rLo = Double.POSITIVE_INFINITY;
        double rHi = 0;
        for (BacktestRow b : in.backtests()) {
            byMethod.computeIfAbsent(b.method(), m -> new XYSeries(m, true, true)).add(b.ratio(), b.relativeErrorPct());
            rLo = Math.min(rLo, b.ratio());
            rHi = Math.max(rHi, b.ratio());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        int k = 0;
        for (XYSeries s : byMethod.values()) {
            data.addSeries(s);
            r.setSeriesPaint(k, ChartStyle.category(k));
            r.setSeriesShape(k, ChartStyle.DOT);
            r.setSeriesStroke(k, new BasicStroke(1.4f));
            k++;
        }
        LogAxis x = ChartStyle.logAxis("Extrapolation ratio (target budget ÷ largest budget fitted)");
        ChartStyle.logRange(x, rLo, rHi);
        NumberAxis y = ChartStyle.linearAxis("Error of the prediction, 100·(predicted − observed)/observed (%)");
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.addRangeMarker(new ValueMarker(0, new Color(90, 90, 90), new BasicStroke(1f)));
        return ChartStyle.finish(new JFreeChart("Backtest errors", ChartStyle.TITLE, plot, true), null);
    }

    public static JFreeChart expertUtilisation(MoeSection moe) {
        NumberAxis x = ChartStyle.linearAxis("Step");
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(12);
        for (Map.Entry<String, List<MoeSection.ExpertLoad>> e : new TreeMap<>(moe.utilisation()).entrySet()) {
            XYSeriesCollection data = new XYSeriesCollection();
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
            r.setDrawSeriesLineAsPath(true);
            int experts = e.getValue().stream().mapToInt(l -> l.fractions().size()).max().orElse(0);
            for (int j = 0; j < experts; j++) {
                XYSeries s = new XYSeries(e.getKey() + " expert " + j, false, true);
                for (MoeSection.ExpertLoad l : e.getValue()) {
                    if (j < l.fractions().size()) {
                        s.add((double) l.step(), l.fractions().get(j).doubleValue());
                    }
                }
                data.addSeries(s);
                r.setSeriesPaint(j, ChartStyle.ramp(j, experts));
                r.setSeriesVisibleInLegend(j, false);
            }
            NumberAxis y = ChartStyle.linearAxis(e.getKey());
            y.setAutoRangeIncludesZero(true);
            XYPlot sub = new XYPlot(data, null, y, r);
            ChartStyle.plot(sub);
            if (experts > 0) {
                sub.addRangeMarker(new ValueMarker(1.0 / experts, Color.GRAY, ChartStyle.DASHED));
            }
            combined.add(sub);
        }
        JFreeChart chart = new JFreeChart("Expert utilisation", ChartStyle.TITLE, combined, false);
        return ChartStyle.finish(chart, "share of routed tokens per expert; dashed line = 1/E");
    }

    private static void addFrontierLine(XYSeriesCollection coll, XYLineAndShapeRenderer r, String name, FitSummary f,
                                        double from, double to, boolean params, Color colour, boolean dashed) {
        XYSeries s = new XYSeries(name, false, true);
        for (double c : logSpace(from, to, 60)) {
            ComputeOptimal o = f.optimalAt(c);
            s.add(c, params ? o.params() : o.tokens());
        }
        coll.addSeries(s);
        int k = coll.getSeriesCount() - 1;
        r.setSeriesPaint(k, colour);
        r.setSeriesStroke(k, dashed ? ChartStyle.DASHED : ChartStyle.LINE);
        r.setSeriesVisibleInLegend(k, !dashed);
    }

    private static XYErrorRenderer errorRenderer() {
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDrawYError(true);
        r.setCapLength(8);
        r.setErrorStroke(new BasicStroke(1.6f));
        r.setDefaultLinesVisible(false);
        r.setDefaultShapesVisible(true);
        return r;
    }

    private static void markBudgetEdge(XYPlot plot, double c) {
        plot.addDomainMarker(new ValueMarker(c, new Color(120, 120, 120), new BasicStroke(1f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f)));
    }

    private static Parabola parabolaAt(FitSummary a2, double budget) {
        for (Parabola p : a2.parabolas()) {
            if (Math.abs(p.budget() / budget - 1) < 1e-9) {
                return p;
            }
        }
        return null;
    }

    /** How far right the compute axis reaches: the largest budget, or the furthest allocation or prediction target. */
    private static double extrapolationEnd(ReportInput in, double largestBudget) {
        double cMax = largestBudget;
        for (Allocation a : in.allocations()) {
            cMax = Math.max(cMax, a.compute());
        }
        for (LedgerRow l : in.ledger()) {
            cMax = Math.max(cMax, l.compute());
        }
        return cMax;
    }

    private static ComputeOptimal optimalOrNull(LossSurface f, double c) {
        return f.hasComputeOptimum() ? f.optimalAt(c) : null;
    }

    /** n points from lo to hi, evenly spaced in log. */
    public static double[] logSpace(double lo, double hi, int n) {
        double[] out = new double[n];
        double a = Math.log(lo);
        double b = Math.log(hi);
        for (int i = 0; i < n; i++) {
            out[i] = Math.exp(a + (b - a) * i / (n - 1));
        }
        return out;
    }
}
