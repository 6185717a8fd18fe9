package scalelab.cli.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.fitting.Observation;
import scalelab.registry.CurvePoint;
import scalelab.registry.Prediction;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;

/** {@code scalelab bench registry}: loss-curve write throughput and the time to load a ladder's runs for a fit. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "Benchmark the registry: rows/s writing loss curves, time to load N runs into fit observations.")
public final class RegistryBenchCommand implements Callable<Integer> {
    @Option(names = "--rows", defaultValue = "1000000", description = "Loss-curve rows per repetition (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--points-per-run", defaultValue = "10000", description = "Curve points per run (default: ${DEFAULT-VALUE}).")
    int pointsPerRun;

    @Option(names = "--runs", defaultValue = "10000", description = "Finished runs to load into observations (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--repeat", defaultValue = "3", description = "Repetitions; medians are reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (rows < pointsPerRun || pointsPerRun < 1 || runs < 1 || repeat < 1) {
            throw new IllegalArgumentException("need rows >= points-per-run >= 1, runs >= 1, repeat >= 1");
        }
        scalelab.cli.BenchOutput out = new scalelab.cli.BenchOutput(spec.commandLine().getOut(), format, "registry");
        Path dir = Files.createTempDirectory("scalelab-bench-registry");
        try (Registry r = Registry.open(dir.resolve("bench.duckdb"))) {
            out.text("bench registry: DuckDB file in %s, %d curve rows x %d repetitions (%d points per run), %d runs%n",
                    dir, rows, repeat, pointsPerRun, runs);
            out.root().put("curve_rows", rows);
            out.root().put("repetitions", repeat);
            out.root().put("points_per_run", pointsPerRun);
            out.root().put("runs", runs);
            double[] curveSeconds = new double[repeat];
            int curveRuns = rows / pointsPerRun;
            for (int rep = 0; rep < repeat; rep++) {
                List<RunRecord> planned = new ArrayList<>();
                for (int i = 0; i < curveRuns; i++) {
                    planned.add(run("curves", "rep" + rep + "-run" + i, 1e6 + i, 1e9));
                }
                List<Long> ids = r.upsertRuns(planned);
                List<List<CurvePoint>> curves = new ArrayList<>();
                for (int i = 0; i < curveRuns; i++) {
                    List<CurvePoint> c = new ArrayList<>(pointsPerRun);
                    for (int s = 0; s < pointsPerRun; s++) {
                        c.add(new CurvePoint(s, 4096L * s, 8.0 / Math.sqrt(1 + s), s % 50 == 0 ? 8.1 / Math.sqrt(1 + s) : Double.NaN));
                    }
                    curves.add(c);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < curveRuns; i++) {
                    r.appendCurve(ids.get(i), curves.get(i));
                }
                curveSeconds[rep] = (System.nanoTime() - t0) / 1e9;
                out.text("  curves rep %d: %,d rows in %.3f s = %,.0f rows/s%n", rep + 1, curveRuns * pointsPerRun,
                        curveSeconds[rep], curveRuns * pointsPerRun / curveSeconds[rep]);
            }
            double medCurve = median(curveSeconds);
            out.text("loss curves: median %.3f s for %,d rows = %,.0f rows/s (appender, one transaction per run)%n",
                    medCurve, curveRuns * pointsPerRun, curveRuns * pointsPerRun / medCurve);
            out.root().put("curve_median_seconds", medCurve);
            out.root().put("curve_rows_per_second", curveRuns * pointsPerRun / medCurve);

            List<RunRecord> finished = new ArrayList<>(runs);
            String[] budgets = {"1e18", "3e18", "1e19", "3e19", "1e20"};
            for (int i = 0; i < runs; i++) {
                double c = Double.parseDouble(budgets[i % budgets.length]);
                double n = 1e7 * (1 + i % 97);
                RunRecord p = run("fit-ladder", "run" + i, n, c / (6 * n));
                finished.add(new RunRecord(null, p.ladder(), p.name(), p.specHash(), p.specJson(), "dense", n, n, c / (6 * n), c,
                        c, c, null, RunStatus.FINISHED, null, 2.5 + 1.0 / (1 + i % 97), 2.5, 10.0, "bench", null, null));
            }
            long t0 = System.nanoTime();
            r.upsertRuns(finished);
            double insertSeconds = (System.nanoTime() - t0) / 1e9;
            out.text("runs: stored %,d finished runs in %.3f s (one transaction)%n", runs, insertSeconds);
            out.root().put("runs_insert_seconds", insertSeconds);
            double[] loadSeconds = new double[Math.max(5, repeat)];
            int n = 0;
            for (int rep = 0; rep < loadSeconds.length; rep++) {
                long t1 = System.nanoTime();
                List<Observation> obs = r.observationSet("fit-ladder").observations();
                loadSeconds[rep] = (System.nanoTime() - t1) / 1e9;
                n = obs.size();
            }
            out.text("observations: median %.1f ms to load %,d runs into fit observations (with run ids and input hash)%n",
                    1e3 * median(loadSeconds), n);
            out.root().put("observations_median_ms", 1e3 * median(loadSeconds));
            out.root().put("observations_loaded", n);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        out.finish();
        return 0;
    }

    private static RunRecord run(String ladder, String name, double n, double d) {
        return RunRecord.planned(ladder, name, Prediction.sha256(ladder + "/" + name), "{}", "dense", n, n, d, 6 * n * d,
                6 * n * d, null, "bench");
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
