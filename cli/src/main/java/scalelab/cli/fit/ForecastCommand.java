package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.fitting.forecast.MoeForecaster;
import scalelab.fitting.moe.MoeTarget;
import scalelab.registry.ObservationSet;
import scalelab.registry.Registry;

/** {@code scalelab forecast}: the default forecaster on a runs file or a registry ladder. Answers; files nothing. */
@Command(name = "forecast", mixinStandardHelpOptions = true,
        description = "Forecast the loss at a larger compute (compute-optimal) or at a given N and D, with an interval that "
                + "carries the ladder's own backtest error, the panel of methods, and the leave-one-budget-out spread. "
                + "Nothing is filed: `predict` files a forecast in the ledger.")
public final class ForecastCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE.csv", description = "runs: columns params,tokens,loss and "
            + "optionally budget or flops (or use --ladder)")
    Path file;

    @Option(names = "--ladder", paramLabel = "NAME", description = "forecast from this ladder's finished dense runs in the registry")
    String ladder;

    @Option(names = "--db", paramLabel = "FILE", description = "with --ladder: database file (default: $SCALELAB_DB, else ./scalelab.duckdb)")
    String db;

    @Option(names = "--compute", paramLabel = "C", description = "target compute in FLOPs (compute-optimal forecast)")
    Double compute;

    @Option(names = "--params", paramLabel = "N", description = "target parameters (with --tokens: a run at a given size)")
    Double params;

    @Option(names = "--tokens", paramLabel = "D", description = "target training tokens (with --params)")
    Double tokens;

    @Option(names = "--target", paramLabel = "moe:experts=E,top_k=K,active=N,tokens=D[,granularity=G]",
            description = "an MoE target, forecast from a file's or a registry ladder's dense and MoE runs (columns experts, "
                    + "top_k, optionally granularity, balance and total_params) by the MoE law its backtest and BIC support")
    String moeTarget;

    @Option(names = "--balance", paramLabel = "NAME", defaultValue = "quantile",
            description = "with --ladder and --target: fit the MoE runs of this balancing method (runs that record none are"
                    + " all fitted) (default: ${DEFAULT-VALUE})")
    String balance;

    @Option(names = "--where", paramLabel = "COL=VALUE", description = "with a file: only rows whose column COL is VALUE (e.g. dataset=rpj)")
    String where;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @picocli.CommandLine.Mixin
    ForecasterOptions forecaster;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Formats.check(format);
        Forecaster.Options options = forecaster.options();
        Forecast f;
        if (moeTarget != null) {
            if (compute != null || params != null || tokens != null) {
                throw new IllegalArgumentException("--target moe:… takes N_act and D from the target string: drop --compute,"
                        + " --params, --tokens");
            }
            MoeTarget t = MoeTarget.parse(moeTarget);
            int samples = Math.max(forecaster.bootstrap, 20);
            if (file != null) {
                if (ladder != null || db != null) {
                    throw new IllegalArgumentException("give either FILE.csv or --ladder NAME, not both");
                }
                FitInputs in = FitInputs.load(file, null, where);
                f = in.located(() -> MoeForecaster.forecast(MoeRuns.of(in), t, options, samples));
            } else {
                if (ladder == null) {
                    throw new IllegalArgumentException("give a runs file (FILE.csv) or --ladder NAME");
                }
                if (where != null) {
                    throw new IllegalArgumentException("--where applies to files only");
                }
                f = MoeForecaster.forecast(MoeRuns.fromRegistry(db, ladder, balance), t, options, samples);
            }
            print(f);
            return 0;
        }
        ForecastTarget target = target(compute, params, tokens);
        if (file != null) {
            if (ladder != null || db != null) {
                throw new IllegalArgumentException("give either FILE.csv or --ladder NAME, not both");
            }
            FitInputs in = FitInputs.load(file, null, where);
            f = in.located(() -> Forecaster.forecast(new Ladder(in.observations(), in.grouping()), target, options));
            String several = in.severalLadders();
            if (several != null) {
                f = f.withInputWarning(several);
            }
        } else {
            if (ladder == null) {
                throw new IllegalArgumentException("give a runs file (FILE.csv) or --ladder NAME");
            }
            if (where != null) {
                throw new IllegalArgumentException("--where applies to files only");
            }
            try (Registry registry = scalelab.cli.registry.DbOption.open(Registry.resolvePath(db), Registry.Access.READ_ONLY, Registry.DEFAULT_LOCK_WAIT)) {
                f = Forecaster.forecast(registryLadder(registry, ladder), target, options);
            }
        }
        print(f);
        return 0;
    }

    private void print(Forecast f) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(json.writeValueAsString(scalelab.registry.io.ForecastJson.object(json, f)));
        } else {
            ForecastOutput.text(out, f);
        }
        out.flush();
    }

    /** The target from --compute, or --params with --tokens (C = 6·N·D unless --compute is given too). */
    static ForecastTarget target(Double compute, Double params, Double tokens) {
        if ((params == null) != (tokens == null)) {
            throw new IllegalArgumentException("--params and --tokens go together (a run at a given size)");
        }
        if (params != null) {
            ForecastTarget t = ForecastTarget.run(params, tokens);
            return compute == null ? t : new ForecastTarget(compute, params, tokens);
        }
        if (compute == null) {
            throw new IllegalArgumentException("give the target: --compute C, or --params N --tokens D");
        }
        return ForecastTarget.computeOptimal(compute);
    }

    /** A registry ladder's finished dense runs, grouped by their budgets. */
    public static Ladder registryLadder(Registry registry, String ladder) {
        ObservationSet dense = registry.observationSet(ladder, "dense");
        ObservationSet in = (dense.observations().isEmpty() ? registry.observationSet(ladder) : dense).canonicalOrder();
        if (in.observations().isEmpty()) {
            throw new IllegalArgumentException("no finished runs in ladder " + ladder + " of " + registry.file()
                    + " (known ladders: " + String.join(", ", registry.ladders()) + ")");
        }
        return new Ladder(in.observations(), BudgetGrouping.byLabel(in.observations()));
    }
}
