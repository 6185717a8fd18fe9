package scalelab.fitting;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.tribuo.Example;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableOutputInfo;
import org.tribuo.Prediction;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.evaluation.RegressionMetrics;
import org.tribuo.regression.evaluation.RegressionSufficientStatistics;

/**
 * Extrapolation honesty: fit on the budgets up to a cut, predict the compute-optimal loss of a held-out larger
 * budget, and compare with that budget's observed minimum loss. Repeated over every cut and every method. The report's
 * backtest table uses it; forecasts are chosen by {@link scalelab.fitting.forecast.Forecaster}, whose panel is
 * backtested by {@link scalelab.fitting.forecast.RollingBacktest} (the same protocol, tested equal).
 */
public final class Backtest {
    private Backtest() {}

    /** The methods a backtest compares, by name. */
    public enum Method {
        /** VPNLS, Huber (δ from the options if they are Huber, else 1e-3); L*(C) from the surface. */
        VPNLS_HUBER("vpnls-huber"),
        /** VPNLS, least squares. */
        VPNLS_MSE("vpnls-mse"),
        /** Chinchilla/Epoch Approach 3. */
        APPROACH3("approach3"),
        /** Approach 2's vertex losses extrapolated by a pure power law L*(C) = l·C^γ. */
        APPROACH2("approach2"),
        /** Marin's law L∞ + A·C^−α on vertex losses, L∞ fitted. */
        ASYMPTOTE_FITTED("asymptote-fitted"),
        /** Marin's law with L∞ pinned by the user. */
        ASYMPTOTE_PINNED("asymptote-pinned");

        public final String cliName;

        Method(String cliName) {
            this.cliName = cliName;
        }

        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.cliName.equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown backtest method '" + s + "' (expected one of vpnls-huber, vpnls-mse, "
                    + "approach3, approach2, asymptote-fitted, asymptote-pinned)");
        }
    }

    /** Which held-out budget each cut predicts. */
    public enum Target {
        /** The largest budget of the ladder (the extrapolation ratio grows as the cut falls). */
        TOP,
        /** The next budget above the cut (one step of extrapolation). */
        NEXT,
        /** Every budget above the cut. */
        ALL
    }

    /**
     * One prediction.
     *
     * @param cut              the largest budget used in the fit
     * @param targetBudget     the held-out budget predicted
     * @param ratio            targetBudget / cut
     * @param budgetsUsed      budgets in the fit
     * @param predicted        predicted compute-optimal loss at targetBudget (NaN when the method could not fit)
     * @param observed         the lowest observed loss in the target budget
     * @param relativeErrorPct 100·(predicted − observed)/observed
     * @param note             "ok" or why there is no prediction / what to worry about
     */
    public record Entry(String method, double cut, double targetBudget, double ratio, int budgetsUsed, int runsUsed,
                        double predicted, double observed, double relativeErrorPct, String note) {
        public boolean ok() {
            return Double.isFinite(predicted);
        }
    }

    /**
     * One method's errors over its cuts: mean and max |relative error| in percent, the error at the largest
     * ratio, and MAE / RMSE of the predicted loss (computed with Tribuo's regression metrics).
     */
    public record Summary(String method, int predictions, int failures, double meanAbsErrorPct, double maxAbsErrorPct,
                         double errorAtLargestRatioPct, double maeLoss, double rmseLoss) {}

    public record Report(Target target, List<Entry> entries, List<Summary> summaries) {
        public Report {
            entries = List.copyOf(entries);
            summaries = List.copyOf(summaries);
        }
    }

    /** One held-out prediction of a backtest: the cut fitted up to and the budget predicted. */
    public record Cut(double cut, double targetBudget) {
        static Cut of(Entry e) {
            return new Cut(e.cut(), e.targetBudget());
        }
    }

    /**
     * The methods compared on equal terms: only the predictions that every method of the report made. A method that
     * fails on the hard early cuts would otherwise look better for skipping them.
     *
     * @param cuts      the (cut, target budget) pairs every method predicted, in the report's order
     * @param summaries one per method of the report, in its order, over those predictions only
     */
    public record CommonCuts(Target target, List<Cut> cuts, List<Summary> summaries) {
        public CommonCuts {
            cuts = List.copyOf(cuts);
            summaries = List.copyOf(summaries);
        }

        /** The summary of {@code method}. */
        public Summary of(String method) {
            return summaries.stream().filter(x -> x.method().equals(method)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no method " + method + " in this backtest"));
        }
    }

    /** {@link CommonCuts} of a report (pure: from its entries alone). */
    public static CommonCuts commonCuts(Report report) {
        List<String> methods = report.summaries().stream().map(Summary::method).toList();
        java.util.Map<Cut, java.util.Set<String>> predictedBy = new java.util.LinkedHashMap<>();
        for (Entry e : report.entries()) {
            java.util.Set<String> by = predictedBy.computeIfAbsent(Cut.of(e), k -> new java.util.HashSet<>());
            if (e.ok()) {
                by.add(e.method());
            }
        }
        List<Cut> common = predictedBy.entrySet().stream().filter(x -> x.getValue().containsAll(methods))
                .map(java.util.Map.Entry::getKey).toList();
        java.util.Set<Cut> keep = new java.util.HashSet<>(common);
        List<Summary> summaries = new ArrayList<>();
        for (String m : methods) {
            summaries.add(summarise(m, report.entries().stream().filter(x -> x.method().equals(m) && keep.contains(Cut.of(x))).toList()));
        }
        return new CommonCuts(report.target(), common, summaries);
    }

    /**
     * @param pinnedAsymptote L∞ for ASYMPTOTE_PINNED (ignored otherwise; required when that method is asked for)
     * @param minBudgets      the smallest number of budgets to fit on (≥ 2)
     */
    public static Report run(List<Observation> observations, BudgetGrouping grouping, List<Method> methods,
                             Target target, Vpnls.Options vpnls, Double pinnedAsymptote, int minBudgets) {
        List<BudgetGrouping.Budget> budgets = grouping.budgets();
        int k = budgets.size();
        if (k < minBudgets + 1) {
            throw new FitInputException("a backtest needs at least " + (minBudgets + 1) + " budgets (fit on " + minBudgets
                    + ", predict one more); got " + k);
        }
        if (methods.contains(Method.ASYMPTOTE_PINNED) && pinnedAsymptote == null) {
            throw new IllegalArgumentException("asymptote-pinned needs the asymptote L∞ (e.g. --asymptote 1.6)");
        }
        // Cuts: fit once on budgets [0, j], j = minBudgets−1 … k−2, then predict the target budget(s) above j.
        List<Entry> entries = new ArrayList<>();
        for (Method m : methods) {
            // Cuts are independent: run them on both cores (Approach 3 parallelises inside, so keep it serial).
            IntStream stream = IntStream.range(minBudgets - 1, k - 1);
            if (m != Method.APPROACH3) {
                stream = stream.parallel();
            }
            List<List<Entry>> perCut = stream.mapToObj(j -> {
                List<Integer> targets = new ArrayList<>();
                if (target == Target.TOP) {
                    targets.add(k - 1);
                } else if (target == Target.NEXT) {
                    targets.add(j + 1);
                } else {
                    for (int t = j + 1; t < k; t++) {
                        targets.add(t);
                    }
                }
                return entries(observations, budgets, j, targets, m, vpnls, pinnedAsymptote);
            }).toList();
            perCut.forEach(entries::addAll);
        }
        List<Summary> summaries = new ArrayList<>();
        for (Method m : methods) {
            summaries.add(summarise(m.cliName, entries.stream().filter(e -> e.method().equals(m.cliName)).toList()));
        }
        return new Report(target, entries, summaries);
    }

    /** Fits method m on budgets [0, lastUsed] and predicts each target budget. */
    static List<Entry> entries(List<Observation> all, List<BudgetGrouping.Budget> budgets, int lastUsed,
                               List<Integer> targets, Method m, Vpnls.Options vpnls, Double pinned) {
        List<Observation> train = new ArrayList<>();
        List<BudgetGrouping.Budget> trainBudgets = new ArrayList<>();
        for (int b = 0; b <= lastUsed; b++) {
            List<Integer> members = new ArrayList<>();
            for (int i : budgets.get(b).members()) {
                members.add(train.size());
                train.add(all.get(i));
            }
            trainBudgets.add(new BudgetGrouping.Budget(budgets.get(b).compute(), members));
        }
        BudgetGrouping trainGrouping = new BudgetGrouping("training budgets", trainBudgets);
        double cut = budgets.get(lastUsed).compute();
        java.util.function.DoubleUnaryOperator predictor = null;
        String note = "ok";
        try {
            switch (m) {
                case VPNLS_HUBER, VPNLS_MSE, APPROACH3 -> {
                    LossObjective huber = vpnls.objective().kind() == LossObjective.Kind.HUBER ? vpnls.objective()
                            : LossObjective.huber(1e-3);
                    FitResult r = m == Method.APPROACH3 ? Approach3.fit(train)
                            : Vpnls.fit(train, vpnls.withObjective(m == Method.VPNLS_HUBER ? huber : LossObjective.MSE));
                    predictor = c -> r.optimalAt(c).loss();
                    if (r.status() != FitStatus.CONVERGED) {
                        note = r.status().name().toLowerCase(Locale.ROOT) + ": " + r.message();
                    }
                }
                case APPROACH2 -> {
                    FitResult r = Approach2.fit(train, trainGrouping);
                    predictor = c -> r.optimalAt(c).loss();
                }
                case ASYMPTOTE_FITTED, ASYMPTOTE_PINNED -> {
                    FitResult a2 = Approach2.fit(train, trainGrouping);
                    List<BudgetParabola> used = a2.approach2().budgets().stream().filter(BudgetParabola::used).toList();
                    double[] c = used.stream().mapToDouble(BudgetParabola::compute).toArray();
                    double[] l = used.stream().mapToDouble(BudgetParabola::vertexLoss).toArray();
                    AsymptoteLaw law = m == Method.ASYMPTOTE_PINNED ? AsymptoteLaw.fitPinned(c, l, pinned)
                            : AsymptoteLaw.fitFree(c, l);
                    predictor = law::at;
                    if (m == Method.ASYMPTOTE_FITTED && c.length == 3) {
                        note = "3 vertices for 3 parameters: the law interpolates (fragile)";
                    } else if (m == Method.ASYMPTOTE_FITTED && law.asymptote() == 0.0) {
                        note = "L∞ fitted at its lower bound 0";
                    }
                }
                default -> throw new IllegalStateException();
            }
        } catch (RuntimeException e) {
            predictor = null;
            note = "no prediction: " + e.getMessage();
        }
        List<Entry> out = new ArrayList<>();
        for (int t : targets) {
            BudgetGrouping.Budget tb = budgets.get(t);
            double observed = Double.POSITIVE_INFINITY;
            for (int i : tb.members()) {
                observed = Math.min(observed, all.get(i).loss());
            }
            double predicted = Double.NaN;
            String entryNote = note;
            if (predictor != null) {
                try {
                    predicted = predictor.applyAsDouble(tb.compute());
                } catch (RuntimeException e) {
                    entryNote = "no prediction: " + e.getMessage();
                }
            }
            double rel = Double.isFinite(predicted) ? 100 * (predicted - observed) / observed : Double.NaN;
            out.add(new Entry(m.cliName, cut, tb.compute(), tb.compute() / cut, lastUsed + 1, train.size(), predicted,
                    observed, rel, entryNote));
        }
        return out;
    }

    static Summary summarise(String method, List<Entry> entries) {
        List<Entry> ok = entries.stream().filter(Entry::ok).toList();
        if (ok.isEmpty()) {
            return new Summary(method, 0, entries.size(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double sum = 0, max = 0, atLargest = Double.NaN, largestRatio = -1;
        for (Entry e : ok) {
            double a = Math.abs(e.relativeErrorPct());
            sum += a;
            max = Math.max(max, a);
            if (e.ratio() > largestRatio) {
                largestRatio = e.ratio();
                atLargest = e.relativeErrorPct();
            }
        }
        // Tribuo's regression metrics over the (predicted, observed) pairs of all cuts.
        RegressionFactory factory = new RegressionFactory();
        MutableOutputInfo<Regressor> info = factory.generateInfo();
        List<Prediction<Regressor>> predictions = new ArrayList<>();
        for (Entry e : ok) {
            Regressor truth = new Regressor("loss", e.observed());
            info.observe(truth);
            Example<Regressor> example = new ArrayExample<>(truth);
            predictions.add(new Prediction<>(new Regressor("loss", e.predicted()), 0, example));
        }
        ImmutableOutputInfo<Regressor> domain = info.generateImmutableOutputInfo();
        RegressionSufficientStatistics stats = new RegressionSufficientStatistics(domain, predictions, false);
        Regressor dim = new Regressor("loss", Double.NaN);
        double mae = RegressionMetrics.mae(dim, stats);
        double rmse = RegressionMetrics.rmse(dim, stats);
        return new Summary(method, ok.size(), entries.size() - ok.size(), sum / ok.size(), max, atLargest, mae, rmse);
    }
}
