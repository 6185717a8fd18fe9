package scalelab.reports.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.Range;

/** One look for every scalelab chart: fonts, colours, shapes, and log axes whose labels read as 1e19, 3e20. */
public final class ChartStyle {
    public static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    public static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    public static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    public static final Font NOTE = new Font(Font.SANS_SERIF, Font.ITALIC, 11);

    public static final Shape DOT = new Ellipse2D.Double(-3.5, -3.5, 7, 7);
    public static final Shape SMALL_DOT = new Ellipse2D.Double(-2, -2, 4, 4);
    public static final Shape SQUARE = new Rectangle2D.Double(-4, -4, 8, 8);
    public static final Shape DIAMOND = diamond(7);
    public static final Shape CROSS = cross(6);

    public static final BasicStroke LINE = new BasicStroke(1.8f);
    public static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);

    private ChartStyle() {}

    /** i-th of n colours along a perceptually ordered ramp (viridis-like), for budgets in increasing order. */
    public static Color ramp(int i, int n) {
        float[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {220, 190, 30}};
        double t = n <= 1 ? 0 : (double) i / (n - 1);
        double pos = t * (stops.length - 1);
        int k = Math.min((int) Math.floor(pos), stops.length - 2);
        double f = pos - k;
        int[] c = new int[3];
        for (int j = 0; j < 3; j++) {
            c[j] = (int) Math.round(stops[k][j] + f * (stops[k + 1][j] - stops[k][j]));
        }
        return new Color(c[0], c[1], c[2]);
    }

    /** Distinct colours for unordered categories (methods, runs). */
    public static Color category(int i) {
        Color[] c = {new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44), new Color(148, 103, 189),
                new Color(255, 127, 14), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127),
                new Color(188, 189, 34), new Color(23, 190, 207)};
        return c[Math.floorMod(i, c.length)];
    }

    /** A log10 axis labelled with compact scientific numbers, spanning at least one decade so it has labels. */
    public static LogAxis logAxis(String label) {
        LogAxis axis = new DecadeAxis(label);
        axis.setBase(10);
        axis.setNumberFormatOverride(new CompactNumberFormat());
        axis.setLabelFont(LABEL);
        axis.setTickLabelFont(TICK);
        return axis;
    }

    public static NumberAxis linearAxis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(false);
        axis.setLabelFont(LABEL);
        axis.setTickLabelFont(TICK);
        return axis;
    }

    /** Sets a log axis to [lo, hi] widened by a margin, and to at least one decade (LogAxis labels only powers of 10 well). */
    public static void logRange(ValueAxis axis, double lo, double hi) {
        double llo = Math.log10(lo) - 0.08;
        double lhi = Math.log10(hi) + 0.08;
        if (lhi - llo < 1.0) {
            double mid = (lhi + llo) / 2;
            llo = mid - 0.5;
            lhi = mid + 0.5;
        }
        axis.setRange(new Range(Math.pow(10, llo), Math.pow(10, lhi)));
    }

    public static JFreeChart finish(JFreeChart chart, String note) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(TITLE);
        if (note != null && !note.isEmpty()) {
            TextTitle sub = new TextTitle(note, NOTE);
            sub.setPaint(new Color(70, 70, 70));
            chart.addSubtitle(sub);
        }
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(TICK);
        }
        if (chart.getPlot() instanceof XYPlot p) {
            plot(p);
        }
        return chart;
    }

    public static void plot(XYPlot p) {
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(new Color(220, 220, 220));
        p.setRangeGridlinePaint(new Color(220, 220, 220));
        p.setOutlinePaint(new Color(160, 160, 160));
    }

    private static Shape diamond(double s) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(0, -s);
        p.lineTo(s, 0);
        p.lineTo(0, s);
        p.lineTo(-s, 0);
        p.closePath();
        return p;
    }

    private static Shape cross(double s) {
        double w = s / 3;
        Path2D.Double p = new Path2D.Double();
        p.moveTo(-s, -s + w);
        p.lineTo(-s + w, -s);
        p.lineTo(0, -w);
        p.lineTo(s - w, -s);
        p.lineTo(s, -s + w);
        p.lineTo(w, 0);
        p.lineTo(s, s - w);
        p.lineTo(s - w, s);
        p.lineTo(0, w);
        p.lineTo(-s + w, s);
        p.lineTo(-s, s - w);
        p.lineTo(-w, 0);
        p.closePath();
        return p;
    }

    /**
     * A log axis with ticks at 1·10^k (wide ranges) or 1, 2, 5·10^k (narrow ones): LogAxis's own ticks are evenly spaced
     * in log, which puts labels at 3.98e7, 6.31e7, ...
     */
    static final class DecadeAxis extends LogAxis {
        DecadeAxis(String label) {
            super(label);
        }

        @Override
        public java.util.List refreshTicks(java.awt.Graphics2D g2, org.jfree.chart.axis.AxisState state,
                                           java.awt.geom.Rectangle2D dataArea, org.jfree.chart.ui.RectangleEdge edge) {
            double lo = getLowerBound();
            double hi = getUpperBound();
            double span = Math.log10(hi / lo);
            double[] mult = span >= 2.5 ? new double[] {1} : new double[] {1, 2, 5};
            int step = span > 9 ? 2 : 1;
            boolean horizontal = org.jfree.chart.ui.RectangleEdge.isTopOrBottom(edge);
            org.jfree.chart.ui.TextAnchor anchor = horizontal
                    ? (edge == org.jfree.chart.ui.RectangleEdge.TOP ? org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER
                    : org.jfree.chart.ui.TextAnchor.TOP_CENTER)
                    : (edge == org.jfree.chart.ui.RectangleEdge.LEFT ? org.jfree.chart.ui.TextAnchor.CENTER_RIGHT
                    : org.jfree.chart.ui.TextAnchor.CENTER_LEFT);
            java.util.List<org.jfree.chart.axis.NumberTick> ticks = new java.util.ArrayList<>();
            NumberFormat fmt = getNumberFormatOverride();
            for (int k = (int) Math.floor(Math.log10(lo)); k <= (int) Math.ceil(Math.log10(hi)); k++) {
                if (Math.floorMod(k, step) != 0) {
                    continue;
                }
                for (double m : mult) {
                    double v = m * Math.pow(10, k);
                    if (v >= lo && v <= hi) {
                        ticks.add(new org.jfree.chart.axis.NumberTick(org.jfree.chart.axis.TickType.MAJOR, v,
                                fmt.format(v), anchor, anchor, 0.0));
                    }
                }
            }
            return ticks;
        }
    }

    /** 0.5, 20, 3e19, 1.5e9: short and unambiguous on log axes (the default prints 10,000,000,000,000,000,000). */
    public static final class CompactNumberFormat extends NumberFormat {
        @Override
        public StringBuffer format(double v, StringBuffer out, FieldPosition pos) {
            return out.append(compact(v));
        }

        @Override
        public StringBuffer format(long v, StringBuffer out, FieldPosition pos) {
            return out.append(compact(v));
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("display-only format");
        }
    }

    /** The number in the report's compact notation (also used in tables). */
    public static String compact(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e-2 && a < 1e4) {
            String s = String.format(Locale.ROOT, "%.3g", v);
            if (s.contains(".") && !s.contains("e")) {
                s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            }
            return s;
        }
        int exp = (int) Math.floor(Math.log10(a));
        double mant = v / Math.pow(10, exp);
        if (Math.abs(mant) >= 9.995) {
            mant /= 10;
            exp += 1;
        }
        String m = String.format(Locale.ROOT, "%.2f", mant).replaceAll("0+$", "").replaceAll("\\.$", "");
        return m + "e" + exp;
    }
}
