package scalelab.reports.charts;

import java.awt.Rectangle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.SVGUtils;

/** Writes a chart as {@code NAME.png} and {@code NAME.svg}. */
public final class ChartFiles {
    public static final int WIDTH = 900;
    public static final int HEIGHT = 560;

    static {
        // Charts are drawn off-screen, on servers and in CI: never try to open a display.
        System.setProperty("java.awt.headless", "true");
    }

    private ChartFiles() {}

    public static Figure write(JFreeChart chart, Path dir, String name, String caption) {
        return write(chart, dir, name, caption, WIDTH, HEIGHT);
    }

    public static Figure write(JFreeChart chart, Path dir, String name, String caption, int width, int height) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("figure name must be a plain file stem, got '" + name + "'");
        }
        Path png = dir.resolve(name + ".png");
        Path svg = dir.resolve(name + ".svg");
        try {
            Files.createDirectories(dir);
            ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
            SVGGraphics2D g = new SVGGraphics2D(width, height);
            chart.draw(g, new Rectangle(width, height));
            SVGUtils.writeToSVG(svg.toFile(), g.getSVGElement());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write figure " + name + " to " + dir + ": " + e.getMessage(), e);
        }
        String title = chart.getTitle() == null ? name : chart.getTitle().getText();
        return new Figure(name, title, caption, png, svg);
    }
}
