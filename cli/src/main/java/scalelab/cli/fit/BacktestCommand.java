package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scalelab.fitting.Backtest;

/** {@code scalelab backtest FILE.csv}: extrapolation errors of a method (or every method) at every cut. */
@Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Fit on the budgets up to each cut, predict a held-out larger budget's compute-optimal loss, "
                + "and report the error against its observed minimum.")
public final class BacktestCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.csv")
    Path file;

    @Option(names = "--method", paramLabel = "M",
            description = "vpnls (objective from --loss), vpnls-mse, vpnls-huber, approach3, approach2, asymptote-fitted, "
                    + "asymptote-pinned, a comma list, or all (default: the project default, ${DEFAULT-VALUE})",
            defaultValue = Backtest.DEFAULT_METHOD_NAME)
    String method;

    @Option(names = "--target", defaultValue = "top",
            description = "held-out budget per cut: top (the largest budget), next (the next one up) or all (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--asymptote", paramLabel = "L", description = "L∞ for asymptote-pinned (Marin pins 1.6 for its loss)")
    Double asymptote;

    @Option(names = "--min-budgets", defaultValue = "2", description = "fewest budgets to fit on (default: ${DEFAULT-VALUE})")
    int minBudgets;

    @Option(names = "--max-budget", paramLabel = "C", description = "ignore runs above C FLOPs")
    Double maxBudget;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Mixin
    FitOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Formats.check(format);
        List<Backtest.Method> methods = new ArrayList<>();
        if (method.equalsIgnoreCase("all")) {
            for (Backtest.Method m : Backtest.Method.values()) {
                if (m != Backtest.Method.ASYMPTOTE_PINNED || asymptote != null) {
                    methods.add(m);
                }
            }
        } else {
            for (String s : method.split(",")) {
                String name = s.trim();
                if (name.equalsIgnoreCase("vpnls")) {
                    name = options.objective().kind() == scalelab.fitting.LossObjective.Kind.MSE ? "vpnls-mse" : "vpnls-huber";
                }
                methods.add(Backtest.Method.parse(name));
            }
        }
        Backtest.Target t = switch (target.toLowerCase(Locale.ROOT)) {
            case "top" -> Backtest.Target.TOP;
            case "next" -> Backtest.Target.NEXT;
            case "all" -> Backtest.Target.ALL;
            default -> throw new IllegalArgumentException("--target must be top, next or all, got '" + target + "'");
        };
        if (minBudgets < 2) {
            throw new IllegalArgumentException("--min-budgets must be at least 2");
        }
        FitInputs in = FitInputs.load(file, maxBudget);
        Backtest.Report report = in.located(() -> Backtest.run(in.observations(), in.grouping(), methods, t, options.vpnls(),
                asymptote, minBudgets));
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ArrayNode list = json.createArrayNode();
            for (Backtest.Entry e : report.entries()) {
                ObjectNode o = list.addObject();
                o.put("method", e.method());
                o.put("cut", e.cut());
                o.put("target_budget", e.targetBudget());
                o.put("ratio", e.ratio());
                num(o, "predicted", e.predicted());
                o.put("observed", e.observed());
                num(o, "relative_error_pct", e.relativeErrorPct());
                o.put("budgets_used", e.budgetsUsed());
                o.put("runs_used", e.runsUsed());
                o.put("note", e.note());
            }
            out.println(json.writeValueAsString(list));
        } else {
            if (in.clustered()) {
                out.println(in.grouping().describe());
            }
            out.printf(Locale.ROOT, "%-17s %10s %10s %8s %9s %9s %9s  %s%n", "method", "cut", "target", "ratio", "predicted",
                    "observed", "error %", "note");
            for (Backtest.Entry e : report.entries()) {
                out.printf(Locale.ROOT, "%-17s %10.3e %10.3e %8.1f %9s %9.4f %9s  %s%n", e.method(), e.cut(), e.targetBudget(),
                        e.ratio(), Formats.num(e.predicted()), e.observed(),
                        Double.isFinite(e.relativeErrorPct()) ? String.format(Locale.ROOT, "%+.3f", e.relativeErrorPct()) : "—",
                        e.note());
            }
            out.println();
            out.printf(Locale.ROOT, "%-17s %6s %8s %11s %10s %13s %10s %10s%n", "summary", "cuts", "failed", "mean|err|%",
                    "max|err|%", "err@maxratio%", "MAE", "RMSE");
            for (Backtest.Summary s : report.summaries()) {
                out.printf(Locale.ROOT, "%-17s %6d %8d %11s %10s %13s %10s %10s%n", s.method(), s.predictions(), s.failures(),
                        Formats.num(s.meanAbsErrorPct()), Formats.num(s.maxAbsErrorPct()),
                        Formats.num(s.errorAtLargestRatioPct()), Formats.num(s.maeLoss()), Formats.num(s.rmseLoss()));
            }
            out.println("(MAE/RMSE of predicted vs observed loss, Tribuo regression metrics)");
            if (methods.size() > 1) {
                out.println();
                out.print(commonCutsTable(file.getFileName().toString(), Backtest.commonCuts(report)));
            }
        }
        out.flush();
        return 0;
    }

    /**
     * The README's comparison table for one data set and target: mean (max) |relative error| % of each method over
     * the predictions every method made, the project default first.
     */
    static String commonCutsTable(String dataSet, Backtest.CommonCuts common) {
        List<Backtest.Summary> order = new ArrayList<>();
        common.summaries().stream().filter(x -> x.method().equals(Backtest.DEFAULT_METHOD_NAME)).forEach(order::add);
        common.summaries().stream().filter(x -> !x.method().equals(Backtest.DEFAULT_METHOD_NAME)).forEach(order::add);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "Mean (max) |relative error| %%, over the %d cuts where every method predicts:%n", common.cuts().size()));
        sb.append("| data set | target | cuts |");
        order.forEach(x -> sb.append(' ').append(x.method()).append(" |"));
        sb.append(System.lineSeparator()).append("|---|---|---|");
        order.forEach(x -> sb.append("---|"));
        sb.append(System.lineSeparator()).append(String.format(Locale.ROOT, "| %s | %s | %d |", dataSet,
                common.target().name().toLowerCase(Locale.ROOT), common.cuts().size()));
        for (Backtest.Summary x : order) {
            sb.append(x.predictions() == 0 ? " — |"
                    : String.format(Locale.ROOT, " %.2f (%.2f) |", x.meanAbsErrorPct(), x.maxAbsErrorPct()));
        }
        return sb.append(System.lineSeparator()).toString();
    }

    private static void num(ObjectNode o, String k, double v) {
        if (Double.isFinite(v)) {
            o.put(k, v);
        } else {
            o.putNull(k);
        }
    }
}
