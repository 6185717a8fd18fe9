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
import scalelab.fitting.FitMethod;
import scalelab.fitting.FitResult;
import scalelab.registry.Registry;
import scalelab.registry.io.FitJson;

/** {@code scalelab fit FILE.csv}: fit a scaling law to a table of runs. */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = {"Fit L(N, D) = E + A·N^-α + B·D^-β (VPNLS, Approach 3) or Approach 2's vertex laws to runs in a CSV,",
                "or (--from-db) to a ladder's finished runs in the registry; --save stores the fit with bootstrap surfaces",
                "so that `scalelab predict` files predictions with intervals."})
public final class FitCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE.csv",
            description = "runs: columns params,tokens,loss and optionally budget or flops (omit with --from-db)")
    Path file;

    @Option(names = "--from-db", description = "fit the finished runs stored in the registry instead of a file")
    boolean fromDb;

    @Option(names = "--ladder", paramLabel = "NAME",
            description = "with --from-db: this ladder's runs (may be left out only when the registry holds one ladder)")
    String ladder;

    @Option(names = "--db", paramLabel = "FILE", description = "with --from-db: database file (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    @Option(names = "--save", description = "with --from-db: store the fit (and its bootstrap surfaces) in the registry and print its id")
    boolean save;

    @Option(names = "--bootstrap-samples", paramLabel = "N",
            description = "with --save: bootstrap replicates stored for prediction intervals (default: 1000 for vpnls, 0 otherwise)")
    Integer bootstrapSamples;

    @Option(names = "--seed", defaultValue = "1", description = "with --save: bootstrap seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--method", defaultValue = "vpnls", description = FitOptions.METHODS + " (default: ${DEFAULT-VALUE})")
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
        FitMethod m = options.method(method);
        Formats.check(format);
        if (fromDb) {
            return fitFromRegistry(m);
        }
        if (file == null) {
            throw new IllegalArgumentException("give a runs file (FILE.csv) or --from-db to fit the registry's runs");
        }
        if (save || ladder != null || db != null || bootstrapSamples != null) {
            throw new IllegalArgumentException("--save, --ladder, --db and --bootstrap-samples work with --from-db only: "
                    + "import the file first (`scalelab runs import FILE.csv`), then `scalelab fit --from-db --save`");
        }
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

    /** {@code --from-db}: the registry's finished runs, through {@link FitAndStore} (as the quickstart does). */
    private int fitFromRegistry(FitMethod m) {
        if (file != null) {
            throw new IllegalArgumentException("give either FILE.csv or --from-db, not both");
        }
        if (maxBudget != null || dropHighest > 0) {
            throw new IllegalArgumentException("--max-budget and --drop-highest-losses apply to files only; with --from-db "
                    + "the fit uses every finished run of the ladder (file a ladder per selection)");
        }
        int samples = bootstrapSamples != null ? bootstrapSamples : save ? FitAndStore.defaultBootstrapSamples(m) : 0;
        if (samples < 0) {
            throw new IllegalArgumentException("--bootstrap-samples must be ≥ 0, got " + samples);
        }
        if (samples > 0 && !save) {
            throw new IllegalArgumentException("--bootstrap-samples stores replicate surfaces with the fit: add --save "
                    + "(or use `scalelab bootstrap` on a file for intervals alone)");
        }
        PrintWriter out = spec.commandLine().getOut();
        // without --save a fit only reads: shared with other readers, and works on a read-only copy
        try (Registry registry = scalelab.cli.registry.DbOption.open(Registry.resolvePath(db),
                save ? Registry.Access.READ_WRITE : Registry.Access.READ_ONLY, Registry.DEFAULT_LOCK_WAIT)) {
            String ladder = scalelab.cli.registry.LadderChoice.require(registry, this.ladder, "fit --from-db");
            FitAndStore.Outcome o;
            // 1000 bootstrap refits take seconds: say so on standard error once it takes more than 2 s.
            scalelab.cli.Progress progress = new scalelab.cli.Progress(spec.commandLine().getErr(), "fit");
            try {
                progress.step(samples > 0 ? "fitting and " + samples + " bootstrap refits" : "fitting");
                o = FitAndStore.fit(registry, ladder, m, options.vpnls(), options.approach3(), samples, seed, save);
            } finally {
                progress.close();
            }
            progress.done();
            if (format.equals("json")) {
                var json = FitJson.toJson(o.fit());
                json.put("moe_runs_left_out", o.moeRunsLeftOut());
                if (o.record() != null) {
                    json.put("fit_id", o.record().id());
                    json.put("bootstrap_surfaces", o.record().bootstrapSurfaces().size());
                }
                out.println(json);
            } else {
                out.printf(Locale.ROOT, "registry   %d finished runs from %s%s%s%n", o.inputs().runIds().size(), registry.file(),
                        ladder == null ? "" : ", ladder " + ladder, o.moeRunsLeftOut() == 0 ? ""
                                : String.format(Locale.ROOT, " (the dense family; %d MoE runs left to predict --target moe:…)",
                                o.moeRunsLeftOut()));
                FitText.print(out, o.fit());
                if (o.bootstrap() != null) {
                    out.printf(Locale.ROOT, "bootstrap  %d replicates resampling runs (seed %d): %d stored (%d hit a bound), %d failed%s%n",
                            o.bootstrap().samples(), seed, o.bootstrap().surfaces().size(), o.bootstrap().unconverged(),
                            o.bootstrap().failures(), o.bootstrap().allFailed()
                                    ? ": no interval for predictions from this fit (first failure: " + o.bootstrap().firstFailure() + ")" : "");
                }
                if (o.record() != null) {
                    out.println("saved fit " + o.record().id() + (o.converged() ? "" : " with status " + o.record().status()));
                }
            }
            if (!o.converged()) {
                // Said on standard error too, so that it shows even when standard output is parsed as JSON.
                PrintWriter err = spec.commandLine().getErr();
                err.printf(Locale.ROOT, "warning: the fit ended with status %s (%s)%s%n", o.fit().status(), o.fit().message(),
                        o.record() != null ? "; it was saved as fit " + o.record().id() + " with that status" : "");
                err.flush();
            }
        }
        out.flush();
        return 0;
    }
}
