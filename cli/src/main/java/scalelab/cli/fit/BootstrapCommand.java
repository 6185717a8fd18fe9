package scalelab.cli.fit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scalelab.fitting.Bootstrap;
import scalelab.fitting.FitMethod;
import scalelab.fitting.FitResult;
import scalelab.registry.io.FitJson;

/** {@code scalelab bootstrap FILE.csv --bootstrap-samples 1000}: percentile intervals by refitting resampled data. */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
        description = "Resample runs (or whole budgets), refit, and print percentile intervals of every parameter, N*, D* and L*.")
public final class BootstrapCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE.csv", description = "runs file (or --ladder NAME)")
    Path file;

    @Option(names = "--ladder", paramLabel = "NAME", description = "a ladder's finished runs from the registry instead of a file")
    String ladder;

    @Option(names = "--db", paramLabel = "FILE", description = "with --ladder: database file (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    // No picocli defaultValue: it would be applied after the hidden alias below and undo it.
    @Option(names = "--bootstrap-samples", paramLabel = "N", description = "bootstrap replicates (default: 1000)")
    int samples = 1000;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--samples", hidden = true, paramLabel = "N")
    void legacySamples(int n) {
        samples = n;
    }

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resample", defaultValue = "runs", description = "runs or budgets (default: ${DEFAULT-VALUE})")
    String resample;

    @Option(names = "--method", defaultValue = "vpnls", description = FitOptions.METHODS + " (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--compute", paramLabel = "C",
            description = "target compute for N*, D*, L* intervals (default: 10× the largest budget)")
    Double compute;

    @Option(names = "--level", defaultValue = "0.95", description = "central interval mass (default: ${DEFAULT-VALUE})")
    double level;

    @Option(names = "--max-budget", paramLabel = "C", description = "use only runs at or below C FLOPs")
    Double maxBudget;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Mixin
    FitOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Formats.check(format);
        FitMethod m = options.method(method);
        Bootstrap.Resample mode = switch (resample.toLowerCase(Locale.ROOT)) {
            case "runs" -> Bootstrap.Resample.RUNS;
            case "budgets" -> Bootstrap.Resample.BUDGETS;
            default -> throw new IllegalArgumentException("--resample must be runs or budgets, got '" + resample + "'");
        };
        if (samples < 1) {
            throw new IllegalArgumentException("--bootstrap-samples must be at least 1");
        }
        FitInputs in = FitInputs.fileOrLadder(file, ladder, db, maxBudget, null);
        var vp = options.vpnls();
        var a3 = options.approach3();
        FitResult point = in.located(() -> m.fit(in.observations(), in.grouping(), vp, a3));
        double target = compute != null ? compute
                : 10 * in.grouping().budgets().get(in.grouping().budgets().size() - 1).compute();
        // Replicates skip VPNLS's local fine grid when Nelder–Mead polishes anyway: from the coarse optimum it reaches
        // the same optimum (VpnlsTest.coarseGridAloneThenRefinementReachesTheSameOptimum). Budget resampling keeps
        // each run's budget label, so Approach 2 regroups replicates by label.
        var replicateVp = vp.refine() ? vp.withResolution(vp.coarseStep()) : vp;
        Bootstrap.Result r = Bootstrap.run(in.observations(), in.grouping(),
                obs -> m.fit(obs, scalelab.fitting.BudgetGrouping.byLabel(obs), replicateVp, a3), m.cliName(), mode,
                samples, seed, target, level);
        if (r.allFailed()) {
            throw new IllegalArgumentException(in.file() + ": every one of the " + samples + " bootstrap replicates failed to refit"
                    + " (first: " + r.firstFailure() + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            var o = FitJson.toJson(r);
            o.set("point_fit", FitJson.toJson(point));
            out.println(o.toPrettyString());
        } else {
            out.printf(Locale.ROOT, "bootstrap  %s, %d replicates resampling %s, seed %d, %.0f%% percentile intervals%n",
                    m.cliName(), samples, resample, seed, 100 * level);
            out.printf(Locale.ROOT, "failed     %d of %d replicates%s%n", r.failures(), samples,
                    r.firstFailure() == null ? "" : " (first: " + r.firstFailure() + ")");
            out.printf(Locale.ROOT, "not clean  %d of the %d kept (exponent on the box edge, a coefficient clamped, or UNRELIABLE)%n",
                    r.unconverged(), samples - r.failures());
            out.printf(Locale.ROOT, "target     C = %.4e FLOPs (N*, D*, L* below)%n", target);
            out.printf(Locale.ROOT, "%-11s %14s %14s %14s%n", "quantity", "low", "median", "high");
            r.intervals().forEach((k, v) -> out.printf(Locale.ROOT, "%-11s %14.6g %14.6g %14.6g%n", k, v.low(), v.median(), v.high()));
            out.println("point fit:");
            FitText.print(out, point);
        }
        out.flush();
        return 0;
    }
}
