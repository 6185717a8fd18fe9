package scalelab.reports;

import java.nio.file.Path;
import java.util.List;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.ReportInput;

/** The Markdown version: GitHub-flavoured tables, images as relative links to the PNG files next to it. */
final class Markdown extends ReportDocument {
    private final Path outDir;
    private boolean inList;

    Markdown(ReportInput in, List<Figure> figures, String generatedAt, Path outDir) {
        super(in, figures, generatedAt);
        this.outDir = outDir;
    }

    @Override
    void title(String title, String subtitle) {
        out.append("# ").append(text(title)).append("\n\n").append(text(subtitle)).append("\n\n");
    }

    @Override
    void heading(String text) {
        closeList();
        out.append("## ").append(text(text)).append("\n\n");
    }

    @Override
    void paragraph(String text) {
        closeList();
        out.append(text(text)).append("\n\n");
    }

    @Override
    void finding(String severity, String text) {
        inList = true;
        String mark = switch (severity) {
            case "ok" -> "✅";
            case "bad" -> "❌";
            case "info" -> "•";
            default -> "⚠️";
        };
        out.append("- ").append(mark).append(' ').append(text(text)).append('\n');
    }

    @Override
    void table(ReportWriter.Table t, boolean collapsed) {
        closeList();
        if (collapsed) {
            out.append("<details><summary>").append(t.rows().size()).append(" rows</summary>\n\n");
        }
        out.append("| ").append(String.join(" | ", t.header().stream().map(Markdown::cell).toList())).append(" |\n|");
        for (int i = 0; i < t.header().size(); i++) {
            String h = t.header().get(i);
            out.append(i == 0 || ReportWriter.TEXT_COLUMNS.contains(h) || h.startsWith("hash") ? " --- |" : " ---: |");
        }
        out.append('\n');
        for (List<String> row : t.rows()) {
            out.append("| ").append(String.join(" | ", row.stream().map(Markdown::cell).toList())).append(" |\n");
        }
        out.append('\n');
        if (collapsed) {
            out.append("</details>\n\n");
        }
    }

    @Override
    void figure(Figure f) {
        closeList();
        String rel = outDir.relativize(f.png()).toString().replace('\\', '/');
        String relSvg = outDir.relativize(f.svg()).toString().replace('\\', '/');
        out.append("![").append(text(f.title())).append("](").append(rel).append(")\n\n*").append(text(f.caption()))
                .append("* ([SVG](").append(relSvg).append("))\n\n");
    }

    @Override
    void end() {
        closeList();
    }

    private void closeList() {
        if (inList) {
            out.append('\n');
            inList = false;
        }
    }

    private static String cell(String s) {
        return text(s).replace("|", "\\|").replace("\n", " ");
    }

    /** Escapes what Markdown would read as markup in plain text (N* and D* would otherwise start italics). */
    static String text(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if ("\\`*_<>".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
