package scalelab.reports.charts;

import java.nio.file.Path;

/** A chart written to disk as PNG and SVG. {@code name} is the file stem, {@code caption} says how to read it. */
public record Figure(String name, String title, String caption, Path png, Path svg) {}
