package scalelab.reports;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import scalelab.reports.charts.ChartStyle;
import scalelab.reports.charts.Figure;
import scalelab.reports.charts.ReportCharts;
import scalelab.reports.model.Allocation;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.Interval;
import scalelab.reports.model.LedgerRow;
import scalelab.reports.model.MoeSection;
import scalelab.reports.model.Parabola;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;

/**
 * Renders a {@link ReportInput} as one self-contained HTML page ({@code report.html}: CSS and images inline, no
 * network reference of any kind, readable from disk or as an e-mail attachment) and as Markdown ({@code report.md},
 * images as files in {@code figures/} next to it, PNG and SVG).
 */
public final class ReportWriter {
    public static final String HTML_FILE = "report.html";
    public static final String MARKDOWN_FILE = "report.md";
    public static final String FIGURE_DIR = "figures";

    /** Columns of words rather than numbers: left-aligned in both renderers. */
    static final java.util.Set<String> TEXT_COLUMNS = java.util.Set.of("diagnostics", "target", "note", "method",
            "balancing method", "verdict", "family", "status", "run");

    /** What was written. */
    public record ReportFiles(Path html, Path markdown, List<Figure> figures) {
        public ReportFiles {
            figures = List.copyOf(figures);
        }
    }

    private ReportWriter() {}

    public static ReportFiles write(ReportInput in, Path outDir) {
        return write(in, outDir, Instant.now());
    }

    /** As {@link #write(ReportInput, Path)} with the generation time stated (tests, reproducible output). */
    public static ReportFiles write(ReportInput in, Path outDir, Instant generatedAt) {
        try {
            Files.createDirectories(outDir);
            List<Figure> figures = ReportCharts.writeAll(in, outDir.resolve(FIGURE_DIR));
            String stamp = generatedAt.truncatedTo(ChronoUnit.SECONDS).toString();
            Path html = outDir.resolve(HTML_FILE);
            Path md = outDir.resolve(MARKDOWN_FILE);
            Files.writeString(html, new Html(in, figures, stamp).render(), StandardCharsets.UTF_8);
            Files.writeString(md, new Markdown(in, figures, stamp, outDir).render(), StandardCharsets.UTF_8);
            return new ReportFiles(html, md, figures);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report to " + outDir + ": " + e.getMessage(), e);
        }
    }

    // ---- shared content: both renderers walk the same tables, so HTML and Markdown never disagree ----

    /** A table as text cells; {@code status} marks cells to colour by verdict in HTML. */
    record Table(List<String> header, List<List<String>> rows) {}

    static String loss(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String num(double v) {
        return ChartStyle.compact(v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%+.2f%%", v);
    }

    static String coef(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.5g", v);
    }

    static String interval(Interval i, boolean isLoss) {
        if (i == null) {
            return "–";
        }
        return isLoss ? "[" + loss(i.low()) + ", " + loss(i.high()) + "]" : "[" + num(i.low()) + ", " + num(i.high()) + "]";
    }

    static String summary(ReportInput in) {
        TreeSet<Double> budgets = new TreeSet<>();
        in.runs().forEach(r -> budgets.add(r.budget()));
        long finished = in.runs().stream().filter(RunRow::hasLoss).count();
        return in.runs().size() + " runs (" + finished + " with a loss) in " + budgets.size() + " budgets from "
                + num(budgets.first()) + " to " + num(budgets.last()) + " FLOPs; " + in.fits().size() + " fit"
                + (in.fits().size() == 1 ? "" : "s") + "; " + in.allocations().size() + " target"
                + (in.allocations().size() == 1 ? "" : "s") + "; " + in.ledger().size() + " ledger entr"
                + (in.ledger().size() == 1 ? "y" : "ies") + "; " + in.backtests().size() + " backtest"
                + (in.backtests().size() == 1 ? "" : "s") + ".";
    }

    /**
     * The few lines a reader needs first, as {severity, text}: the primary fit's law and exponents, the allocation at
     * each target, and each checked prediction's outcome.
     */
    static List<String[]> headline(ReportInput in) {
        List<String[]> out = new ArrayList<>();
        FitSummary p = in.primaryFit();
        if (p != null) {
            var s = p.surface();
            out.add(new String[] {p.status().equalsIgnoreCase("CONVERGED") ? "ok" : "warn", String.format(Locale.ROOT,
                    "%s (%s): L(N, D) = %.4g + %.4g·N^−%.4f + %.4g·D^−%.4f; N* ∝ C^%.3f, D* ∝ C^%.3f",
                    p.label(), p.status(), s.E(), s.A(), s.alpha(), s.B(), s.beta(), p.paramsExponent(), p.tokensExponent())});
        }
        for (Allocation a : in.allocations()) {
            out.add(new String[] {"info", String.format(Locale.ROOT, "%s at C = %s: N* = %s, D* = %s (%.1f tokens per parameter), L* = %s%s",
                    a.target(), num(a.compute()), num(a.params()), num(a.tokens()), a.tokensPerParam(), loss(a.loss()),
                    a.lossBand() == null ? "" : " " + interval(a.lossBand(), true))});
        }
        for (LedgerRow l : in.ledger()) {
            if (l.checked()) {
                boolean inside = l.interval() == null || l.interval().contains(l.actual());
                out.add(new String[] {inside ? "ok" : "bad", String.format(Locale.ROOT,
                        "prediction %s (%s): predicted %s %s, actual %s, error of the prediction %s — %s", l.id(), l.target(),
                        loss(l.predicted()), interval(l.interval(), true), loss(l.actual()), pct(l.relativeErrorPct()), l.verdict())});
            }
        }
        return out;
    }

    static Table runs(ReportInput in) {
        boolean moe = in.runs().stream().anyMatch(r -> r.activeParams() != r.params());
        boolean families = in.runs().stream().anyMatch(r -> !r.family().isEmpty());
        boolean timing = in.runs().stream().anyMatch(r -> !Double.isNaN(r.wallSeconds()) || !Double.isNaN(r.mfu()));
        List<String> h = new ArrayList<>(List.of("run"));
        if (families) {
            h.add("family");
        }
        h.addAll(List.of("C (FLOPs)", "N"));
        if (moe) {
            h.add("N active");
        }
        h.addAll(List.of("D (tokens)", "D/N", "loss", "status"));
        if (timing) {
            h.addAll(List.of("wall (s)", "MFU"));
        }
        List<List<String>> rows = new ArrayList<>();
        for (RunRow r : in.runs()) {
            List<String> row = new ArrayList<>(List.of(r.name()));
            if (families) {
                row.add(r.family());
            }
            row.addAll(List.of(num(r.budget()), num(r.params())));
            if (moe) {
                row.add(num(r.activeParams()));
            }
            row.addAll(List.of(num(r.tokens()), num(r.tokens() / r.activeParams()), loss(r.loss()), r.status()));
            if (timing) {
                row.add(Double.isNaN(r.wallSeconds()) ? "–" : String.format(Locale.ROOT, "%.1f", r.wallSeconds()));
                row.add(Double.isNaN(r.mfu()) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * r.mfu()));
            }
            rows.add(row);
        }
        return new Table(h, rows);
    }

    /** Every fit method side by side: one column per fit. */
    static Table fits(ReportInput in) {
        List<String> h = new ArrayList<>(List.of(""));
        in.fits().forEach(f -> h.add(f.label()));
        String[] names = {"status", "E", "A", "B", "α", "β", "a (N* ∝ C^a)", "b (D* ∝ C^b)", "objective", "runs fitted",
                "input hash"};
        List<List<String>> rows = new ArrayList<>();
        for (String name : names) {
            List<String> row = new ArrayList<>(List.of(name));
            for (FitSummary f : in.fits()) {
                var s = f.surface();
                row.add(switch (name) {
                    case "status" -> f.status();
                    case "E" -> s == null ? "–" : coef(s.E());
                    case "A" -> s == null ? "–" : coef(s.A());
                    case "B" -> s == null ? "–" : coef(s.B());
                    case "α" -> s == null ? "–" : coef(s.alpha());
                    case "β" -> s == null ? "–" : coef(s.beta());
                    case "a (N* ∝ C^a)" -> coef(f.paramsExponent());
                    case "b (D* ∝ C^b)" -> coef(f.tokensExponent());
                    case "objective" -> coef(f.objective());
                    case "runs fitted" -> Integer.toString(f.inputCount());
                    default -> f.inputHash().isEmpty() ? "–" : shortHash(f.inputHash());
                });
            }
            rows.add(row);
        }
        return new Table(h, rows);
    }

    static Table parabolas(FitSummary a2) {
        List<List<String>> rows = new ArrayList<>();
        for (Parabola p : a2.parabolas()) {
            rows.add(List.of(num(p.budget()), coef(p.p2()), p.hasMinimum() ? num(p.vertexParams()) : "none (p2 ≤ 0)",
                    p.hasMinimum() ? loss(p.vertexLoss()) : "–", "[" + num(p.minParams()) + ", " + num(p.maxParams()) + "]",
                    String.format(Locale.ROOT, "%.2f", p.gridWidthDecades()),
                    p.vertexInsideSampledRange() ? "yes" : "NO", String.join("; ", p.diagnostics())));
        }
        return new Table(List.of("C (FLOPs)", "curvature p2", "vertex N", "vertex loss", "sampled N", "width (decades)",
                "vertex inside", "diagnostics"), rows);
    }

    static Table allocations(ReportInput in) {
        List<List<String>> rows = new ArrayList<>();
        for (Allocation a : in.allocations()) {
            rows.add(List.of(a.target(), a.method(), num(a.compute()), num(a.params()), interval(a.paramsBand(), false),
                    num(a.tokens()), interval(a.tokensBand(), false), String.format(Locale.ROOT, "%.1f", a.tokensPerParam()),
                    loss(a.loss()), interval(a.lossBand(), true)));
        }
        return new Table(List.of("target", "method", "C (FLOPs)", "N*", "N* interval", "D*", "D* interval", "D*/N*", "L*",
                "L* interval"), rows);
    }

    static Table ledger(ReportInput in) {
        List<List<String>> rows = new ArrayList<>();
        for (LedgerRow l : in.ledger()) {
            rows.add(List.of(l.id(), l.target(), num(l.compute()), loss(l.predicted()), interval(l.interval(), true),
                    l.method(), l.fitId().isEmpty() ? "–" : l.fitId(), l.hash(), l.verdict(), loss(l.actual()),
                    pct(l.relativeErrorPct())));
        }
        return new Table(List.of("id", "target", "C (FLOPs)", "predicted", "interval", "method", "fit", "hash (SHA-256)",
                "verdict", "actual", "error of the prediction"), rows);
    }

    /** The forecaster's panel at one target: each method's own forecast, backtest score and weight. */
    static Table forecastPanel(scalelab.reports.model.ForecastView f) {
        List<List<String>> rows = new ArrayList<>();
        for (scalelab.reports.model.ForecastView.PanelRow p : f.panel()) {
            rows.add(List.of(p.method(), loss(p.loss()), Double.isNaN(p.backtestRmsPct()) ? "–"
                    : String.format(Locale.ROOT, "%.2f%%", p.backtestRmsPct()), p.weight() == 0 ? "–"
                    : String.format(Locale.ROOT, "%.2f", p.weight()), p.note()));
        }
        return new Table(List.of("method", "forecast", "backtest error at this ratio", "weight", "note"), rows);
    }

    /** The forecast refitted with each budget left out. */
    static Table forecastLeaveOneOut(scalelab.reports.model.ForecastView f) {
        List<List<String>> rows = new ArrayList<>();
        for (scalelab.reports.model.ForecastView.LeftOut x : f.leaveOneOut()) {
            rows.add(List.of(num(x.budget()), loss(x.loss()), Double.isNaN(x.loss()) ? "–"
                    : String.format(Locale.ROOT, "%+.2f%%", 100 * (x.loss() - f.loss()) / f.loss())));
        }
        return new Table(List.of("budget left out (C)", "forecast", "change"), rows);
    }

    static Table backtests(ReportInput in) {
        List<List<String>> rows = new ArrayList<>();
        for (BacktestRow b : in.backtests()) {
            rows.add(List.of(b.method(), num(b.cut()), num(b.targetBudget()), String.format(Locale.ROOT, "%.1f×", b.ratio()),
                    loss(b.predicted()), loss(b.observed()), pct(b.relativeErrorPct())));
        }
        return new Table(List.of("method", "cut (largest C fitted)", "target C", "ratio", "predicted", "observed",
                "error of the prediction"), rows);
    }

    /**
     * Per method: its backtests, and mean and worst absolute error over the common cuts only — the (cut, target) pairs
     * every method predicted — ranked by that mean. Over each method's own cuts
     * a method that fails on the hard early cuts would look better for skipping them.
     */
    static Table backtestSummary(ReportInput in) {
        record Cut(double cut, double targetBudget) {}
        Map<String, Map<Cut, Double>> by = new java.util.LinkedHashMap<>();
        in.backtests().forEach(b -> by.computeIfAbsent(b.method(), k -> new java.util.LinkedHashMap<>())
                .put(new Cut(b.cut(), b.targetBudget()), Math.abs(b.relativeErrorPct())));
        java.util.Set<Cut> common = null;
        for (Map<Cut, Double> errs : by.values()) {
            if (common == null) {
                common = new java.util.LinkedHashSet<>(errs.keySet());
            } else {
                common.retainAll(errs.keySet());
            }
        }
        java.util.Set<Cut> shared = common == null ? java.util.Set.of() : common;
        record Ranked(String method, int all, double mean, double worst, double meanAll) {}
        List<Ranked> ranked = new ArrayList<>();
        by.forEach((m, errs) -> {
            double[] onCommon = shared.stream().mapToDouble(errs::get).toArray();
            ranked.add(new Ranked(m, errs.size(), java.util.Arrays.stream(onCommon).average().orElse(Double.NaN),
                    java.util.Arrays.stream(onCommon).max().orElse(Double.NaN),
                    errs.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
        });
        ranked.sort(java.util.Comparator.comparingDouble(Ranked::mean)); // NaN (no common cut) sorts last
        List<List<String>> rows = new ArrayList<>();
        for (Ranked r : ranked) {
            rows.add(List.of(r.method(), Integer.toString(r.all()), meanPct(r.mean()), meanPct(r.worst()), meanPct(r.meanAll())));
        }
        String on = shared.size() + " common cut" + (shared.size() == 1 ? "" : "s");
        return new Table(List.of("method", "backtests", "mean |error| (" + on + ")", "worst |error| (" + on + ")",
                "mean |error| (all its cuts)"), rows);
    }

    private static String meanPct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f%%", v);
    }

    static Table balancing(MoeSection moe) {
        List<List<String>> rows = new ArrayList<>();
        for (MoeSection.BalancingRow b : moe.balancing()) {
            rows.add(List.of(b.method(), b.run(), loss(b.loss()), fixed(b.meanImbalance(), 2), fixed(b.minShare(), 3),
                    fixed(b.maxShare(), 3), b.note()));
        }
        return new Table(List.of("balancing method", "run", "loss", "mean imbalance (max share × E)", "min share",
                "max share", "note"), rows);
    }

    /** One row per MoE family: balancing, loss against dense at equal compute, multipliers, utilisation. */
    static Table moeFamilies(MoeSection moe) {
        List<List<String>> rows = new ArrayList<>();
        for (MoeSection.FamilyRow f : moe.families()) {
            rows.add(List.of(f.family(), f.balance().isEmpty() ? "–" : f.balance(), Integer.toString(f.runs()),
                    pct(f.meanDeltaPct()), fixed(f.paramsMultiplier(), 3), fixed(f.computeMultiplier(), 3),
                    Double.isNaN(f.minShare()) ? "–" : fixed(f.minShare(), 3) + " – " + fixed(f.maxShare(), 3)));
        }
        return new Table(List.of("family", "balancing method", "runs", "best loss vs dense (mean over budgets)",
                "effective-parameter multiplier m", "compute multiplier m·k", "expert share, last 10% of steps (min – max)"),
                rows);
    }

    /** Each budget's best loss per family, MoE families with their difference from dense. */
    static Table equalCompute(MoeSection moe) {
        List<String> fams = new ArrayList<>(List.of("dense"));
        moe.families().forEach(f -> fams.add(f.family()));
        List<String> h = new ArrayList<>(List.of("C (FLOPs)"));
        for (String f : fams) {
            h.add(f);
            if (!f.equals("dense")) {
                h.add("Δ vs dense");
            }
        }
        List<List<String>> rows = new ArrayList<>();
        for (MoeSection.BudgetRow b : moe.equalCompute()) {
            List<String> row = new ArrayList<>(List.of(num(b.budget())));
            Double dense = b.bestLoss().get("dense");
            for (String f : fams) {
                Double l = b.bestLoss().get(f);
                row.add(l == null ? "–" : loss(l));
                if (!f.equals("dense")) {
                    row.add(l == null || dense == null ? "–" : pct(100 * (l - dense) / dense));
                }
            }
            rows.add(row);
        }
        return new Table(h, rows);
    }

    /** A stored MoE fit's law comparison, one row per law. */
    static Table moeLaws(MoeSection.LawFit fit) {
        List<List<String>> rows = new ArrayList<>();
        for (MoeSection.LawRow r : fit.rows()) {
            boolean fitted = !r.status().isEmpty();
            rows.add(List.of(r.law() + (r.law().equals(fit.supported()) ? " (supported)" : ""),
                    fitted ? r.status() : "not fitted", fitted ? Integer.toString(r.runs()) : "–",
                    fitted ? Integer.toString(r.parameters()) : "–", coef(r.rss()), fixed(r.aic(), 1), fixed(r.bic(), 1),
                    Double.isNaN(r.backtestPct()) ? "–" : fixed(r.backtestPct(), 3) + "%",
                    Double.isNaN(r.commonBacktestPct()) ? "–" : fixed(r.commonBacktestPct(), 3) + "%",
                    loss(r.predicted()), Double.isNaN(r.low()) ? "–" : "[" + loss(r.low()) + ", " + loss(r.high()) + "]",
                    r.problem()));
        }
        return new Table(List.of("method", "status", "runs", "k", "RSS", "AIC", "BIC", "backtest |error|",
                "common backtest |error|", "predicted", "interval", "note"), rows);
    }

    static String fixed(double v, int digits) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) + "…" : h;
    }

    static String figureDataUri(Figure f) {
        try {
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(f.png()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read figure " + f.png() + ": " + e.getMessage(), e);
        }
    }
}
