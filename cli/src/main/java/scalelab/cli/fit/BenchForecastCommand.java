package scalelab.cli.fit;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scalelab.fitting.forecast.ForecastBenchmark;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.RunTable;
import scalelab.registry.io.RunTableReader;

/** {@code scalelab bench forecast [DIR]}: the rolling-origin benchmark of the default forecaster and each panel method. */
@Command(name = "forecast", mixinStandardHelpOptions = true,
        description = "Rolling-origin backtest of the default forecaster and of each panel method on every IsoFLOP data set "
                + "of DIR: mean and max |relative error| by extrapolation ratio (<3x, 3-16x, >=16x), interval coverage and "
                + "median interval width, per set and pooled over the well-tuned sets. DIR is the development suite, or "
                + "any directory of ladder files (each *.csv / *.jsonl one ladder, all pooled), or ladder files themselves.")
public final class BenchForecastCommand implements Callable<Integer> {
    /** The IsoFLOP ladders pooled for the acceptance figures (well-tuned). */
    static final List<String> POOLED = List.of("chinchilla-isoflops.csv", "fineweb-c4-isoflops.csv", "porian-rw-cosine.csv",
            "porian-rw-tuned-const.csv");
    /** Reported beside the pool: a deliberately mis-tuned ladder the forecaster should flag. */
    static final List<String> EXTRA = List.of("porian-rw-kaplan.csv");

    @Parameters(arity = "0..*", paramLabel = "DIR|FILE", description = "the development suite's directory (default: "
            + "$SCALELAB_DATA, else ../shared/data beside the scalelab checkout), another directory of ladder files, or files")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--min-budgets", defaultValue = "3", description = "fewest budgets a cut fits on (default: ${DEFAULT-VALUE})")
    int minBudgets;

    @Option(names = "--bootstrap-samples", paramLabel = "N", description = "bootstrap refits per forecast (default: 100)")
    int bootstrap = 100;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--bootstrap", hidden = true, paramLabel = "N")
    void legacyBootstrap(int n) {
        bootstrap = n;
    }

    @Option(names = "--level", defaultValue = "0.9", description = "interval level (default: ${DEFAULT-VALUE})")
    double level;

    @Option(names = "--combine-level", description = "experiment: the F quantile below which a method is combined with the best")
    Double combineLevel;

    @Option(names = "--only", description = "experiment: one data set file name")
    String only;

    @Option(names = "--rows", description = "also print every held-out forecast of the default forecaster")
    boolean printRows;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Suite suite = Suite.of(paths.isEmpty() ? List.of(DataDirectory.resolve().require()) : paths);
        Path data = suite.dir();
        scalelab.cli.BenchOutput bench = new scalelab.cli.BenchOutput(spec.commandLine().getOut(), format, "forecast");
        // text mode prints as each data set finishes; JSON mode writes the same figures once at the end
        PrintWriter out = bench.json() ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut();
        bench.root().put("data", data.toString());
        bench.root().put("level", level);
        bench.root().put("bootstrap_samples", bootstrap);
        bench.root().put("min_budgets", minBudgets);
        Forecaster.Options options = Forecaster.Options.defaults(null).withLevel(level).withBootstrap(bootstrap, 1);
        if (combineLevel != null) {
            options = options.withCombineLevel(combineLevel);
        }
        bench.root().put("combine_level", options.combineLevel()); // the F quantile the figures were made with
        Map<String, List<ForecastBenchmark.Row>> perSet = new LinkedHashMap<>();
        List<String> files = suite.files();
        long start = System.nanoTime();
        for (String f : files) {
            if (only != null && !only.equals(f)) {
                continue;
            }
            Path p = data.resolve(f);
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("data set " + p + " not found (set SCALELAB_DATA or pass DIR)");
            }
            long t0 = System.nanoTime();
            Ladder ladder;
            List<ForecastBenchmark.Row> rows;
            try {
                // read as `forecast` and `backtest` read a file (rows in the canonical order), so the figures are theirs
                FitInputs in = FitInputs.load(p, null);
                ladder = new Ladder(in.observations(), in.grouping());
                rows = ForecastBenchmark.run(f.replace(".csv", ""), ladder, options, minBudgets,
                        scalelab.fitting.forecast.RollingBacktest.Mode.NEXT_AND_TOP, scalelab.registry.ForecastGate.BACKTEST_JUDGE);
            } catch (RuntimeException e) {
                if (suite.isDevelopmentSuite()) {
                    throw e;
                }
                // a directory of someone's ladders: one that cannot be backtested is reported, the others still run
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                out.printf(Locale.ROOT, "%n== %s: skipped: %s%n", f, why);
                var skipped = bench.list("skipped").addObject();
                skipped.put("file", f);
                skipped.put("reason", why);
                continue;
            }
            perSet.put(f, rows);
            var set = bench.list("sets").addObject();
            set.put("file", f);
            set.put("runs", ladder.observations().size());
            set.put("budgets", ladder.budgetCount());
            set.put("seconds", (System.nanoTime() - t0) / 1e9);
            set.set("methods", json(rows));
            if (printRows) {
                set.set("rows", jsonRows(rows));
            }
            out.printf(Locale.ROOT, "%n== %s: %d runs, %d budgets, %d held-out forecasts (%.1f s)%n", f, ladder.observations().size(),
                    ladder.budgetCount(), rows.stream().filter(r -> r.forecaster().equals("forecaster")).count(),
                    (System.nanoTime() - t0) / 1e9);
            table(out, rows);
            if (printRows) {
                rows(out, rows);
            }
            out.flush();
        }
        List<ForecastBenchmark.Row> pooled = new ArrayList<>();
        List<String> pooledFiles = perSet.keySet().stream().filter(suite.pooled()::contains).toList();
        pooledFiles.forEach(k -> pooled.addAll(perSet.get(k)));
        out.printf(Locale.ROOT, "%n== pooled over %s%n", String.join(", ", pooledFiles));
        table(out, pooled);
        out.printf(Locale.ROOT, "%nbench forecast took %.1f s on %d cores%n", (System.nanoTime() - start) / 1e9,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        var pool = bench.root().putObject("pooled");
        pooledFiles.forEach(pool.putArray("files")::add);
        pool.set("methods", json(pooled));
        bench.root().put("seconds", (System.nanoTime() - start) / 1e9);
        bench.finish();
        return 0;
    }

    /**
     * The ladders to run and those pooled: the development suite (its well-tuned ladders pooled, the mis-tuned one
     * beside), or every ladder file of another directory, or the files named (all pooled). Files are named relative
     * to {@code dir}.
     */
    record Suite(Path dir, List<String> files, List<String> pooled) {
        boolean isDevelopmentSuite() {
            return pooled.equals(POOLED);
        }

        static Suite of(List<Path> paths) {
            if (paths.size() == 1 && Files.isDirectory(paths.get(0))) {
                Path d = paths.get(0);
                if (POOLED.stream().allMatch(f -> Files.exists(d.resolve(f)))) {
                    List<String> all = new ArrayList<>(POOLED);
                    EXTRA.stream().filter(f -> Files.exists(d.resolve(f))).forEach(all::add);
                    return new Suite(d, all, POOLED);
                }
                List<String> found;
                try (var s = Files.list(d)) {
                    found = s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                            .filter(Suite::isLadderFile).sorted().toList();
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot list " + d + ": " + e.getMessage());
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("no ladder files (*.csv, *.jsonl) in " + d + " (set SCALELAB_DATA or pass DIR)");
                }
                return new Suite(d, found, found);
            }
            List<String> names = new ArrayList<>();
            Path parent = null;
            for (Path p : paths) {
                if (Files.isDirectory(p)) {
                    throw new IllegalArgumentException("give one directory, or ladder files: " + p + " is a directory among " + paths);
                }
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("data set " + p + " not found (set SCALELAB_DATA or pass DIR)");
                }
                Path abs = p.toAbsolutePath().normalize();
                parent = parent == null ? abs.getParent() : parent;
                names.add(parent.equals(abs.getParent()) ? abs.getFileName().toString() : abs.toString());
            }
            return new Suite(parent, names, names);
        }

        private static boolean isLadderFile(String name) {
            return name.toLowerCase(Locale.ROOT).endsWith(".csv") || RunTableReader.isJsonLines(name);
        }
    }

    /** Per method (the forecaster first): mean and max |error| by ratio bucket and overall, coverage, width, flagged. */
    static com.fasterxml.jackson.databind.node.ArrayNode json(List<ForecastBenchmark.Row> rows) {
        var out = scalelab.cli.JsonOutput.MAPPER.createArrayNode();
        for (String name : rows.stream().map(ForecastBenchmark.Row::forecaster).distinct().toList()) {
            var m = out.addObject();
            m.put("method", name);
            ForecastBenchmark.Summary all = putSummary(m, rows, r -> r.forecaster().equals(name));
            if (name.equals("forecaster")) {
                m.put("flagged", all.flagged());
                // is the flag worth heeding? the forecaster's own rows, split by it
                var byStatus = m.putArray("by_status");
                for (boolean flagged : new boolean[] {false, true}) {
                    var o = byStatus.addObject();
                    o.put("status", flagged ? "flagged" : "ok");
                    putSummary(o, rows, r -> r.forecaster().equals(name) && r.flagged() == flagged);
                }
                // and by the quality gate's verdict: what `predict` would have filed, what it would have refused
                var byGate = m.putArray("by_gate");
                for (String verdict : List.of("pass", "caveat", "refuse")) {
                    var o = byGate.addObject();
                    o.put("verdict", verdict);
                    putSummary(o, rows, r -> r.forecaster().equals(name) && r.verdict().equals(verdict));
                }
            }
        }
        return out;
    }

    /** Buckets, then the overall figures, of the rows {@code which} accepts, into {@code o}. */
    private static ForecastBenchmark.Summary putSummary(com.fasterxml.jackson.databind.node.ObjectNode o,
                                                        List<ForecastBenchmark.Row> rows,
                                                        java.util.function.Predicate<ForecastBenchmark.Row> which) {
        var buckets = o.putArray("buckets");
        for (int b = 0; b < 3; b++) {
            final int bb = b;
            ForecastBenchmark.Summary s = ForecastBenchmark.summarise(rows, r -> which.test(r) && ForecastBenchmark.bucket(r.ratio()) == bb);
            var x = buckets.addObject();
            x.put("bucket", ForecastBenchmark.bucketName(b));
            x.put("forecasts", s.forecasts());
            scalelab.cli.JsonOutput.putNumber(x, "mean_abs_pct", s.meanAbsPct());
            scalelab.cli.JsonOutput.putNumber(x, "max_abs_pct", s.maxAbsPct());
        }
        ForecastBenchmark.Summary all = ForecastBenchmark.summarise(rows, which);
        o.put("forecasts", all.forecasts());
        scalelab.cli.JsonOutput.putNumber(o, "mean_abs_pct", all.meanAbsPct());
        scalelab.cli.JsonOutput.putNumber(o, "max_abs_pct", all.maxAbsPct());
        scalelab.cli.JsonOutput.putNumber(o, "coverage", all.coverage());
        scalelab.cli.JsonOutput.putNumber(o, "median_width_pct", all.medianWidthPct());
        return all;
    }

    /** Every held-out forecast of the default forecaster. */
    static com.fasterxml.jackson.databind.node.ArrayNode jsonRows(List<ForecastBenchmark.Row> rows) {
        var out = scalelab.cli.JsonOutput.MAPPER.createArrayNode();
        for (ForecastBenchmark.Row r : rows) {
            if (r.forecaster().equals("forecaster")) {
                var o = out.addObject();
                o.put("cut", r.cutIndex());
                o.put("cut_compute", r.cut());
                o.put("target_compute", r.target());
                o.put("ratio", r.ratio());
                o.put("predicted", r.predicted());
                o.put("observed", r.observed());
                o.put("error_of_prediction_pct", r.relativeErrorPct());
                o.put("lo", r.lo());
                o.put("hi", r.hi());
                o.put("covered", r.covered());
                o.put("flagged", r.flagged());
                o.put("gate", r.verdict());
                o.put("method", r.note());
            }
        }
        return out;
    }

    static void rows(PrintWriter out, List<ForecastBenchmark.Row> rows) {
        out.printf(Locale.ROOT, "%4s %10s %10s %7s %9s %9s %8s %9s %9s %s%n", "cut", "cut C", "target C", "ratio", "forecast",
                "observed", "error %", "lo", "hi", "");
        for (ForecastBenchmark.Row r : rows) {
            if (r.forecaster().equals("forecaster")) {
                out.printf(Locale.ROOT, "%4d %10.3e %10.3e %7.1f %9.4f %9.4f %+8.2f %9.4f %9.4f %s%s%n", r.cutIndex(), r.cut(),
                        r.target(), r.ratio(), r.predicted(), r.observed(), 100 * (r.predicted() - r.observed()) / r.observed(),
                        r.lo(), r.hi(), r.covered() ? "in" : "OUT", r.flagged() ? " flagged" : "");
            }
        }
    }

    static void table(PrintWriter out, List<ForecastBenchmark.Row> rows) {
        List<String> names = rows.stream().map(ForecastBenchmark.Row::forecaster).distinct().toList();
        out.printf(Locale.ROOT, "%-18s", "mean (max) |err| %");
        for (int b = 0; b < 3; b++) {
            out.printf(Locale.ROOT, " %18s", ForecastBenchmark.bucketName(b) + " (n)");
        }
        out.printf(Locale.ROOT, " %16s %10s %9s %8s%n", "all", "coverage", "width %", "flagged");
        for (String name : names) {
            row(out, name, rows, r -> r.forecaster().equals(name), name.equals("forecaster"));
            if (name.equals("forecaster")) {
                // is the flag worth heeding? the forecaster's own rows, split by it
                row(out, "  status ok", rows, r -> r.forecaster().equals(name) && !r.flagged(), false);
                row(out, "  flagged", rows, r -> r.forecaster().equals(name) && r.flagged(), false);
                for (String verdict : List.of("pass", "caveat", "refuse")) {
                    row(out, "  gate " + verdict, rows, r -> r.forecaster().equals(name) && r.verdict().equals(verdict), false);
                }
            }
        }
    }

    private static void row(PrintWriter out, String label, List<ForecastBenchmark.Row> rows,
                            java.util.function.Predicate<ForecastBenchmark.Row> which, boolean showFlagged) {
        out.printf(Locale.ROOT, "%-18s", label);
        for (int b = 0; b < 3; b++) {
            final int bb = b;
            ForecastBenchmark.Summary s = ForecastBenchmark.summarise(rows, r -> which.test(r) && ForecastBenchmark.bucket(r.ratio()) == bb);
            out.printf(Locale.ROOT, " %18s", s.forecasts() == 0 ? "—" : String.format(Locale.ROOT, "%.2f (%.2f) %d",
                    s.meanAbsPct(), s.maxAbsPct(), s.forecasts()));
        }
        ForecastBenchmark.Summary all = ForecastBenchmark.summarise(rows, which);
        if (all.forecasts() == 0) {
            out.printf(Locale.ROOT, " %16s%n", "—");
            return;
        }
        out.printf(Locale.ROOT, " %16s %10s %9s %8s%n", String.format(Locale.ROOT, "%.2f (%.2f)", all.meanAbsPct(), all.maxAbsPct()),
                Double.isNaN(all.coverage()) ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * all.coverage()),
                Double.isNaN(all.medianWidthPct()) ? "" : String.format(Locale.ROOT, "%.2f", all.medianWidthPct()),
                showFlagged ? String.format(Locale.ROOT, "%.0f%%", 100 * all.flagged()) : "");
    }
}
