package scalelab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code scalelab} command. Each area registers its subcommands in {@link #SUBCOMMANDS}. */
@Command(name = "scalelab", mixinStandardHelpOptions = true, version = "scalelab 0.1.0",
        description = "Scaling-law workbench: ladders, training, unbiased fits, preregistered predictions, reports.")
public final class Main implements Runnable {
    /** The SLF4J simple-logger level of DJL's CUDA probe; set it to "warn" to see the probe's complaint again. */
    static final String CUDA_PROBE_LOG_LEVEL = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    static {
        // DJL probes for CUDA when it first trains and, on a machine without a GPU driver, warns "Failed to detect GPU
        // count" (twice) on every command that trains. That is the expected state of a CPU machine, not news: quiet it
        // unless the user asked for that logger's level.
        if (System.getProperty(CUDA_PROBE_LOG_LEVEL) == null) {
            System.setProperty(CUDA_PROBE_LOG_LEVEL, "error");
        }
    }

    /** The subcommands, one class each (picocli @Command). */
    static final Class<?>[] SUBCOMMANDS = {
        scalelab.cli.quickstart.QuickstartCommand.class,
        scalelab.cli.report.ReportCommand.class,
        scalelab.cli.report.NotebookCommand.class,
        scalelab.cli.ladder.LadderCommand.class,
        scalelab.cli.registry.PredictCommand.class,
        scalelab.cli.registry.LedgerCommand.class,
        scalelab.cli.registry.CheckCommand.class,
        scalelab.cli.registry.RunsCommand.class,
        scalelab.cli.fit.FitCommand.class,
        scalelab.cli.fit.AllocateCommand.class,
        scalelab.cli.fit.BacktestCommand.class,
        scalelab.cli.fit.ForecastCommand.class,
        scalelab.cli.fit.BootstrapCommand.class,
        scalelab.cli.fit.SimulateCommand.class,
        scalelab.cli.train.TrainCommand.class,
    };

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : SUBCOMMANDS) {
            cl.addSubcommand(c);
        }
        CommandLine bench = new CommandLine(new BenchCommand());
        for (Class<?> c : BenchCommand.SUBCOMMANDS) {
            bench.addSubcommand(c);
        }
        cl.addSubcommand(bench);
        // Bad input is the user's problem to fix: one clear line, no stack trace, exit 2.
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + msg);
            if (System.getenv("SCALELAB_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            }
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
