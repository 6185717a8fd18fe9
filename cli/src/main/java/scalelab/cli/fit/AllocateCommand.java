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
import scalelab.registry.FitRecord;
import scalelab.registry.Registry;
import scalelab.registry.io.FitJson;

/** {@code scalelab allocate --compute C}: compute-optimal N*, D*, L* from a stored fit or a saved fit file. */
@Command(name = "allocate", mixinStandardHelpOptions = true,
        description = {"Compute-optimal parameters, tokens and loss at a compute budget, from a fit: --fit ID (a fit stored",
                "in the registry, as `predict --fit`), --ladder NAME (that ladder's latest stored fit) or --fit-file FIT.json",
                "(`scalelab fit --format json` output)."})
public final class AllocateCommand implements Callable<Integer> {
    @Option(names = "--fit", paramLabel = "ID", description = "a fit stored in the registry (`fit --from-db --save`), by id")
    String fitId;

    @Option(names = "--ladder", paramLabel = "NAME", description = "the latest stored fit of this ladder")
    String ladder;

    @Option(names = "--db", paramLabel = "FILE", description = "with --fit or --ladder: database file (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    @Option(names = "--fit-file", paramLabel = "FIT.json", description = "a fit written by `scalelab fit --format json`")
    Path fitFile;

    @Option(names = "--compute", required = true, paramLabel = "C", description = "training compute in FLOPs, counted as the fit's runs count them (6·N·D unless their budget labels count otherwise)")
    double compute;

    @Option(names = "--params", paramLabel = "N",
            description = "also predict the loss of a model with N parameters trained on the D tokens that make C FLOPs")
    Double params;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    /** The fit named by exactly one of --fit ID, --ladder NAME, --fit-file FILE. */
    private FitResult fit() {
        int given = (fitId != null ? 1 : 0) + (ladder != null ? 1 : 0) + (fitFile != null ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give one fit: --fit ID (stored in the registry), --ladder NAME (its latest"
                    + " stored fit) or --fit-file FIT.json");
        }
        if (fitFile != null) {
            if (db != null) {
                throw new IllegalArgumentException("--db goes with --fit ID or --ladder NAME, not --fit-file");
            }
            return FitJson.read(fitFile);
        }
        long id = 0;
        if (fitId != null) {
            try {
                id = Long.parseLong(fitId.trim());
            } catch (NumberFormatException e) {
                // --fit meant a JSON file here before the flags were unified (issue 16): say what it means now.
                throw new IllegalArgumentException("--fit takes a stored fit's id, as in `predict --fit ID`, got '" + fitId
                        + "'; for a file written by `fit --format json` use --fit-file " + fitId);
            }
        }
        Path file = Registry.resolvePath(db);
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no registry database at " + file.toAbsolutePath().normalize() + " (give --db FILE)");
        }
        try (Registry r = Registry.open(file)) {
            long wanted = id;
            FitRecord record = fitId != null
                    ? r.fit(wanted).orElseThrow(() -> new IllegalArgumentException("no fit with id " + wanted + " in " + r.file()))
                    : r.latestFit(ladder).orElseThrow(() -> new IllegalArgumentException("no stored fit for ladder " + ladder
                    + " in " + r.file() + ": run `scalelab fit --from-db --ladder " + ladder + " --save` first"));
            return FitJson.parse(record.resultJson(), null);
        }
    }

    @Override
    public Integer call() throws Exception {
        Formats.check(format);
        if (!(compute > 0) || !Double.isFinite(compute)) {
            throw new IllegalArgumentException("--compute must be a finite positive number of FLOPs, got " + compute);
        }
        if (params != null && !(params > 0 && Double.isFinite(params))) {
            throw new IllegalArgumentException("--params must be a finite positive number, got " + params);
        }
        FitResult fit = fit();
        ComputeOptimal opt = fit.optimalAt(compute);
        Double atParamsTokens = params == null ? null : fit.flops().tokensAt(params, compute);
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
            o.put("flops", fit.flops().describe());
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
            if (!fit.flops().isSixNd()) {
                out.printf(Locale.ROOT, "flops     %s%n", fit.flops().describe());
            }
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
