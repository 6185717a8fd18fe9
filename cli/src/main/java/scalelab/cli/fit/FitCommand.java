package scalelab.cli.fit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scalelab.fitting.FitMethod;
import scalelab.fitting.FitResult;
import scalelab.registry.io.FitJson;

/** {@code scalelab fit FILE.csv}: fit a scaling law to a table of runs. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit L(N, D) = E + A·N^-α + B·D^-β (VPNLS, Approach 3) or Approach 2's vertex laws to runs in a CSV.")
public final class FitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.csv", description = "runs: columns params,tokens,loss and optionally budget or flops")
    Path file;

    @Option(names = "--method", defaultValue = "vpnls", description = "vpnls, approach3 or approach2 (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--max-budget", paramLabel = "C", description = "use only runs whose budget is at most C FLOPs")
    Double maxBudget;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--drop-highest-losses", defaultValue = "0", paramLabel = "K",
            description = "drop the K runs with the highest loss first (Epoch's Approach 3 protocol drops 5)")
    int dropHighest;

    @Mixin
    FitOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        FitMethod m = FitMethod.parse(method);
        Formats.check(format);
        FitInputs in = FitInputs.load(file, maxBudget);
        if (dropHighest > 0) {
            in = FitInputs.dropHighest(in, dropHighest);
        }
        final FitInputs inputs = in;
        FitResult fit = inputs.located(() -> m.fit(inputs.observations(), inputs.grouping(), options.vpnls(), options.approach3()));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(FitJson.write(fit));
        } else {
            if (inputs.clustered()) {
                out.println(inputs.grouping().describe());
            }
            FitText.print(out, fit);
        }
        out.flush();
        return 0;
    }

}
