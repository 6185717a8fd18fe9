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

    @Override
    public void run() {
        System.out.println(MoeFitBenchmark.run(repeats, samples, seed).describe());
    }
}
