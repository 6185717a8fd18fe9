package scalelab.cli.fit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scalelab.fitting.Bootstrap;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.LossObjective;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.RunTableReader;

/** {@code scalelab bench fit}: timings of VPNLS fits and bootstrap refits on the 124-run Chinchilla set. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Time VPNLS on the published 124-run Chinchilla set: 0.01 and 0.001 grids, and 1000 bootstrap refits.")
public final class BenchFitCommand implements Callable<Integer> {
    @Option(names = "--data", description = "CSV to fit (default: chinchilla-isoflops.csv in the data directory, $SCALELAB_DATA "
            + "or ../shared/data beside the repository)")
    Path data;

    @Option(names = "--repeats", defaultValue = "5", description = "timed repeats per figure after a warm-up (median reported)")
    int repeats;

    @Option(names = "--bootstrap-samples", paramLabel = "N", description = "bootstrap refits (default: 1000)")
    int samples = 1000;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--samples", hidden = true, paramLabel = "N")
    void legacySamples(int n) {
        samples = n;
    }

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path file = data != null ? data : DataDirectory.dataFile("chinchilla-isoflops.csv");
        List<Observation> obs = RunTableReader.read(file).observations();
        scalelab.cli.BenchOutput out = new scalelab.cli.BenchOutput(spec.commandLine().getOut(), format, "fit");
        out.root().put("data", file.toString());
        out.root().put("runs", obs.size());
        out.root().put("repeats", repeats);
        out.text("bench fit: %s, %d runs, %d cores, median of %d after warm-up%n", file.getFileName(), obs.size(),
                Runtime.getRuntime().availableProcessors(), repeats);
        Vpnls.Options mse = Vpnls.Options.defaults();
        Vpnls.Options huber = mse.withObjective(LossObjective.huber(1e-3));
        row(out, "vpnls huber, dense 0.01 grid + Nelder-Mead", () -> Vpnls.fit(obs, huber.withCoarseStep(0.01)));
        row(out, "vpnls huber, dense 0.01 grid, no refinement", () -> Vpnls.fit(obs, huber.withCoarseStep(0.01).withRefine(false)));
        row(out, "vpnls huber, 0.001 (0.05 grid + 0.001 local grid + NM)", () -> Vpnls.fit(obs, huber.withResolution(0.001)));
        row(out, "vpnls huber, 0.01 (0.05 grid + 0.01 local grid + NM)", () -> Vpnls.fit(obs, huber));
        row(out, "vpnls mse, dense 0.01 grid + Nelder-Mead", () -> Vpnls.fit(obs, mse.withCoarseStep(0.01)));
        row(out, "vpnls mse, dense 0.001 grid (2.2M points) + NM", () -> Vpnls.fit(obs, mse.withResolution(0.001).withCoarseStep(0.001)));
        row(out, "vpnls mse, default (0.05 grid + 0.01 local grid + NM)", () -> Vpnls.fit(obs, mse));
        BudgetGrouping g = BudgetGrouping.byLabel(obs);
        for (Vpnls.Options o : List.of(huber.withResolution(0.05), mse.withResolution(0.05))) {
            long t0 = System.nanoTime();
            Bootstrap.Result r = Bootstrap.run(obs, g, x -> Vpnls.fit(x, o), "vpnls", Bootstrap.Resample.RUNS, samples, 1, 3e22, 0.95);
            double s = (System.nanoTime() - t0) / 1e9;
            String label = samples + " bootstrap refits, vpnls " + o.objective().describe() + ", 0.05 grid + NM";
            out.text("%-58s %9.2f s  (%d refits, %d failed, %.1f ms each)%n", label, s, samples, r.failures(), 1000 * s / samples);
            var fig = out.list("figures").addObject();
            fig.put("name", label);
            fig.put("seconds", s);
            fig.put("refits", samples);
            fig.put("failed", r.failures());
            fig.put("ms_each", 1000 * s / samples);
        }
        out.finish();
        return 0;
    }

    private void row(scalelab.cli.BenchOutput out, String label, Supplier<?> fit) {
        fit.get(); // warm-up (JIT)
        double[] ms = new double[Math.max(1, repeats)];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            fit.get();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        out.text("%-58s %9.1f ms%n", label, ms[ms.length / 2]);
        var fig = out.list("figures").addObject();
        fig.put("name", label);
        fig.put("median_ms", ms[ms.length / 2]);
    }
}
