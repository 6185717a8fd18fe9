package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import scalelab.cli.Progress;
import scalelab.fitting.forecast.ForecastBenchmark;
import scalelab.fitting.forecast.ForecastMethod;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.fitting.forecast.MoeRollingBacktest;
import scalelab.fitting.forecast.PanelMethods;
import scalelab.fitting.forecast.RollingBacktest;
import scalelab.fitting.moe.MoeObservation;

/** {@code scalelab backtest FILE.csv}: rolling-origin errors of the default forecaster (or of panel methods). */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Fit on the budgets up to each cut and forecast held-out larger budgets' compute-optimal loss (or, "
                + "with --held-out runs, every larger run at its own N and D); report each error against what was observed "
                + "and whether the forecaster's interval covered it.")
public final class BacktestCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE.csv", description = "runs file (or --ladder NAME)")
    Path file;

    @Option(names = "--ladder", paramLabel = "NAME", description = "a ladder's finished runs from the registry instead of a file")
    String ladder;

    @Option(names = "--db", paramLabel = "FILE", description = "with --ladder: database file (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    @Option(names = "--method", paramLabel = "M", defaultValue = "forecaster",
            description = "forecaster (the default: backtest-selected, with intervals), a panel method (vpnls (= vpnls-mse), vpnls-huber, "
                    + "vpnls-near2, vpnls-near3, approach3, approach2, asymptote-fitted, asymptote-recent, asymptote-pinned), a comma list, or "
                    + "all (the forecaster and its panel; approach3, ~100× slower, only by name)")
    String method;

    // `--target` is a target run elsewhere (forecast, predict): here it is which budgets are held out. No picocli
    // defaultValue: it would be applied after the hidden alias below and undo it.
    @Option(names = "--held-out", paramLabel = "top|next|all|runs",
            description = "held out per cut: top (the largest budget), next (the next one up), all (every larger budget), "
                    + "or runs (every run of a larger model size, at its own N and D) (default: top)")
    String target = "top";

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--target", hidden = true, paramLabel = "top|next|all|runs")
    void legacyTarget(String mode) {
        target = mode;
    }

    @Option(names = "--min-budgets", defaultValue = "2",
            description = "fewest budgets (--held-out runs: model sizes) a cut fits on (default: ${DEFAULT-VALUE})")
    int minBudgets;

    @Option(names = "--max-budget", paramLabel = "C", description = "ignore runs above C FLOPs")
    Double maxBudget;

    @Option(names = "--where", paramLabel = "COL=VALUE", description = "only rows whose column COL is VALUE (e.g. dataset=rpj)")
    String where;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--moe", description = "with --ladder: backtest the ladder's dense and MoE runs (those of --balance) run by "
            + "run with the MoE forecaster, the runs `predict --target moe:…` forecasts from (a file's MoE rows are found by "
            + "its experts column)")
    boolean moe;

    @Option(names = "--balance", paramLabel = "NAME", defaultValue = "quantile",
            description = "with --moe: the balancing method whose MoE runs are fitted (default: ${DEFAULT-VALUE})")
    String balance;

    @picocli.CommandLine.Mixin
    ForecasterOptions forecaster;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Formats.check(format);
        RollingBacktest.Mode mode = switch (target.toLowerCase(Locale.ROOT)) {
            case "top" -> RollingBacktest.Mode.TOP;
            case "next" -> RollingBacktest.Mode.NEXT;
            case "all" -> RollingBacktest.Mode.ALL;
            case "runs" -> RollingBacktest.Mode.RUNS;
            default -> throw new IllegalArgumentException("--held-out must be top, next, all or runs, got '" + target + "'");
        };
        if (minBudgets < 1) {
            throw new IllegalArgumentException("--min-budgets must be at least 1");
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String s : method.split(",")) {
            String name = s.trim().toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                wanted.add("forecaster");
                PanelMethods.defaultPanel(forecaster.asymptote, false).forEach(m -> wanted.add(m.name()));
            } else if (name.equals("forecaster")) {
                wanted.add(name);
            } else if (name.equals("vpnls")) {
                wanted.add("vpnls-mse"); // as `fit --method vpnls` means: least squares
            } else {
                wanted.add(PanelMethods.byName(name, forecaster.asymptote).name()); // refuses unknown names
            }
        }
        if (moe) {
            if (file != null || ladder == null) {
                throw new IllegalArgumentException("--moe backtests a registry ladder (--ladder NAME); a file's MoE rows are "
                        + "found by its experts column");
            }
            if (where != null) {
                throw new IllegalArgumentException("--where applies to files only");
            }
            List<MoeObservation> runs = MoeRuns.fromRegistry(db, ladder, balance).stream()
                    .filter(o -> maxBudget == null || o.flops() <= maxBudget * (1 + 1e-9)).toList();
            if (runs.isEmpty()) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "no MoE-forecast runs of ladder %s at or below "
                        + "--max-budget %.3e", ladder, maxBudget));
            }
            return moeBacktest("ladder " + ladder, runs, mode, java.util.function.Supplier::get);
        }
        FitInputs in = FitInputs.fileOrLadder(file, ladder, db, maxBudget, where);
        if (file != null && in.rows().stream().anyMatch(r -> r.extra().containsKey("experts"))) {
            List<MoeObservation> moeRuns = MoeRuns.of(in);
            if (moeRuns.stream().anyMatch(o -> !o.isDense())) {
                return moeBacktest(file.toString(), moeRuns, mode, in::located);
            }
        }
        Ladder runs = new Ladder(in.observations(), in.grouping());
        String several = file != null ? in.severalLadders() : null;
        if (several != null) {
            spec.commandLine().getErr().println("warning: " + several);
        }
        String name = file != null ? file.getFileName().toString() : "ladder " + (ladder == null ? "" : ladder);
        List<ForecastBenchmark.Row> rows = new ArrayList<>();
        Progress progress = new Progress(spec.commandLine().getErr(), "backtest");
        try {
            if (wanted.contains("forecaster")) {
                // The forecaster re-chooses at every cut from its default panel: nested backtests, so no slow methods in it.
                progress.step("the forecaster at every cut (nested backtests)");
                Forecaster.Options options = forecaster.options();
                in.located(() -> ForecastBenchmark.run(name, runs, options, minBudgets, mode, scalelab.registry.ForecastGate.BACKTEST_JUDGE)).stream()
                        .filter(r -> r.forecaster().equals("forecaster")).forEach(rows::add);
            }
            List<ForecastMethod> methods = wanted.stream().filter(w -> !w.equals("forecaster"))
                    .map(w -> PanelMethods.byName(w, forecaster.asymptote)).toList();
            if (!methods.isEmpty()) {
                progress.step(methods.size() + " panel method" + (methods.size() == 1 ? "" : "s") + " at every cut");
                for (RollingBacktest.Entry e : in.located(() -> RollingBacktest.run(runs, methods, mode, minBudgets))) {
                    rows.add(new ForecastBenchmark.Row(name, e.method(), e.cutIndex(), e.cut(), e.target(), e.ratio(), e.params(),
                            e.tokens(), e.predicted(), e.observed(), Double.NaN, Double.NaN, Double.NaN, false, e.note(), ""));
                }
            }
        } finally {
            progress.close();
        }
        progress.done();
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode list = json.createArrayNode();
            for (ForecastBenchmark.Row r : rows) {
                ObjectNode o = list.addObject();
                o.put("method", r.forecaster());
                o.put("cut", r.cut());
                o.put("target_budget", r.target());
                o.put("ratio", r.ratio());
                if (mode == RollingBacktest.Mode.RUNS) {
                    o.put("params", r.params());
                    o.put("tokens", r.tokens());
                }
                outcome(o, r.predicted(), r.observed(), r.lo(), r.hi(), r.level(), r.flagged(), r.note());
                if (!r.verdict().isEmpty()) {
                    o.put("gate", r.verdict());
                }
            }
            out.println(json.writeValueAsString(list));
        } else {
            if (in.clustered()) {
                out.println(in.grouping().describe());
            }
            out.printf(Locale.ROOT, "%-17s %10s %10s %8s %9s %9s %8s %19s %-6s  %s%n", "method", "cut", "target", "ratio",
                    "predicted", "observed", "error %", "interval", "gate", "note"); // the error of the prediction, in percent
            for (ForecastBenchmark.Row r : rows) {
                String interval = r.hasInterval() ? String.format(Locale.ROOT, "[%.4f, %.4f]%s", r.lo(), r.hi(),
                        r.covered() ? " " : "!") : "";
                out.printf(Locale.ROOT, "%-17s %10.3e %10.3e %8.1f %9s %9.4f %8s %19s %-6s  %s%n", r.forecaster(), r.cut(),
                        r.target(), r.ratio(), Formats.num(r.predicted()), r.observed(), Double.isFinite(r.predicted())
                                ? String.format(Locale.ROOT, "%+.3f", r.relativeErrorPct()) : "—", interval, r.verdict(), r.note());
            }
            out.println();
            out.printf(Locale.ROOT, "%-17s %9s %7s %11s %10s %10s%n", "summary", "forecasts", "failed", "mean|err|%", "max|err|%",
                    "coverage");
            for (String w : wanted) {
                ForecastBenchmark.Summary s = ForecastBenchmark.summarise(rows, r -> r.forecaster().equals(w));
                long failed = rows.stream().filter(r -> r.forecaster().equals(w) && !Double.isFinite(r.predicted())).count();
                out.printf(Locale.ROOT, "%-17s %9d %7d %11s %10s %10s%n", w, s.forecasts(), failed, Formats.num(s.meanAbsPct()),
                        Formats.num(s.maxAbsPct()), Double.isNaN(s.coverage()) ? "" : String.format(Locale.ROOT, "%.0f%% of %.0f%%",
                                100 * s.coverage(), 100 * forecaster.level));
            }
            out.println("(error % = the error of the prediction, 100·(predicted − observed)/observed: positive when the forecast was too high; '!' marks an "
                    + "observation outside the interval; gate = what the quality gate `predict` applies would have said of the forecaster's forecast "
                    + "from the budgets up to the cut)");
        }
        out.flush();
        return 0;
    }

    /**
     * A file with MoE rows (experts, top_k columns): every run of a larger budget is forecast at its own active N, D and
     * expert configuration, by the MoE forecaster (its law chosen again at each cut) or, with --method all, also by each
     * MoE law. The dense panel's methods do not apply: they would fit experts as if they were dense parameters.
     */
    private Integer moeBacktest(String source, List<MoeObservation> moeRuns, RollingBacktest.Mode mode,
                                java.util.function.Function<java.util.function.Supplier<List<MoeRollingBacktest.Entry>>,
                                        List<MoeRollingBacktest.Entry>> locate) throws Exception {
        if (mode != RollingBacktest.Mode.RUNS) {
            throw new IllegalArgumentException(source + " has MoE rows (experts > 1): an MoE ladder is backtested run by run — "
                    + "add --held-out runs (every run of a larger budget, forecast at its own N, D and experts)");
        }
        List<String> methods = switch (method.trim().toLowerCase(Locale.ROOT)) {
            case "forecaster" -> List.of(MoeRollingBacktest.FORECASTER);
            case "all" -> MoeRollingBacktest.methodNames();
            default -> throw new IllegalArgumentException(source + " has MoE rows (experts > 1): they are backtested by the MoE "
                    + "forecaster (--method forecaster) or by it and every MoE law (--method all), not by the dense method '"
                    + method + "'");
        };
        int samples = Math.max(forecaster.bootstrap, 20);
        Progress progress = new Progress(spec.commandLine().getErr(), "backtest");
        List<MoeRollingBacktest.Entry> entries;
        try {
            progress.step("the MoE forecaster at every cut");
            entries = locate.apply(() -> MoeRollingBacktest.run(moeRuns, methods, minBudgets, forecaster.options(), samples));
        } finally {
            progress.close();
        }
        progress.done();
        PrintWriter out = spec.commandLine().getOut();
        double level = forecaster.level;
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode list = json.createArrayNode();
            for (MoeRollingBacktest.Entry e : entries) {
                ObjectNode o = list.addObject();
                MoeObservation r = e.run();
                o.put("method", e.method());
                o.put("cut", e.cut());
                o.put("target_budget", r.flops());
                o.put("ratio", e.ratio());
                o.put("params", r.activeParams());
                o.put("tokens", r.tokens());
                o.put("experts", r.experts());
                o.put("top_k", r.topK());
                o.put("granularity", r.granularity());
                outcome(o, e.predicted(), r.loss(), e.lo(), e.hi(), e.hasInterval() ? level : Double.NaN, e.flagged(), e.note());
            }
            out.println(json.writeValueAsString(list));
        } else {
            out.printf(Locale.ROOT, "%-12s %10s %10s %7s %10s %10s %3s %9s %9s %8s %19s  %s%n", "method", "cut", "run C", "ratio",
                    "N_active", "D", "E", "predicted", "observed", "error %", "interval", "note");
            for (MoeRollingBacktest.Entry e : entries) {
                MoeObservation r = e.run();
                String band = e.hasInterval() ? String.format(Locale.ROOT, "[%.4f, %.4f]%s", e.lo(), e.hi(), e.covered() ? " " : "!") : "";
                String name = e.method().equals(MoeRollingBacktest.FORECASTER) ? e.method() : "law";
                out.printf(Locale.ROOT, "%-12s %10.3e %10.3e %7.2f %10.3e %10.3e %3d %9s %9.4f %8s %19s  %s%n", name, e.cut(),
                        r.flops(), e.ratio(), r.activeParams(), r.tokens(), r.experts(), Formats.num(e.predicted()), r.loss(),
                        e.ok() ? String.format(Locale.ROOT, "%+.3f", e.relativeErrorPct()) : "—", band,
                        name.equals("law") ? e.method() + (e.note().equals("ok") ? "" : ": " + e.note()) : e.note());
            }
            out.println();
            for (String m : methods) {
                List<MoeRollingBacktest.Entry> mine = entries.stream().filter(e -> e.method().equals(m)).toList();
                List<MoeRollingBacktest.Entry> ok = mine.stream().filter(MoeRollingBacktest.Entry::ok).toList();
                double mean = ok.stream().mapToDouble(e -> Math.abs(e.relativeErrorPct())).average().orElse(Double.NaN);
                double max = ok.stream().mapToDouble(e -> Math.abs(e.relativeErrorPct())).max().orElse(Double.NaN);
                long inside = ok.stream().filter(MoeRollingBacktest.Entry::covered).count();
                out.printf(Locale.ROOT, "%s: %d forecasts (%d failed)%s%s%n", m, ok.size(), mine.size() - ok.size(), ok.isEmpty() ? ""
                                : String.format(Locale.ROOT, ", mean |error| %s%%, max %s%%", Formats.num(mean), Formats.num(max)), m.equals(MoeRollingBacktest.FORECASTER) && !ok.isEmpty()
                                ? String.format(Locale.ROOT, ", %.0f%% inside its %.0f%% intervals", 100.0 * inside / ok.size(), 100 * level) : "");
            }
            out.println("(error % = 100·(predicted − observed)/observed: positive when the forecast was too high; '!' marks a run "
                    + "outside the interval)");
        }
        out.flush();
        return 0;
    }

    /** A backtest entry's forecast, what was observed, the error and the interval (null fields when there is none). */
    private static void outcome(ObjectNode o, double predicted, double observed, double lo, double hi, double level, boolean flagged,
                                String note) {
        double error = 100 * (predicted - observed) / observed; // the error of the prediction, one sign everywhere
        num(o, "predicted", predicted);
        o.put("observed", observed);
        num(o, "error_of_prediction_pct", error);
        num(o, "relative_error_pct", error); // the same number under the name the backtest contract gives it
        num(o, "lo", lo);
        num(o, "hi", hi);
        num(o, "level", level);
        if (Double.isFinite(lo) && Double.isFinite(hi)) {
            o.put("covered", observed >= lo && observed <= hi);
            o.put("flagged", flagged);
        } else {
            o.putNull("covered");
        }
        o.put("note", note);
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }
}
