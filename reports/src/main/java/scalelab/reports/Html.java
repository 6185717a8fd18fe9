package scalelab.reports;

import java.util.List;
import scalelab.reports.charts.Figure;
import scalelab.reports.model.ReportInput;

/** The self-contained HTML page: inline CSS, PNGs as data: URIs, no script, no font or URL from anywhere. */
final class Html extends ReportDocument {
    private static final String CSS = """
            body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",Arial,sans-serif;
              color:#1d1d1f;max-width:1180px;margin:0 auto;padding:24px 32px 64px;line-height:1.45;background:#fff}
            h1{font-size:26px;margin:0 0 4px}
            h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid #e3e3e8}
            p.sub{color:#555;margin:0 0 16px}
            table{border-collapse:collapse;margin:10px 0 14px;font-size:13px;font-variant-numeric:tabular-nums}
            th,td{border:1px solid #d9d9de;padding:4px 8px;text-align:right;vertical-align:top}
            th{background:#f3f3f6;font-weight:600}
            td:first-child,th:first-child{text-align:left}
            td.text,th.text{text-align:left}
            td.hash{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:11px;text-align:left;
              word-break:break-all;max-width:260px}
            tr:nth-child(even) td{background:#fafafc}
            .ok{color:#17662c}.warn{color:#8a5a00}.bad{color:#b3261e}
            td.ok,td.warn,td.bad{font-weight:600;text-align:left}
            ul.findings{padding-left:20px;margin:6px 0 12px;font-size:14px}
            figure{margin:18px 0 26px}
            figure img{max-width:100%;height:auto;border:1px solid #e3e3e8}
            figcaption{font-size:13px;color:#444;margin-top:4px;max-width:900px}
            details summary{cursor:pointer;color:#333;margin:6px 0}
            """;
    private boolean inList;

    Html(ReportInput in, List<Figure> figures, String generatedAt) {
        super(in, figures, generatedAt);
    }

    @Override
    void title(String title, String subtitle) {
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(esc(title)).append("</h1>\n<p class=\"sub\">").append(esc(subtitle)).append("</p>\n");
    }

    @Override
    void heading(String text) {
        closeList();
        out.append("<h2>").append(esc(text)).append("</h2>\n");
    }

    @Override
    void paragraph(String text) {
        closeList();
        out.append("<p>").append(esc(text)).append("</p>\n");
    }

    @Override
    void finding(String severity, String text) {
        if (!inList) {
            out.append("<ul class=\"findings\">\n");
            inList = true;
        }
        out.append("<li class=\"").append(severity).append("\">").append(esc(text)).append("</li>\n");
    }

    @Override
    void table(ReportWriter.Table t, boolean collapsed) {
        closeList();
        if (collapsed) {
            out.append("<details><summary>").append(t.rows().size()).append(" rows (click to expand)</summary>\n");
        }
        out.append("<table>\n<thead><tr>");
        t.header().forEach(h -> out.append(ReportWriter.TEXT_COLUMNS.contains(h) || h.startsWith("hash") ? "<th class=\"text\">" : "<th>")
                .append(esc(h)).append("</th>"));
        out.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : t.rows()) {
            out.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String h = i < t.header().size() ? t.header().get(i) : "";
                String cell = row.get(i);
                out.append("<td").append(cellClass(h, cell)).append(">").append(esc(cell)).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n");
        if (collapsed) {
            out.append("</details>\n");
        }
    }

    @Override
    void figure(Figure f) {
        closeList();
        out.append("<figure id=\"fig-").append(esc(f.name())).append("\"><img alt=\"").append(esc(f.title()))
                .append("\" width=\"900\" src=\"").append(ReportWriter.figureDataUri(f)).append("\">\n<figcaption>")
                .append(esc(f.caption())).append(" (also ").append(esc(ReportWriter.FIGURE_DIR + "/" + f.name()))
                .append(".svg)</figcaption></figure>\n");
    }

    @Override
    void end() {
        closeList();
        out.append("</body>\n</html>\n");
    }

    private void closeList() {
        if (inList) {
            out.append("</ul>\n");
            inList = false;
        }
    }

    private static String cellClass(String header, String cell) {
        if (header.startsWith("hash") || header.equals("input hash")) {
            return " class=\"hash\"";
        }
        String c = cell.toLowerCase(java.util.Locale.ROOT);
        if (header.equals("verdict") || header.equals("status") || header.equals("vertex inside")) {
            if (c.equals("converged") || c.startsWith("inside") || c.equals("yes") || c.equals("finished") || c.equals("pass")) {
                return " class=\"ok\"";
            }
            if (c.equals("failed") || c.startsWith("outside") || c.equals("no") || c.equals("killed") || c.equals("fail")) {
                return " class=\"bad\"";
            }
            if (!c.equals("imported") && !c.equals("pending")) {
                return " class=\"warn\"";
            }
        }
        if (ReportWriter.TEXT_COLUMNS.contains(header)) {
            return " class=\"text\"";
        }
        return "";
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
