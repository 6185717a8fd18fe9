package scalelab.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.fitting.moe.MoeFitBenchmark;

/** {@code scalelab bench moe-fit}: speed of the MoE law fits and their bootstrap on a synthetic ladder. */
@Command(name = "moe-fit", mixinStandardHelpOptions = true,
        description = "Speed of the MoE scaling-law fits and bootstrap on a synthetic 80-run ladder.")
public final class BenchMoeFitCommand implements Runnable {
    @Option(names = "--repeats", defaultValue = "20", description = "Timed fits per law (default ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--bootstrap-samples", paramLabel = "N", description = "Bootstrap resamples (default 500).")
    int samples = 500;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--bootstrap", hidden = true, paramLabel = "N")
    void legacyBootstrap(int n) {
        samples = n;
    }

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        BenchOutput out = new BenchOutput(spec.commandLine().getOut(), format, "moe-fit");
        MoeFitBenchmark.Figures f = MoeFitBenchmark.run(repeats, samples, seed);
        out.text("%s%n", f.describe());
        var r = out.root();
        r.put("runs", f.runs());
        r.put("repeats", f.repeats());
        r.put("joint_fit_ms", f.jointFitMs());
        r.put("shared_fit_ms", f.sharedFitMs());
        r.put("granularity_fit_ms", f.granularityFitMs());
        r.put("bootstrap_samples", f.bootstrapSamples());
        r.put("joint_bootstrap_seconds", f.jointBootstrapSeconds());
        r.put("shared_bootstrap_seconds", f.sharedBootstrapSeconds());
        JsonOutput.putNumber(r, "joint_held_out_relative_error_pct", 100 * f.jointHeldOutRelativeError());
        out.finish();
    }
}
