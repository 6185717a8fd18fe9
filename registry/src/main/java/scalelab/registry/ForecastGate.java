package scalelab.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.IsoFlopMinimum;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastBenchmark;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.fitting.forecast.MoeRollingBacktest;
import scalelab.fitting.forecast.RollingBacktest;
import scalelab.fitting.moe.MoeObservation;

/**
 * The quality gate a forecast passes before it is filed: can the ladder support the extrapolation asked of it? Each
 * check gives PASS, CAVEAT or REFUSE, and the worst is the verdict.
 * <ol>
 * <li>Interior minima: a budget whose IsoFLOP parabola has no minimum inside its sizes does not locate the optimum.
 * More than half of the budgets without one, or fewer than two with one, and the ladder has no frontier to
 * extrapolate along: refuse. Any without one: caveat.</li>
 * <li>Leave one budget out: how far the compute-optimal forecast at the target's compute moves when each budget is
 * left out. Over {@link #REFUSE_ERROR}: the ladder does not determine the answer, refuse; over the forecaster's
 * instability threshold, or not measurable (fewer than 3 budgets): caveat.</li>
 * <li>Backtest at the largest ratio: the combined forecaster's error where the ladder's own backtests extrapolate
 * furthest, scaled to the target's ratio by log10(1 + ratio) as the forecaster scales its model error. No backtest, a
 * target over {@link #MAX_RATIO_BEYOND_BACKTEST}× past it, or a scaled error over {@link #REFUSE_ERROR}: refuse; over
 * {@link #CAVEAT_ERROR}: caveat.</li>
 * <li>The forecast's own status: UNRELIABLE or INSUFFICIENT is a caveat.</li>
 * </ol>
 * An MoE forecast gets checks 2–4 and the interval rule too ({@link #checkMoe}), from its law's own backtests. So does a
 * forecast of a run at a given N and D on a ladder without a compute-optimal frontier (over half of its budgets without
 * an interior minimum: an over-trained ladder, one or two runs a budget), judged on the evidence it was made from — the
 * runs backtest (each larger model's runs forecast from the smaller models' at their own N and D) and its own
 * leave-one-budget-out — with check 1 a caveat saying so: the frontier check would refuse every such ladder, although
 * the forecast never extrapolates along a frontier. On a ladder with a frontier a run target is judged as the
 * compute-optimal forecast at its compute: its runs backtest cuts at model sizes, and an IsoFLOP ladder's smallest
 * sizes reach its largest budget, so that backtest measures no extrapolation in compute.
 * The interval filed is the forecaster's, widened when it is narrower than the scaled backtest error (at the
 * forecaster's own quantile) or than the leave-one-budget-out forecasts: an interval that the ladder's own backtests
 * or budgets would already fall outside is not honest. Widening is itself a caveat.
 */
public final class ForecastGate {
    /** Scaled backtest error or leave-one-out spread above which a forecast carries a caveat (the quickstart's 2% aim). */
    public static final double CAVEAT_ERROR = 0.02;
    /** Scaled backtest error or leave-one-out spread above which the gate refuses: not a forecast worth preregistering. */
    public static final double REFUSE_ERROR = 0.05;
    /** How far past its largest backtest ratio a ladder may be asked to extrapolate (the forecaster warns there too). */
    public static final double MAX_RATIO_BEYOND_BACKTEST = 10;
    /** The fewest budgets an MoE law's backtest fits on: one budget alone cannot tell N's exponent from D's. */
    public static final int MOE_MIN_FIT_BUDGETS = 2;

    public enum Verdict { PASS, CAVEAT, REFUSE }

    /** One check: its name, verdict and what it found, in a sentence. */
    public record Check(String name, Verdict verdict, String finding) {}

    /**
     * @param verdict                the worst check's verdict
     * @param checks                 every check, in order
     * @param lo                     the interval to file: the forecaster's, widened when needed
     * @param hi                     likewise
     * @param widened                whether the gate widened the forecaster's interval
     * @param budgetsWithoutMinimum  budgets (FLOPs) whose runs have no interior minimum
     * @param looSpreadPct           max |leave-one-budget-out − point| / point of the forecast judged (the compute-optimal one
     *                               at the target's compute, or a run target's own), % (NaN: not measured)
     * @param backtestRatio          the largest ratio the ladder's backtests reached (NaN: no backtest)
     * @param backtestErrorPct       the combined forecaster's signed error there, % (NaN: no backtest)
     * @param targetRatio            the target's compute ÷ the ladder's largest budget (judged on runs: ÷ its largest run)
     * @param expectedErrorPct       |backtest error| scaled to the target's ratio, % (NaN: no backtest)
     */
    public record Result(Verdict verdict, List<Check> checks, double lo, double hi, boolean widened,
                         List<Double> budgetsWithoutMinimum, double looSpreadPct, double backtestRatio,
                         double backtestErrorPct, double targetRatio, double expectedErrorPct) {
        public Result {
            checks = List.copyOf(checks);
            budgetsWithoutMinimum = List.copyOf(budgetsWithoutMinimum);
        }

        /**
         * This result with one more check, one the caller can make and the gate cannot (the gate sees the ladder's
         * points, not how its runs and the target were trained); the verdict becomes the worst of them.
         */
        public Result withCheck(Check check) {
            List<Check> all = new ArrayList<>(checks);
            all.add(check);
            Verdict worst = all.stream().map(Check::verdict).max(Comparator.naturalOrder()).orElseThrow();
            return new Result(worst, all, lo, hi, widened, budgetsWithoutMinimum, looSpreadPct, backtestRatio,
                    backtestErrorPct, targetRatio, expectedErrorPct);
        }

        /** The findings of the checks that did not pass. */
        public List<String> reasons() {
            return checks.stream().filter(c -> c.verdict() != Verdict.PASS).map(c -> c.name() + ": " + c.finding()).toList();
        }

        /** One clause for the entry's hashed interval note. */
        public String note(boolean forced) {
            return "quality gate: " + verdict.name().toLowerCase(Locale.ROOT)
                    + (forced && verdict == Verdict.REFUSE ? ", filed anyway (--force)" : "")
                    + (widened ? "; interval widened to [" + fmt(lo) + ", " + fmt(hi) + "]" : "")
                    + (reasons().isEmpty() ? "" : " (" + reasons().size() + " reason(s) in the forecast field's gate)");
        }

        /** What the gate found, one line per check, for the terminal. */
        public List<String> describe() {
            List<String> out = new ArrayList<>();
            out.add("quality gate: " + verdict.name().toLowerCase(Locale.ROOT) + switch (verdict) {
                case PASS -> " (the ladder supports this extrapolation)";
                case CAVEAT -> " (filed with the caveats below recorded)";
                case REFUSE -> " (the ladder cannot support this extrapolation)";
            });
            for (Check c : checks) {
                out.add(String.format(Locale.ROOT, "  %-6s %s: %s", c.verdict().name().toLowerCase(Locale.ROOT), c.name(), c.finding()));
            }
            return out;
        }
    }

    private ForecastGate() {}

    /**
     * Judges {@code forecast} of a target beyond {@code ladder}: gathers the compute-optimal evidence at the target's
     * compute (backtests and leave-one-budget-out, without bootstrap) with the forecaster's {@code options}, then
     * checks. The forecast may be at a given size (its own evidence then has no budget-level backtests).
     */
    public static Result check(Ladder ladder, Forecast forecast, Forecaster.Options options) {
        List<Double> without = budgetsWithoutMinimum(ladder);
        boolean runs = judgedOnRuns(ladder, forecast, without);
        Forecaster.Evidence evidence;
        try {
            evidence = Forecaster.gather(ladder, runs, options.withBootstrap(0, options.seed()));
        } catch (RuntimeException e) {
            return runs ? judgeRuns(ladder, forecast, without, List.of(), why(e))
                    : judge(ladder, forecast, without, null, List.of(), why(e));
        }
        return judge(ladder, forecast, evidence, false, without);
    }

    /**
     * The gate as a backtest's judge ({@code backtest}, {@code bench forecast}): its verdict on a forecast made at a cut
     * from the sub-ladder seen there, lower case; "" for a run target on a ladder with a frontier, which is judged on
     * compute-optimal evidence that a runs backtest does not gather.
     */
    public static final ForecastBenchmark.Judge BACKTEST_JUDGE = (seen, forecast, evidence) -> {
        List<Double> without = budgetsWithoutMinimum(seen);
        return forecast.target().atGivenSize() && !withoutFrontier(seen, without) ? ""
                : judge(seen, forecast, evidence, true, without).verdict().name().toLowerCase(Locale.ROOT);
    };

    /**
     * A run target on a ladder without a compute-optimal frontier is judged on its runs backtest (class comment);
     * {@code without}: the ladder's budgets without an interior minimum.
     */
    private static boolean judgedOnRuns(Ladder ladder, Forecast forecast, List<Double> without) {
        return forecast.target().atGivenSize() && withoutFrontier(ladder, without);
    }

    /** The interior-minima check's refusal: over half of the budgets, or all but one, without an interior minimum. */
    private static boolean withoutFrontier(Ladder ladder, List<Double> without) {
        return without.size() * 2 > ladder.budgetCount() || ladder.budgetCount() - without.size() < 2;
    }

    /**
     * {@link #check} with the evidence the forecast was made from already at hand (as a backtest has it at each cut):
     * the compute-optimal forecast at the target's compute is {@code forecast} itself when that is its target, else
     * made from {@code evidence}; a run target on a ladder without a frontier needs the runs evidence it was made from.
     */
    public static Result check(Ladder ladder, Forecast forecast, Forecaster.Evidence evidence) {
        return judge(ladder, forecast, evidence, true, budgetsWithoutMinimum(ladder));
    }

    /**
     * Judges {@code forecast} on {@code evidence}'s compute-optimal forecast at its compute: {@code forecast} itself
     * when {@code reuse} and that is its target.
     */
    private static Result judge(Ladder ladder, Forecast forecast, Forecaster.Evidence evidence, boolean reuse,
                                List<Double> without) {
        if (judgedOnRuns(ladder, forecast, without)) {
            if (!evidence.runsMode()) {
                throw new IllegalArgumentException("a run target on a ladder without a frontier is judged on runs evidence");
            }
            return judgeRuns(ladder, forecast, without, evidence.entries(), null);
        }
        Forecast optimal;
        try {
            optimal = reuse && !forecast.target().atGivenSize() ? forecast
                    : evidence.forecast(ForecastTarget.computeOptimal(forecast.target().compute()));
        } catch (RuntimeException e) {
            return judge(ladder, forecast, without, null, List.of(), why(e));
        }
        return judge(ladder, forecast, without, optimal, evidence.entries(), null);
    }

    /** What went wrong, for a finding. */
    private static String why(RuntimeException e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /**
     * @param without  the ladder's budgets without an interior minimum ({@link #budgetsWithoutMinimum})
     * @param optimal  the compute-optimal forecast at the target's compute (null when it could not be made)
     * @param entries  the rolling-origin backtests behind {@code optimal}
     * @param failure  why {@code optimal} could not be made, else null
     */
    static Result judge(Ladder ladder, Forecast forecast, List<Double> without, Forecast optimal,
                        List<RollingBacktest.Entry> entries, String failure) {
        List<Check> checks = new ArrayList<>();
        double targetRatio = forecast.target().compute() / ladder.largestBudget();

        // 1. Interior minima.
        String list = without.stream().map(ForecastGate::flops).toList().toString();
        if (withoutFrontier(ladder, without)) {
            checks.add(new Check("interior minima", Verdict.REFUSE, String.format(Locale.ROOT, "%d of %d budgets have no "
                    + "minimum inside their sizes %s: the ladder does not locate the compute-optimal frontier it would "
                    + "extrapolate along; widen or re-centre the sizes", without.size(), ladder.budgetCount(), list)));
        } else if (!without.isEmpty()) {
            checks.add(new Check("interior minima", Verdict.CAVEAT, String.format(Locale.ROOT, "%d of %d budgets have no "
                    + "minimum inside their sizes %s", without.size(), ladder.budgetCount(), list)));
        } else {
            checks.add(new Check("interior minima", Verdict.PASS, "every budget has a minimum inside its sizes"));
        }

        double[] backtest = optimal == null ? null : largestRatioError(optimal, entries);
        String noBacktest = "no backtest of the forecaster on this ladder (" + (optimal == null ? failure
                : "a backtest fits 2 budgets and forecasts a third") + "): nothing shows it extrapolates";
        String said = backtest == null ? null : String.format(Locale.ROOT, "%+.2f%% at %.3g× (the largest ratio backtested)",
                100 * backtest[1], backtest[0]);
        return judgeEvidence(checks, without, forecast, targetRatio, optimal, optimal == null ? failure : null,
                backtest, said, noBacktest);
    }

    /**
     * A run target on a ladder without a frontier ({@link #judgedOnRuns}), judged on {@code entries}, the runs backtest
     * behind {@code forecast}, and on its own leave-one-budget-out.
     *
     * @param without the ladder's budgets without an interior minimum
     * @param failure why there is no runs backtest, else null
     */
    static Result judgeRuns(Ladder ladder, Forecast forecast, List<Double> without, List<RollingBacktest.Entry> entries,
                            String failure) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("interior minima", Verdict.CAVEAT, String.format(Locale.ROOT, "%d of %d budgets have no minimum "
                + "inside their sizes: no compute-optimal frontier, so the run at N = %.3g, D = %.3g is judged on the runs "
                + "backtest (held-out larger models' runs) instead", without.size(), ladder.budgetCount(),
                forecast.target().params(), forecast.target().tokens())));
        double[] backtest = failure == null ? largestRatioError(forecast, entries) : null;
        String said = backtest == null ? null : String.format(Locale.ROOT, "%+.2f%% at %.3g× (the largest ratio of the runs "
                + "backtest: a held-out run's compute ÷ the largest of the runs it was forecast from)", 100 * backtest[1], backtest[0]);
        String noBacktest = "no runs backtest of the forecaster on this ladder (" + (failure != null ? failure
                : "none of its held-out runs was forecast") + "): nothing shows it extrapolates";
        return judgeEvidence(checks, without, forecast, forecast.ratio(), forecast, failure, backtest, said, noBacktest);
    }

    /**
     * Judges an MoE forecast ({@link scalelab.fitting.forecast.MoeForecaster}) of {@code runs} made with MoE law
     * {@code law}. The MoE laws fit runs, not IsoFLOP minima, so there is no interior-minimum check; the rest is the
     * dense gate's: the forecast's own leave-one-budget-out spread; the law's rolling-origin backtest at its largest
     * ratio (fitted on the fewest budgets it can be, {@link #MOE_MIN_FIT_BUDGETS}; the mean |error| over the runs held
     * out there, since an MoE budget holds runs of several configurations) scaled to the target's ratio; the forecast's
     * status; and an interval that covers both.
     */
    public static Result checkMoe(List<MoeObservation> runs, Forecast forecast, String law, Forecaster.Options options) {
        double[] backtest = null;
        String failure = null;
        try {
            // one law, no bootstrap: the last argument (refits per forecaster forecast) is unused for a law
            List<MoeRollingBacktest.Entry> ok = MoeRollingBacktest.run(runs, List.of(law), MOE_MIN_FIT_BUDGETS, options, 20)
                    .stream().filter(MoeRollingBacktest.Entry::ok).toList();
            double top = ok.stream().mapToDouble(MoeRollingBacktest.Entry::ratio).max().orElse(Double.NaN);
            if (Double.isFinite(top)) {
                double meanAbs = ok.stream().filter(e -> e.ratio() >= top * (1 - 1e-9))
                        .mapToDouble(e -> Math.abs(e.relativeErrorPct()) / 100).average().orElseThrow();
                backtest = new double[] {top, meanAbs};
            } else {
                failure = "the law forecast no held-out run at any cut";
            }
        } catch (RuntimeException e) {
            failure = why(e).lines().findFirst().orElse("");
        }
        String said = backtest == null ? null : String.format(Locale.ROOT, "mean |error| %.2f%% over the runs held out at "
                + "%.3g× (the largest ratio of the rolling backtest of %s)", 100 * backtest[1], backtest[0], law);
        return judgeEvidence(new ArrayList<>(), List.of(), forecast, forecast.ratio(), forecast, null, backtest, said,
                "no backtest of the " + law + " law (" + failure + "): nothing shows it extrapolates");
    }

    /**
     * The checks every forecast gets, after any the caller made: leave one budget out, the backtest at the largest
     * ratio scaled to the target's, the forecast's status, and the interval.
     *
     * @param optimal      the forecast whose leave-one-budget-out refits are judged (null: none could be made)
     * @param failure      why {@code optimal} could not be made, else null
     * @param backtest     {ratio, relative error} of the backtest the target's error is scaled from (null: none)
     * @param backtestSaid that backtest's error and ratio, said for the finding
     * @param noBacktest   the finding when there is none
     */
    private static Result judgeEvidence(List<Check> checks, List<Double> without, Forecast forecast, double targetRatio,
                                        Forecast optimal, String failure, double[] backtest, String backtestSaid,
                                        String noBacktest) {
        // Leave one budget out.
        double spread = optimal == null ? Double.NaN : optimal.looSpreadPct() / 100;
        if (!Double.isFinite(spread)) {
            checks.add(new Check("leave one budget out", Verdict.CAVEAT, optimal == null ? "not measured: " + failure
                    : optimal.leaveOneOut().isEmpty() ? "not measured (fewer than 3 budgets)"
                    : "not measured: no refit without one budget could forecast (the methods combined need more budgets"
                    + " than remain)"));
        } else {
            Verdict v = spread > REFUSE_ERROR ? Verdict.REFUSE : spread > Forecaster.UNSTABLE_SPREAD ? Verdict.CAVEAT : Verdict.PASS;
            checks.add(new Check("leave one budget out", v, String.format(Locale.ROOT, "leaving one budget out moves the "
                    + "forecast by up to %.2f%%%s", 100 * spread, v == Verdict.REFUSE ? ": the ladder does not determine it" : "")));
        }

        // The backtest error at the largest ratio, scaled to the target's.
        double expected = Double.NaN;
        if (backtest == null) {
            checks.add(new Check("backtest at the largest ratio", Verdict.REFUSE, noBacktest));
        } else {
            expected = Math.abs(backtest[1]) * growth(targetRatio) / growth(backtest[0]);
            String found = backtestSaid + String.format(Locale.ROOT, "; scaled to the target's %.3g×: %.2f%%",
                    targetRatio, 100 * expected);
            Verdict v;
            if (targetRatio > MAX_RATIO_BEYOND_BACKTEST * backtest[0]) {
                v = Verdict.REFUSE;
                found += String.format(Locale.ROOT, "; the target is over %.0f× past the largest backtest", MAX_RATIO_BEYOND_BACKTEST);
            } else {
                v = expected > REFUSE_ERROR ? Verdict.REFUSE : expected > CAVEAT_ERROR ? Verdict.CAVEAT : Verdict.PASS;
            }
            checks.add(new Check("backtest at the largest ratio", v, found));
        }

        // The forecast's own status.
        checks.add(forecast.status() == Forecast.Status.OK
                ? new Check("forecast status", Verdict.PASS, "ok")
                : new Check("forecast status", Verdict.CAVEAT, forecast.status().name().toLowerCase(Locale.ROOT)
                + (forecast.warnings().isEmpty() ? "" : ": " + String.join("; ", forecast.warnings()))));

        // An honest interval: at least the scaled backtest error, and every leave-one-budget-out forecast.
        double lo = forecast.lo(), hi = forecast.hi(), point = forecast.loss();
        if (Double.isFinite(expected)) {
            double half = quantile(forecast) * expected;
            lo = Math.min(lo, point * Math.exp(-half));
            hi = Math.max(hi, point * Math.exp(half));
        }
        if (optimal != null) {
            for (Forecast.LeftOut x : optimal.leaveOneOut()) {
                if (Double.isFinite(x.loss())) {
                    lo = Math.min(lo, point * x.loss() / optimal.loss());
                    hi = Math.max(hi, point * x.loss() / optimal.loss());
                }
            }
        }
        boolean widened = lo < forecast.lo() * (1 - 1e-12) || hi > forecast.hi() * (1 + 1e-12);
        checks.add(widened
                ? new Check("interval", Verdict.CAVEAT, String.format(Locale.ROOT, "the forecaster's [%s, %s] is narrower than "
                + "the scaled backtest error or the leave-one-budget-out forecasts: widened to [%s, %s]",
                fmt(forecast.lo()), fmt(forecast.hi()), fmt(lo), fmt(hi)))
                : new Check("interval", Verdict.PASS, "covers the scaled backtest error and every leave-one-budget-out forecast"));

        Verdict verdict = checks.stream().map(Check::verdict).max(Comparator.naturalOrder()).orElseThrow();
        return new Result(verdict, checks, lo, hi, widened, without, 100 * spread,
                backtest == null ? Double.NaN : backtest[0], backtest == null ? Double.NaN : 100 * backtest[1],
                targetRatio, 100 * expected);
    }

    /** Budgets without an interior minimum ({@link IsoFlopMinimum}: the test the shape report and the forecaster use). */
    static List<Double> budgetsWithoutMinimum(Ladder ladder) {
        return IsoFlopMinimum.lacking(ladder.observations(), ladder.grouping()).keySet().stream()
                .map(BudgetGrouping.Budget::compute).toList();
    }

    /**
     * {ratio, signed relative error} of the forecaster's combination (its weights, renormalised over the methods that
     * forecast there) at the largest ratio its backtests reached; the worst held-out point when several share it.
     * Null when no combined method has a backtest forecast.
     */
    static double[] largestRatioError(Forecast optimal, List<RollingBacktest.Entry> entries) {
        Map<String, Double> weight = new LinkedHashMap<>();
        optimal.weights().forEach(w -> weight.put(w.method(), w.weight()));
        List<RollingBacktest.Entry> ok = entries.stream().filter(e -> e.ok() && weight.containsKey(e.method())).toList();
        double top = ok.stream().mapToDouble(RollingBacktest.Entry::ratio).max().orElse(Double.NaN);
        if (!Double.isFinite(top)) {
            return null;
        }
        Map<String, double[]> byKey = new LinkedHashMap<>(); // key -> {Σw, Σw·predicted, observed}
        for (RollingBacktest.Entry e : ok) {
            if (e.ratio() >= top * (1 - 1e-9)) {
                double w = weight.get(e.method());
                double[] acc = byKey.computeIfAbsent(e.key(), k -> new double[] {0, 0, e.observed()});
                acc[0] += w;
                acc[1] += w * e.predicted();
            }
        }
        double worst = 0;
        for (double[] acc : byKey.values()) {
            double err = (acc[1] / acc[0] - acc[2]) / acc[2];
            if (Math.abs(err) >= Math.abs(worst)) {
                worst = err;
            }
        }
        return new double[] {top, worst};
    }

    /** The forecaster's growth of extrapolation error with the ratio: log10(1 + ratio). */
    private static double growth(double ratio) {
        return Math.log10(1 + Math.max(ratio, 1));
    }

    /** The forecast's own interval quantile; the normal one at its level when it has none. */
    private static double quantile(Forecast f) {
        double q = f.interval().quantile();
        return Double.isFinite(q) && q > 0 ? q
                : new org.apache.commons.math3.distribution.NormalDistribution().inverseCumulativeProbability(0.5 + f.level() / 2);
    }

    private static String flops(double c) {
        return String.format(Locale.ROOT, "%.3g", c);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
