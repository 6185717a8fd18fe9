package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Observation;
import scalelab.fitting.moe.MoeLawComparison;
import scalelab.fitting.moe.MoeLawFit;
import scalelab.fitting.moe.MoeLawFitter;
import scalelab.fitting.moe.MoeObservation;

/**
 * Rolling-origin backtests of a ladder of dense and MoE runs: fit on the budgets up to each cut, forecast every run of a
 * larger budget at its own active N, D and expert configuration — by the MoE forecaster (which chooses its law again at
 * every cut and gives an interval) or by one MoE law.
 */
public final class MoeRollingBacktest {
    private MoeRollingBacktest() {}

    /** The name of the MoE forecaster in entries (the laws go by their own names). */
    public static final String FORECASTER = "forecaster";

    /**
     * One forecast of a held-out run.
     *
     * @param method    {@link #FORECASTER} or an MoE law's name
     * @param cutIndex  index of the last budget fitted on
     * @param cut       that budget's compute
     * @param run       the held-out run
     * @param ratio     the run's compute ÷ the largest compute fitted on
     * @param predicted NaN when there was no forecast (the note says why)
     * @param lo        interval (forecaster only; NaN for a law)
     * @param hi        likewise
     * @param flagged   the forecaster called its forecast unreliable or insufficient
     */
    public record Entry(String method, int cutIndex, double cut, MoeObservation run, double ratio, double predicted, double lo,
                        double hi, boolean flagged, String note) {
        public boolean ok() {
            return Double.isFinite(predicted);
        }

        /** 100·(predicted − observed)/observed, the project's one sign convention. */
        public double relativeErrorPct() {
            return ok() ? 100 * (predicted - run.loss()) / run.loss() : Double.NaN;
        }

        public boolean hasInterval() {
            return Double.isFinite(lo) && Double.isFinite(hi);
        }

        /** The run's loss lies inside the forecaster's interval (false when there is none). */
        public boolean covered() {
            return hasInterval() && run.loss() >= lo && run.loss() <= hi;
        }
    }

    private static final java.util.Comparator<MoeObservation> CANONICAL_ORDER = java.util.Comparator
            .comparingDouble(MoeObservation::flops).thenComparingInt(MoeObservation::experts).thenComparingInt(MoeObservation::topK)
            .thenComparingDouble(MoeObservation::granularity).thenComparingDouble(MoeObservation::activeParams)
            .thenComparingDouble(MoeObservation::tokens).thenComparingDouble(MoeObservation::loss);

    /** The names {@link #run} accepts: the forecaster, then every MoE law of the panel. */
    public static List<String> methodNames() {
        List<String> out = new ArrayList<>(List.of(FORECASTER));
        MoeLawComparison.defaultLaws().forEach(f -> out.add(f.lawName()));
        return out;
    }

    /**
     * @param methods       names from {@link #methodNames}
     * @param minFitBudgets the fewest budgets a cut fits on
     * @param samples       bootstrap refits per forecaster forecast (≥ 20)
     */
    public static List<Entry> run(List<MoeObservation> input, List<String> methods, int minFitBudgets, Forecaster.Options options,
                                  int samples) {
        if (minFitBudgets < 1) {
            throw new IllegalArgumentException("a backtest fits on at least 1 budget");
        }
        List<String> known = methodNames();
        for (String m : methods) {
            if (!known.contains(m)) {
                throw new IllegalArgumentException("unknown MoE backtest method '" + m + "' (expected one of " + known + ")");
            }
        }
        // One order whatever the source (a file, the registry): the same forecasts, entries in the same order.
        List<MoeObservation> runs = input.stream().sorted(CANONICAL_ORDER).toList();
        List<Observation> asDense = runs.stream().map(MoeObservation::toObservation).toList();
        List<BudgetGrouping.Budget> budgets = BudgetGrouping.cluster(asDense, BudgetGrouping.DEFAULT_GAP_DECADES).budgets();
        int k = budgets.size();
        if (k < minFitBudgets + 1) {
            throw new FitInputException("an MoE backtest needs at least " + (minFitBudgets + 1) + " budgets (fit on "
                    + minFitBudgets + ", forecast the runs of a larger one); these runs have " + k);
        }
        int[] budgetOf = new int[runs.size()];
        for (int b = 0; b < k; b++) {
            for (int i : budgets.get(b).members()) {
                budgetOf[i] = b;
            }
        }
        return RollingBacktest.overMethodsAndCuts(methods.size(), minFitBudgets - 1, k - 1, (mi, j) -> {
            String method = methods.get(mi);
            List<MoeObservation> train = IntStream.range(0, runs.size()).filter(i -> budgetOf[i] <= j).mapToObj(runs::get).toList();
            List<MoeObservation> heldOut = IntStream.range(0, runs.size()).filter(i -> budgetOf[i] > j).mapToObj(runs::get).toList();
            double maxTrain = train.stream().mapToDouble(MoeObservation::flops).max().orElseThrow();
            double cut = budgets.get(j).compute();
            return method.equals(FORECASTER) ? byForecaster(j, cut, maxTrain, train, heldOut, options, samples)
                    : byLaw(method, j, cut, maxTrain, train, heldOut);
        });
    }

    private static List<Entry> byForecaster(int j, double cut, double maxTrain, List<MoeObservation> train,
                                            List<MoeObservation> heldOut, Forecaster.Options options, int samples) {
        List<Entry> out = new ArrayList<>();
        for (MoeObservation r : heldOut) {
            try {
                Forecast f = MoeForecaster.forecast(train, r.asTarget(), options, samples);
                out.add(new Entry(FORECASTER, j, cut, r, r.flops() / maxTrain, f.loss(), f.lo(), f.hi(),
                        f.status() != Forecast.Status.OK, f.method()));
            } catch (RuntimeException e) {
                out.add(new Entry(FORECASTER, j, cut, r, r.flops() / maxTrain, Double.NaN, Double.NaN, Double.NaN, false,
                        "no forecast: " + firstLine(e.getMessage())));
            }
        }
        return out;
    }

    private static List<Entry> byLaw(String law, int j, double cut, double maxTrain, List<MoeObservation> train,
                                     List<MoeObservation> heldOut) {
        MoeLawFitter fitter = MoeLawComparison.defaultLaws().stream().filter(f -> f.lawName().equals(law)).findFirst().orElseThrow();
        MoeLawFit fit = null;
        String note;
        try {
            fit = fitter.fit(train);
            note = fit.status() == FitStatus.CONVERGED ? "ok" : fit.status().name().toLowerCase(java.util.Locale.ROOT) + ": "
                    + fit.message();
            if (fit.status() == FitStatus.FAILED) {
                fit = null;
            }
        } catch (RuntimeException e) {
            note = "no forecast: " + firstLine(e.getMessage());
        }
        List<Entry> out = new ArrayList<>();
        for (MoeObservation r : heldOut) {
            double p = Double.NaN;
            String why = note;
            if (fit != null) {
                if (fit.canPredict(r.asTarget())) {
                    p = fit.predict(r.asTarget());
                } else {
                    why = "no forecast: the law does not cover this run's configuration";
                }
            }
            out.add(new Entry(law, j, cut, r, r.flops() / maxTrain, p, Double.NaN, Double.NaN, false, why));
        }
        return out;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
