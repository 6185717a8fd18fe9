package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.FitResult;
import scalelab.registry.io.FitJson;

/** {@code scalelab allocate --fit FIT.json --compute C}: compute-optimal N*, D*, L* from a saved fit. */
@Command(name = "allocate", mixinStandardHelpOptions = true,
        description = "Compute-optimal parameters, tokens and loss at a compute budget, from `scalelab fit --format json` output.")
public final class AllocateCommand implements Callable<Integer> {
    @Option(names = "--fit", required = true, paramLabel = "FIT.json", description = "a fit written by `scalelab fit --format json`")
    Path fitFile;

    @Option(names = "--compute", required = true, paramLabel = "C", description = "training compute in FLOPs (C = 6·N·D)")
    double compute;

    @Option(names = "--params", paramLabel = "N",
            description = "also predict the loss of a model with N parameters trained on D = C/(6N) tokens")
    Double params;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Formats.check(format);
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("--compute must be a finite positive number of FLOPs, got " + compute);
        }
        if (params != null && !(params > 0 && Double.isFinite(params))) {
            throw new IllegalArgumentException("--params must be a finite positive number, got " + params);
        }
        FitResult fit = FitJson.read(fitFile);
        ComputeOptimal opt = fit.optimalAt(compute);
        Double atParamsTokens = params == null ? null : compute / (6 * params);
        Double atParamsLoss = params == null ? null : fit.predictLoss(params, atParamsTokens);
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = json.createObjectNode();
            o.put("compute", compute);
            o.put("params", opt.params());
            o.put("tokens", opt.tokens());
            o.put("loss", opt.loss());
            o.put("tokens_per_param", opt.tokensPerParam());
            o.put("method", fit.method());
            o.put("fit_status", fit.status().name().toLowerCase(Locale.ROOT));
            if (params != null) {
                ObjectNode at = o.putObject("at_params");
                at.put("params", params);
                at.put("tokens", atParamsTokens);
                at.put("loss", atParamsLoss);
            }
            out.println(json.writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "compute   %.4e FLOPs (fit: %s, %s)%n", compute, fit.method(), fit.status().name().toLowerCase(Locale.ROOT));
            out.printf(Locale.ROOT, "params    N* = %.4e%n", opt.params());
            out.printf(Locale.ROOT, "tokens    D* = %.4e (%.1f tokens per parameter)%n", opt.tokens(), opt.tokensPerParam());
            out.printf(Locale.ROOT, "loss      L* = %.4f%n", opt.loss());
            if (params != null) {
                out.printf(Locale.ROOT, "at N = %.4e, D = %.4e: predicted loss %.4f%n", params, atParamsTokens, atParamsLoss);
            }
            for (String w : fit.warnings()) {
                out.println("WARNING   " + w);
            }
        }
        out.flush();
        return 0;
    }
}
