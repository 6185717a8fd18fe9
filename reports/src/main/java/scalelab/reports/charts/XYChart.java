package scalelab.reports.charts;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A small builder for ad-hoc line/point charts in the report's style (notebooks, benchmarks):
 * {@code XYChart.of("title", "x", "y").logX().line("fit", xs, ys).points("runs", xs, ys).write(dir, "name", "caption")}.
 */
public final class XYChart {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private boolean logX;
    private boolean logY;
    private String note;
    private final List<Entry> entries = new ArrayList<>();

    private enum Kind { LINE, DASHED, POINTS }

    private record Entry(String name, double[] x, double[] y, Kind kind, Color colour) {}

    private XYChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public static XYChart of(String title, String xLabel, String yLabel) {
        return new XYChart(title, xLabel, yLabel);
    }

    public XYChart logX() {
        logX = true;
        return this;
    }

    public XYChart logY() {
        logY = true;
        return this;
    }

    public XYChart note(String text) {
        note = text;
        return this;
    }

    public XYChart line(String name, double[] x, double[] y) {
        return add(name, x, y, Kind.LINE, null);
    }

    public XYChart dashed(String name, double[] x, double[] y) {
        return add(name, x, y, Kind.DASHED, null);
    }

    public XYChart points(String name, double[] x, double[] y) {
        return add(name, x, y, Kind.POINTS, null);
    }

    /** As {@link #line}, {@link #dashed} or {@link #points} ("line", "dashed", "points") in a chosen colour. */
    public XYChart add(String name, double[] x, double[] y, String kind, Color colour) {
        return add(name, x, y, Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), colour);
    }

    private XYChart add(String name, double[] x, double[] y, Kind kind, Color colour) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
        }
        entries.add(new Entry(name, x.clone(), y.clone(), kind, colour));
        return this;
    }

    public JFreeChart build() {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        r.setDrawSeriesLineAsPath(true);
        double xLo = Double.POSITIVE_INFINITY;
        double xHi = 0;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            XYSeries s = new XYSeries(e.name(), false, true);
            for (int k = 0; k < e.x().length; k++) {
                if (Double.isFinite(e.x()[k]) && Double.isFinite(e.y()[k]) && (!logX || e.x()[k] > 0) && (!logY || e.y()[k] > 0)) {
                    s.add(e.x()[k], e.y()[k]);
                    xLo = Math.min(xLo, e.x()[k]);
                    xHi = Math.max(xHi, e.x()[k]);
                    yLo = Math.min(yLo, e.y()[k]);
                    yHi = Math.max(yHi, e.y()[k]);
                }
            }
            data.addSeries(s);
            r.setSeriesPaint(i, e.colour() != null ? e.colour() : ChartStyle.category(i));
            r.setSeriesLinesVisible(i, e.kind() != Kind.POINTS);
            r.setSeriesShapesVisible(i, e.kind() == Kind.POINTS);
            r.setSeriesShape(i, ChartStyle.DOT);
            r.setSeriesStroke(i, e.kind() == Kind.DASHED ? ChartStyle.DASHED : ChartStyle.LINE);
        }
        ValueAxis x = logX ? ChartStyle.logAxis(xLabel) : ChartStyle.linearAxis(xLabel);
        ValueAxis y = logY ? ChartStyle.logAxis(yLabel) : ChartStyle.linearAxis(yLabel);
        if (logX && xHi > 0) {
            ChartStyle.logRange(x, xLo, xHi);
        }
        if (logY && yHi > 0) {
            ChartStyle.logRange(y, yLo, yHi);
        }
        return ChartStyle.finish(new JFreeChart(title, ChartStyle.TITLE, new XYPlot(data, x, y, r), true), note);
    }

    public Figure write(Path dir, String name, String caption) {
        return ChartFiles.write(build(), dir, name, caption);
    }
}
