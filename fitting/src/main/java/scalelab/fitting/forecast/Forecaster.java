package scalelab.fitting.forecast;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.commons.math3.distribution.FDistribution;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.ContentHash;
import scalelab.fitting.FitInputException;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.IsoFlopMinimum;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;

/**
 * Turns a ladder into a forecast with an honest interval. The ladder's own rolling-origin backtests (fit up to a cut,
 * forecast every larger budget) score each panel method, weighted toward backtests at extrapolation ratios like the
 * target's; the methods whose score the evidence cannot tell from the best's are combined; the interval combines the
 * combination's backtest error, scaled to the target's ratio, with the bootstrap spread; leave-one-budget-out refits
 * measure how fragile the point is.
 * The rule and its constants are justified in the README ("How the forecaster chooses") from {@code bench forecast}.
 */
public final class Forecaster {

    /**
     * @param panel             the methods to choose from
     * @param level             nominal interval coverage, e.g. 0.9
     * @param bootstrapSamples  refits of runs resampled within budgets (0: no bootstrap term)
     * @param seed              bootstrap seed
     * @param kernelDecades     bandwidth, in decades of ratio, of the weighting of backtest forecasts toward the
     *                          target's ratio when scoring methods
     * @param priorErrorPerUnit the prior model error (relative, per unit of log10(1 + ratio)) that thin evidence is
     *                          shrunk toward; from the development suite (README)
     * @param priorCuts         how many backtest cuts the prior is worth
     * @param combineLevel      a method is combined with the best-scoring one while its mean square ÷ the best's lies
     *                          below this quantile of F(ν, ν_best), ν being each one's effective backtest cuts plus
     *                          the prior's: methods the evidence cannot tell apart are averaged, fewer the more
     *                          evidence there is
     * @param minFitBudgets     fewest budgets a backtest cut fits on
     * @param recencyDecades    the interval's model error weighs a backtest cut ×1/10 per this many decades of compute
     *                          below the latest cut (infinity: every cut alike)
     */
    public record Options(List<ForecastMethod> panel, double level, int bootstrapSamples, long seed, double kernelDecades,
                          double priorErrorPerUnit, double priorCuts, double combineLevel, int minFitBudgets,
                          double recencyDecades) {
        public Options {
            panel = List.copyOf(panel);
            if (panel.isEmpty()) {
                throw new IllegalArgumentException("the forecasting panel needs at least one method");
            }
            if (!(level > 0 && level < 1)) {
                throw new IllegalArgumentException("interval level must lie in (0, 1), got " + level);
            }
            // each problem named with its value (a record's toString here would show the fields not yet assigned)
            require(bootstrapSamples >= 0, "bootstrap samples must be ≥ 0, got " + bootstrapSamples);
            require(kernelDecades > 0, "the ratio kernel's width must be > 0 decades, got " + kernelDecades);
            require(priorErrorPerUnit > 0, "the prior error rate must be > 0, got " + priorErrorPerUnit);
            require(priorCuts >= 0, "the prior's weight in cuts must be ≥ 0, got " + priorCuts);
            require(combineLevel > 0 && combineLevel < 1, "the combination level (an F quantile) must lie in (0, 1), got "
                    + combineLevel);
            require(minFitBudgets >= 1, "a backtest cut fits at least 1 budget, got " + minFitBudgets);
            require(recencyDecades > 0, "the interval's memory must be > 0 decades, got " + recencyDecades);
        }

        private static void require(boolean ok, String problem) {
            if (!ok) {
                throw new IllegalArgumentException(problem);
            }
        }

        /** The default forecaster (README): level 0.9, 100 bootstrap refits. */
        public static Options defaults(Double pinnedAsymptote) {
            return new Options(PanelMethods.defaultPanel(pinnedAsymptote, false), 0.9, 100, 1, 0.5, 0.015, 2, COMBINE_LEVEL, 2, RECENCY_DECADES);
        }

        public Options withLevel(double l) {
            return new Options(panel, l, bootstrapSamples, seed, kernelDecades, priorErrorPerUnit, priorCuts, combineLevel, minFitBudgets, recencyDecades);
        }

        public Options withBootstrap(int samples, long s) {
            return new Options(panel, level, samples, s, kernelDecades, priorErrorPerUnit, priorCuts, combineLevel, minFitBudgets, recencyDecades);
        }

        public Options withPanel(List<ForecastMethod> p) {
            return new Options(p, level, bootstrapSamples, seed, kernelDecades, priorErrorPerUnit, priorCuts, combineLevel, minFitBudgets, recencyDecades);
        }

        /**
         * A method's score: its squared relative error per unit of log10(1 + ratio), measured as {@code meanSquare} over
         * {@code cuts} backtest cuts, shrunk toward the prior (worth {@link #priorCuts} cuts); the prior alone without
         * evidence.
         */
        double shrunkPerUnit2(double meanSquare, double cuts) {
            double prior = priorErrorPerUnit * priorErrorPerUnit;
            return cuts == 0 ? prior : (cuts * meanSquare + priorCuts * prior) / (cuts + priorCuts);
        }

        /**
         * The Laplace scale (mean |relative error|) per unit of log10(1 + ratio), measured as {@code meanAbs} over
         * {@code cuts} backtest cuts, shrunk toward the prior (an RMS of {@link #priorErrorPerUnit}, so a scale of
         * that ÷ √2, worth {@link #priorCuts} cuts); the prior alone without evidence.
         */
        double shrunkMeanAbsPerUnit(double meanAbs, double cuts) {
            double prior = priorErrorPerUnit / Math.sqrt(2);
            return cuts == 0 ? prior : (cuts * meanAbs + priorCuts * prior) / (cuts + priorCuts);
        }

        /**
         * Degrees of freedom of the interval's scale: the backtest cuts plus the prior's. The F(2, 2ν) quantile below is
         * to a Laplace scale estimated from ν absolute errors what Student-t's is to a normal one: |e| ÷ mean of ν |eᵢ|
         * is F(2, 2ν)-distributed. None is spent on a mean: errors are measured about zero.
         */
        double degreesOfFreedom(double cuts) {
            return Math.max(1, cuts + priorCuts);
        }

        /** The two-sided quantile of this level for {@code cuts} backtest cuts: P(|e| ≤ q·scale) = level. */
        double quantile(double cuts) {
            return new FDistribution(2, 2 * degreesOfFreedom(cuts)).inverseCumulativeProbability(level);
        }

        public Options withRecencyDecades(double d) {
            return new Options(panel, level, bootstrapSamples, seed, kernelDecades, priorErrorPerUnit, priorCuts, combineLevel, minFitBudgets, d);
        }

        /** Weight of a backtest cut at compute {@code cut} when the latest cut is at {@code latest}. */
        double recencyWeight(double latest, double cut) {
            return Math.pow(10, -Math.log10(latest / cut) / recencyDecades);
        }

        public Options withCombineLevel(double l) {
            return new Options(panel, level, bootstrapSamples, seed, kernelDecades, priorErrorPerUnit, priorCuts, l, minFitBudgets, recencyDecades);
        }

        /**
         * Whether a method scored {@code score} on {@code cuts} effective backtest cuts is combined with the best, scored
         * {@code best} on {@code bestCuts}: its shrunk mean square ÷ the best's below the {@link #combineLevel} quantile
         * of F(ν, ν_best), ν as for the interval ({@link #degreesOfFreedom}).
         */
        boolean combinable(double score, double cuts, double best, double bestCuts) {
            double f = new FDistribution(degreesOfFreedom(cuts), degreesOfFreedom(bestCuts))
                    .inverseCumulativeProbability(combineLevel);
            return score * score <= best * best * f * (1 + 1e-12);
        }
    }

    /** A surface in N and D needs at least 3 distinct sizes: runs-mode backtests start there. */
    static final int SURFACE_MIN_SIZES = 3;

    /** The default quantile for combining methods (README, "How the forecaster chooses"). */
    public static final double COMBINE_LEVEL = 0.75;

    /** The default memory of the interval's model error, in decades of compute (README, "How the forecaster chooses"). */
    public static final double RECENCY_DECADES = 0.5;

    /** Leave-one-budget-out spread (relative) above which a forecast is called unstable, whatever its model error. */
    public static final double UNSTABLE_SPREAD = Stability.UNSTABLE_SPREAD;

    private Forecaster() {}

    /** Forecast one target (gathering the evidence first; use {@link #gather} to forecast several from one ladder). */
    public static Forecast forecast(Ladder ladder, ForecastTarget target, Options options) {
        return gather(ladder, target.atGivenSize(), options).forecast(target);
    }

    /**
     * Fits the panel and runs the backtests once.
     *
     * @param runsMode true to judge methods on held-out runs at their own N and D (targets at a given size), false on
     *                 held-out budgets' compute-optimal loss
     */
    public static Evidence gather(Ladder ladder, boolean runsMode, Options options) {
        return new Evidence(ladder, runsMode, options);
    }

    /** What a ladder says about each method: its fit on every run, and its backtest forecasts. */
    public static final class Evidence {
        private final Ladder ladder;
        private final boolean runsMode;
        private final Options options;
        private final Map<String, ForecastMethod.Fitted> fitted = new LinkedHashMap<>();
        private final Map<String, String> failures = new LinkedHashMap<>();
        private final List<RollingBacktest.Entry> entries;
        private final String backtestProblem;
        private final Map<String, List<ForecastMethod.Fitted>> leaveOneOut = new ConcurrentHashMap<>();
        private final Map<String, List<ForecastMethod.Fitted>> bootstrap = new ConcurrentHashMap<>();
        private final List<Ladder> resamples;
        /** How this ladder's FLOP labels relate to 6·N·D: the unit of every compute and ratio below. */
        private final FlopConvention convention;

        private Evidence(Ladder ladder, boolean runsMode, Options options) {
            this.ladder = ladder;
            this.convention = FlopConvention.measure(ladder.observations());
            this.runsMode = runsMode;
            this.options = options;
            List<ForecastMethod> usable = options.panel().stream()
                    .filter(m -> runsMode ? m.hasSurface() : m.forComputeOptimal()).toList();
            if (usable.isEmpty()) {
                throw new IllegalArgumentException("a forecast at a given N and D needs a panel method that fits a surface");
            }
            List<Object> results = usable.parallelStream().map(m -> {
                try {
                    ForecastMethod.Fitted f = m.fit(ladder);
                    if (!runsMode) {
                        f.optimalLoss(ladder.largestBudget()); // a surface without a compute optimum cannot serve here
                    }
                    return (Object) f;
                } catch (RuntimeException e) {
                    return (Object) (e.getMessage() == null ? e.toString() : e.getMessage());
                }
            }).toList();
            for (int i = 0; i < usable.size(); i++) {
                if (results.get(i) instanceof ForecastMethod.Fitted f) {
                    fitted.put(usable.get(i).name(), f);
                } else {
                    failures.put(usable.get(i).name(), (String) results.get(i));
                }
            }
            if (fitted.isEmpty()) {
                throw new FitInputException("no forecasting method could fit this ladder: " + failures);
            }
            List<RollingBacktest.Entry> e;
            String problem = null;
            try {
                e = RollingBacktest.run(ladder, usable, runsMode ? RollingBacktest.Mode.RUNS : RollingBacktest.Mode.ALL,
                        runsMode ? Math.max(options.minFitBudgets(), SURFACE_MIN_SIZES) : options.minFitBudgets());
            } catch (FitInputException ex) {
                e = List.of();
                problem = ex.getMessage();
            }
            entries = List.copyOf(e);
            backtestProblem = problem;
            // runs mode resamples residuals of each method's own fit instead (bootstrapFits)
            resamples = runsMode ? List.of() : resample(ladder, options.bootstrapSamples(), options.seed());
        }

        public Ladder ladder() {
            return ladder;
        }

        /** Whether this evidence judges methods on held-out runs at their own N and D (else on held-out budgets). */
        public boolean runsMode() {
            return runsMode;
        }

        public List<RollingBacktest.Entry> entries() {
            return entries;
        }

        /** The forecast of one target from this evidence. */
        public Forecast forecast(ForecastTarget target) {
            if (runsMode != target.atGivenSize()) {
                throw new IllegalArgumentException("this evidence was gathered for " + (runsMode ? "runs at a given size"
                        : "compute-optimal targets") + "; the target is " + target.describe());
            }
            double scale = runsMode ? ladder.observations().stream().mapToDouble(Observation::flops).max().orElseThrow()
                    : ladder.largestBudget();
            // a run target's compute in the ladder's own FLOP labels (6·N·D only if the ladder counts so), unless given
            double targetCompute = target.computeDefaulted() ? convention.flops(target.params(), target.tokens()) : target.compute();
            double ratio = targetCompute / scale;
            List<String> warnings = new ArrayList<>();
            if (ratio <= 1) {
                warnings.add(String.format(Locale.ROOT, "the target's compute (%.3e) does not exceed the ladder's largest "
                        + "(%.3e): this is a projection inside the data, not an extrapolation", targetCompute, scale));
            }
            if (convention.disagreeing() > 0) {
                warnings.add(String.format(Locale.ROOT, "%d run(s) have FLOP labels more than %.3g× off the ladder's "
                        + "convention (label ÷ 6·N·D = %.3g at N = %.3g): filed under the wrong budget, or tokens in other "
                        + "units?", convention.disagreeing(), FlopConvention.DISAGREEMENT, Math.exp(convention.logKappaRef()),
                        Math.exp(convention.logParamsRef())));
            }
            double g = errorScale(ratio);

            // 1. Score each method that fitted the whole ladder by its backtest errors near the target's ratio.
            Map<String, Double> score = new LinkedHashMap<>();
            Map<String, Integer> count = new LinkedHashMap<>();
            Map<String, Double> scoreCuts = new LinkedHashMap<>(); // effective cuts behind each score, kernel-weighted
            // Held-out points some method forecast: a cut no method can fit (too few sizes for any surface) is no
            // evidence against one method.
            Set<String> answerable = new java.util.HashSet<>();
            entries.stream().filter(RollingBacktest.Entry::ok).forEach(x -> answerable.add(x.key()));
            for (String m : fitted.keySet()) {
                // a cut with fewer budgets than the method has parameters for is absence of evidence, not failure
                int fewest = runsMode ? 1 : methodNamed(m).fewestBudgets();
                List<RollingBacktest.Entry> mine = entries.stream().filter(x -> x.method().equals(m))
                        .filter(x -> answerable.contains(x.key())).filter(x -> x.cutIndex() + 1 >= fewest).toList();
                List<RollingBacktest.Entry> ok = mine.stream().filter(RollingBacktest.Entry::ok).toList();
                count.put(m, ok.size());
                // judged from the first cut it could fit on: a vertex law has no vertices on a ladder's first budgets
                int firstFit = ok.stream().mapToInt(RollingBacktest.Entry::cutIndex).min().orElse(Integer.MAX_VALUE);
                long tried = mine.stream().filter(x -> x.cutIndex() >= firstFit).count();
                if (!mine.isEmpty() && (ok.isEmpty() || ok.size() * 2 < tried)) {
                    continue; // fails on most cuts of this ladder it could have fitted: not a method to trust here
                }
                double sw = 0, swe = 0;
                Map<Integer, Double> perCut = new LinkedHashMap<>();
                for (RollingBacktest.Entry x : ok) {
                    double z = (Math.log10(x.ratio()) - Math.log10(Math.max(ratio, 1))) / options.kernelDecades();
                    double w = Math.exp(-0.5 * z * z) + 1e-6;
                    double err = x.relativeErrorPct() / 100 / errorScale(x.ratio());
                    sw += w;
                    swe += w * err * err;
                    perCut.merge(x.cutIndex(), w, Double::sum);
                }
                double cuts = perCut.size();
                double perUnit2 = options.shrunkPerUnit2(ok.isEmpty() ? 0 : swe / sw, cuts);
                score.put(m, Math.sqrt(perUnit2) * g);
                // a cut's forecasts share one fit: the cut, not the forecast, is the unit of evidence
                scoreCuts.put(m, effectiveCount(perCut.values()));
            }
            if (score.isEmpty()) {
                score.putAll(Map.of(fitted.keySet().iterator().next(), options.priorErrorPerUnit() * g));
            }
            // 2. Combine the methods the evidence cannot tell from the best (an F test of their mean squares), weights
            // ∝ 1/score²: with many backtests near the target's ratio the best alone or nearly; with few, a broad hedge.
            String bestMethod = score.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            double best = score.get(bestMethod);
            double bestCuts = scoreCuts.getOrDefault(bestMethod, 0.0);
            Map<String, Double> weight = new LinkedHashMap<>();
            double total = 0;
            for (var e : score.entrySet()) {
                if (e.getKey().equals(bestMethod)
                        || options.combinable(e.getValue(), scoreCuts.getOrDefault(e.getKey(), 0.0), best, bestCuts)) {
                    double w = 1 / (e.getValue() * e.getValue());
                    weight.put(e.getKey(), w);
                    total += w;
                }
            }
            for (var e : weight.entrySet()) {
                e.setValue(e.getValue() / total);
            }
            double point = combine(weight, m -> fitted.get(m).at(target));

            // 3. Model error: the combination's own backtest errors, per unit of log10(1 + ratio), shrunk to the prior.
            Map<String, Map<String, Double>> byKey = new LinkedHashMap<>();
            Map<String, RollingBacktest.Entry> keyEntry = new LinkedHashMap<>();
            for (RollingBacktest.Entry x : entries) {
                if (x.ok() && weight.containsKey(x.method())) {
                    byKey.computeIfAbsent(x.key(), k -> new LinkedHashMap<>()).put(x.method(), x.predicted());
                    keyEntry.putIfAbsent(x.key(), x);
                }
            }
            // Recent cuts fit on nearly the whole ladder, as the forecast does: their errors count most (weight ×1/10 per
            // `recencyDecades` of compute below the latest cut); the weights' effective number of cuts (Kish) sets the
            // shrinkage and the interval's quantile, so a short memory buys no false confidence.
            double sumSq = 0, wAbs = 0, wSum = 0;
            int n = 0;
            double lastCut = entries.stream().mapToDouble(RollingBacktest.Entry::cut).max().orElse(1);
            Map<Integer, Double> cutWeight = new LinkedHashMap<>(); // the cuts that measured the error, and their weights
            List<double[]> ratioError = new ArrayList<>();
            for (var e : byKey.entrySet()) {
                if (!e.getValue().keySet().containsAll(weight.keySet())) {
                    continue;
                }
                RollingBacktest.Entry x = keyEntry.get(e.getKey());
                double p = combine(weight, e.getValue()::get);
                double rel = (p - x.observed()) / x.observed();
                sumSq += Math.pow(rel / errorScale(x.ratio()), 2);
                double rw = options.recencyWeight(lastCut, x.cut());
                cutWeight.put(x.cutIndex(), rw);
                wAbs += rw * Math.abs(rel) / errorScale(x.ratio());
                wSum += rw;
                n++;
                ratioError.add(new double[] {x.ratio(), rel});
            }
            double effectiveCuts = effectiveCount(cutWeight.values());
            // Backtest errors are heavy-tailed (many small, a few large): a Laplace scale, the mean |error|, describes
            // them; an RMS with a normal shape made 50% intervals cover 61–77% (README, "How the forecaster chooses").
            double model = options.shrunkMeanAbsPerUnit(n == 0 ? 0 : wAbs / wSum, effectiveCuts) * g;

            // 4. Sampling noise: bootstrap refits of the combined methods.
            double[] boot = IntStream.range(0, options.bootstrapSamples()).mapToDouble(i -> {
                try {
                    return combine(weight, m -> bootstrapFits(m).get(i) == null ? Double.NaN : bootstrapFits(m).get(i).at(target));
                } catch (RuntimeException ex) {
                    return Double.NaN;
                }
            }).filter(Double::isFinite).toArray();
            double bootSd = boot.length < 2 ? 0 : sd(boot) / point;

            // 5. Leave one budget out.
            List<Forecast.LeftOut> loo = new ArrayList<>();
            if (ladder.budgetCount() >= 3) { // runs mode too: a budget of runs left out, surfaces refitted
                for (int b = 0; b < ladder.budgetCount(); b++) {
                    final int bb = b;
                    double v;
                    try {
                        v = combine(weight, m -> {
                            ForecastMethod.Fitted f = leaveOneOutFits(m).get(bb);
                            return f == null ? Double.NaN : f.at(target);
                        });
                    } catch (RuntimeException ex) {
                        v = Double.NaN;
                    }
                    loo.add(new Forecast.LeftOut(ladder.budget(b), v));
                }
            }

            // 6. Interval and verdict.
            double dof = options.degreesOfFreedom(effectiveCuts);
            double q = options.quantile(effectiveCuts);
            double half = halfWidth(q, model, bootSd);
            // Symmetric in log loss: a relative error model, and a lower end that stays positive however wide.
            double lo = point * Math.exp(-half), hi = point * Math.exp(half);
            Forecast.Status status = Forecast.Status.OK;
            if (cutWeight.size() < 2) {
                status = Forecast.Status.INSUFFICIENT;
                warnings.add(backtestProblem != null ? "no backtest evidence: " + backtestProblem
                        : "backtests of this ladder cover only " + cutWeight.size() + " cut(s): the interval rests mostly on the "
                        + "prior error rate (" + pct(options.priorErrorPerUnit()) + " per unit of log10(1 + ratio))");
            }
            List<String> noMinimum = budgetsWithoutMinimum();
            if (!noMinimum.isEmpty()) {
                warnings.add("budgets without an interior minimum: "
                        + String.join(", ", noMinimum));
            }
            Stability stability = Stability.of(loo, point, laplaceSd(model), lo, hi, warnings);
            boolean unstable = stability.unstable();
            lo = stability.lo();
            hi = stability.hi();
            String growthWarning = growthWarning(ratioError);
            if (growthWarning != null) {
                warnings.add(growthWarning);
            }
            double maxBacktestRatio = entries.stream().filter(RollingBacktest.Entry::ok).mapToDouble(RollingBacktest.Entry::ratio)
                    .max().orElse(1);
            if (ratio > 10 * maxBacktestRatio) {
                warnings.add(String.format(Locale.ROOT, "the target is %.3g× beyond the ladder, over 10× past its largest "
                        + "backtest (%.3g×): the model error there is extrapolated, not measured", ratio, maxBacktestRatio));
            }
            if (status == Forecast.Status.OK && (unstable || noMinimum.size() * 3 > ladder.budgetCount()
                    || growthWarning != null)) {
                status = Forecast.Status.UNRELIABLE;
            }
            if (!fitted.keySet().containsAll(weight.keySet())) {
                throw new IllegalStateException("weighted a method that did not fit");
            }

            List<Forecast.Weight> weights = new ArrayList<>();
            weight.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                    .forEach(e -> weights.add(new Forecast.Weight(e.getKey(), e.getValue(), 100 * score.get(e.getKey()))));
            List<Forecast.PanelEntry> panel = new ArrayList<>();
            for (ForecastMethod m : options.panel()) {
                ForecastMethod.Fitted f = fitted.get(m.name());
                double v = Double.NaN;
                String note = failures.getOrDefault(m.name(), runsMode && !m.hasSurface() ? "fits no surface: cannot forecast a "
                        + "given N and D" : !runsMode && !m.forComputeOptimal() ? "offered for runs at a given N and D only" : null);
                if (f != null) {
                    try {
                        v = f.at(target);
                        note = f.note();
                    } catch (RuntimeException ex) {
                        note = ex.getMessage();
                    }
                }
                panel.add(new Forecast.PanelEntry(m.name(), v, note, count.getOrDefault(m.name(), 0),
                        score.containsKey(m.name()) ? 100 * score.get(m.name()) : Double.NaN));
            }
            List<String> assumptions = new ArrayList<>();
            for (ForecastMethod m : options.panel()) {
                if (weight.containsKey(m.name())) {
                    assumptions.add(m.name() + ": " + m.assumptions());
                }
            }
            if (!convention.isSixNd()) {
                assumptions.add(convention.describe());
            }
            String method = weights.size() == 1 ? weights.get(0).method() : String.join(" + ", weights.stream()
                    .map(w -> String.format(Locale.ROOT, "%.2f·%s", w.weight(), w.method())).toList());
            Forecast.IntervalParts parts = new Forecast.IntervalParts(100 * model, 100 * bootSd, q, dof, cutWeight.size(), effectiveCuts,
                    options.recencyDecades(),
                    boot.length, unstable);
            String summary = String.format(Locale.ROOT, "%d backtest forecasts (%d by the chosen forecaster, over %d cuts, "
                            + "ratios %s) on %d runs in %d budgets; chosen forecaster's RMS error %s per unit of log10(1 + ratio)",
                    entries.stream().filter(RollingBacktest.Entry::ok).count(), n, cutWeight.size(), ratioRange(ratioError),
                    ladder.observations().size(), ladder.budgetCount(), n == 0 ? "n/a" : pct(Math.sqrt(sumSq / n)));
            double[] size = allocation(target, weights);
            // the target as the ladder counts it: a run's compute in the ladder's FLOP labels, so compute ÷ ratio is its budget
            ForecastTarget counted = target.computeDefaulted() ? new ForecastTarget(targetCompute, target.params(), target.tokens()) : target;
            return new Forecast(point, lo, hi, options.level(), counted, size[0], size[1], ratio, method, weights, panel, loo,
                    stability.spreadPct(), status, warnings, assumptions, parts,
                    evidenceHash(), summary);
        }

        /** The target's N and D: given, or N*, D* of the most-weighted method with a surface (else any that fitted). */
        private double[] allocation(ForecastTarget target, List<Forecast.Weight> weights) {
            if (target.atGivenSize()) {
                return new double[] {target.params(), target.tokens()};
            }
            List<String> order = new ArrayList<>(weights.stream().map(Forecast.Weight::method).toList());
            order.addAll(fitted.keySet());
            for (String m : order) {
                ForecastMethod.Fitted f = fitted.get(m);
                if (f != null && f.surface() != null) {
                    var opt = convention.optimalAt(f.surface(), target.compute());
                    return new double[] {opt.params(), opt.tokens()};
                }
            }
            return new double[] {Double.NaN, Double.NaN};
        }

        private List<ForecastMethod.Fitted> leaveOneOutFits(String method) {
            return leaveOneOut.computeIfAbsent(method, m -> {
                ForecastMethod fm = methodNamed(m);
                return IntStream.range(0, ladder.budgetCount()).parallel().mapToObj(b -> {
                    try {
                        return fm.fit(ladder.without(b));
                    } catch (RuntimeException e) {
                        return null;
                    }
                }).collect(java.util.stream.Collectors.toCollection(ArrayList::new)); // keeps nulls: budgets it cannot fit without
            });
        }

        private List<ForecastMethod.Fitted> bootstrapFits(String method) {
            return bootstrap.computeIfAbsent(method, m -> {
                ForecastMethod fm = methodNamed(m);
                // Runs mode: over-trained runs sit 1–2 to a budget, so resampling runs within budgets drops sizes until
                // no surface fits (Gadre: every replicate failed). Resample residuals instead: same design, new noise.
                // Only fitted methods are weighted, and runs mode fits only surfaces.
                List<Ladder> samples = runsMode
                        ? residualResamples(ladder, fitted.get(m).surface(), options.bootstrapSamples(), options.seed())
                        : fm.bootstrapLadders(ladder, fitted.get(m), resamples, options.seed());
                return samples.parallelStream().map(r -> {
                    try {
                        return fm.fit(r);
                    } catch (RuntimeException e) {
                        return null;
                    }
                }).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
            });
        }

        private ForecastMethod methodNamed(String name) {
            return options.panel().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        }

        private List<String> budgetsWithoutMinimum() {
            if (runsMode) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            IsoFlopMinimum.lacking(ladder.observations(), ladder.grouping()).forEach((b, v) -> out.add(IsoFlopMinimum.describe(b, v)));
            return out;
        }

        private String evidenceHash() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(ContentHash.of(ladder.observations()).getBytes(StandardCharsets.UTF_8));
                for (RollingBacktest.Entry e : entries) {
                    md.update((e.method() + "|" + e.cutIndex() + "|" + e.target() + "|" + e.params() + "|" + e.tokens() + "|"
                            + e.predicted() + "|" + e.observed() + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The interval's half-width in log loss: q·√(model² + bootstrap²/2), the model term a Laplace scale, the bootstrap's
     * sd entering as the Laplace scale of the same variance (sd/√2).
     */
    static double halfWidth(double quantile, double modelScale, double bootstrapSd) {
        return quantile * Math.sqrt(modelScale * modelScale + bootstrapSd * bootstrapSd / 2);
    }

    /** The standard deviation of a Laplace distribution of scale b: √2·b. */
    static double laplaceSd(double scale) {
        return Math.sqrt(2) * scale;
    }

    /** Kish's effective sample size of weights: (Σw)²/Σw² (their count when all are equal). */
    static double effectiveCount(java.util.Collection<Double> weights) {
        double s = 0, s2 = 0;
        for (double w : weights) {
            s += w;
            s2 += w * w;
        }
        return s2 == 0 ? 0 : s * s / s2;
    }

    /** The growth an error is scaled by: a point at or below 1× (a run with less compute than the ladder's largest, or a
     * projection) is scaled as at 1×, where log10(1 + ratio) → 0 would blow it up. */
    static double errorScale(double ratio) {
        return growth(Math.max(ratio, 1));
    }

    /** How extrapolation error grows with the ratio r: an offset plus a slope error, log10(1 + r). */
    static double growth(double ratio) {
        return Math.log10(1 + ratio);
    }

    private static double combine(Map<String, Double> weight, java.util.function.ToDoubleFunction<String> value) {
        double s = 0;
        for (var e : weight.entrySet()) {
            double v = value.applyAsDouble(e.getKey());
            if (!Double.isFinite(v)) {
                return Double.NaN;
            }
            s += e.getValue() * v;
        }
        return s;
    }

    /**
     * Wild-bootstrap resamples for runs mode: every run kept at its N and D, its loss the fit's plus its own residual
     * with a random sign (Rademacher weights: valid under unequal noise, and the design never loses a size).
     */
    static List<Ladder> residualResamples(Ladder ladder, LossSurface surface, int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Ladder> out = new ArrayList<>(samples);
        for (int s = 0; s < samples; s++) {
            List<Observation> obs = new ArrayList<>();
            for (Observation o : ladder.observations()) {
                double fit = surface.loss(o.params(), o.tokens());
                obs.add(resampled(o, fit + (rng.nextBoolean() ? 1 : -1) * (o.loss() - fit)));
            }
            out.add(new Ladder(obs, ladder.grouping()));
        }
        return out;
    }

    /** A run with a resampled loss; a resample that is not positive keeps the run's own (a loss is positive). */
    static Observation resampled(Observation o, double loss) {
        return new Observation(o.params(), o.tokens(), o.flops(), loss > 0 ? loss : o.loss(), o.group(), o.weight());
    }

    /** Bootstrap resamples: runs drawn with replacement within each budget, so every budget keeps its size. */
    static List<Ladder> resample(Ladder ladder, int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Ladder> out = new ArrayList<>(samples);
        for (int s = 0; s < samples; s++) {
            List<Observation> obs = new ArrayList<>();
            List<BudgetGrouping.Budget> budgets = new ArrayList<>();
            for (BudgetGrouping.Budget b : ladder.grouping().budgets()) {
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < b.members().size(); i++) {
                    members.add(obs.size());
                    obs.add(ladder.observations().get(b.members().get(rng.nextInt(b.members().size()))));
                }
                budgets.add(new BudgetGrouping.Budget(b.compute(), members));
            }
            out.add(new Ladder(obs, new BudgetGrouping("bootstrap resample", budgets)));
        }
        return out;
    }

    /** A warning when the backtest errors grow with the ratio faster than log10(1 + ratio) allows for. */
    private static String growthWarning(List<double[]> ratioError) {
        if (ratioError.size() < 4) {
            return null;
        }
        List<double[]> sorted = new ArrayList<>(ratioError);
        sorted.sort(Comparator.comparingDouble(x -> x[0]));
        int h = sorted.size() / 2;
        double near = 0, far = 0;
        for (int i = 0; i < sorted.size(); i++) {
            double a = Math.abs(sorted.get(i)[1]);
            if (i < h) {
                near += a / h;
            } else {
                far += a / (sorted.size() - h);
            }
        }
        double scaleNear = growth(sorted.get(h / 2)[0]), scaleFar = growth(sorted.get(h + (sorted.size() - h) / 2)[0]);
        if (far > 0.01 && far > 2 * near * scaleFar / scaleNear) {
            return String.format(Locale.ROOT, "backtest errors grow with extrapolation: mean |error| %.2f%% on the nearer "
                    + "half of the backtests, %.2f%% on the farther half", 100 * near, 100 * far);
        }
        return null;
    }

    private static String ratioRange(List<double[]> ratioError) {
        if (ratioError.isEmpty()) {
            return "none";
        }
        double lo = ratioError.stream().mapToDouble(x -> x[0]).min().orElseThrow();
        double hi = ratioError.stream().mapToDouble(x -> x[0]).max().orElseThrow();
        return String.format(Locale.ROOT, "%.3g–%.3g×", lo, hi);
    }

    private static double sd(double[] v) {
        double m = 0;
        for (double x : v) {
            m += x / v.length;
        }
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }
}
