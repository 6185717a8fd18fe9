package scalelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code scalelab bench AREA}: benchmarks that print figures (speed targets live here, never in unit tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark and print its figures.")
public final class BenchCommand implements Runnable {

    /** One class per area (picocli @Command), e.g. `bench fit`, `bench registry`, `bench train`. */
    static final Class<?>[] SUBCOMMANDS = {
        BenchMoeFitCommand.class,
        scalelab.cli.registry.RegistryBenchCommand.class,
        scalelab.cli.fit.BenchFitCommand.class,
        scalelab.cli.fit.BenchForecastCommand.class,
        scalelab.cli.train.BenchTrainCommand.class,
        scalelab.cli.train.BenchTokenizeCommand.class,
    };

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
