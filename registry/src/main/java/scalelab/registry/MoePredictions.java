package scalelab.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.MoeForecaster;
import scalelab.registry.io.ForecastJson;
import scalelab.fitting.moe.MoeBacktest;
import scalelab.fitting.moe.MoeLawComparison;
import scalelab.fitting.moe.MoeLawFitter;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.MoePrediction;
import scalelab.fitting.moe.MoeTarget;
import scalelab.fitting.moe.SharedExponentFitter;

/**
 * Preregisters the loss of an MoE target from a ladder's finished dense + MoE runs, as {@link Predictions} does for
 * dense targets: the runs become {@link MoeObservation}s (expert configuration from each run's stored
 * {@link MoeConfig}, whether scalelab trained it or a lab imported it), the laws of
 * {@link MoeLawComparison#defaultLaws()} are compared (backtest below the largest budget, then BIC), the law the data
 * support makes the prediction with its bootstrap interval ({@link MoePrediction}), the fit is saved to the registry
 * and the prediction is filed in the ledger pointing at it (kind "moe", N = N_active, D, C = the runs' own FLOP count at
 * N_act and D), behind the same quality gate as dense predictions ({@link ForecastGate#checkMoe}).
 */
public final class MoePredictions {
    /** Interval level of filed MoE predictions unless {@link #prepare} is given another. */
    public static final double LEVEL = 0.9;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MoePredictions() {}

    /** What was filed — the entry and the law fit's id — and what it was prepared from (the evidence, for printing). */
    public record Filed(Prediction prediction, long fitId, Prepared prepared) {
        public MoeLawComparison.Result comparison() {
            return prepared.comparison();
        }

        public MoePrediction moePrediction() {
            return prepared.moePrediction();
        }

        public List<MoeObservation> observations() {
            return prepared.observations();
        }

        public Forecast forecast() {
            return prepared.forecast();
        }

        public ForecastGate.Result gate() {
            return prepared.gate();
        }
    }

    /**
     * @param ladder  ladder whose finished runs are fitted (null: every finished run in the registry)
     * @param balance MoE runs of this balancing method (e.g. "quantile" or "aux") are fitted next to the dense runs;
     *                the laws have no balancing term, so two methods are never pooled ({@link #runs})
     * @param samples bootstrap resamples of the interval (≥ 20)
     * @param name    target run name the prediction is checked against later (null: the target's canonical string)
     * @throws IllegalArgumentException naming the problem: no MoE runs, an MoE run without an expert configuration, no
     *                                  law the data support, a target no law can speak about
     */
    public static Filed file(Registry registry, String ladder, MoeTarget target, String balance, int samples, long seed,
                             String name) {
        return file(registry, ladder, target, balance, samples, seed, name, false);
    }

    /**
     * {@link #file(Registry, String, MoeTarget, String, int, long, String)}, and a law fit that did not converge is
     * refused before anything is stored unless {@code allowUnconverged} (then the entry's note records its status);
     * a FAILED fit is always refused ({@link Predictions#requireUsable}).
     */
    public static Filed file(Registry registry, String ladder, MoeTarget target, String balance, int samples, long seed,
                             String name, boolean allowUnconverged) {
        return file(registry, ladder, target, balance, samples, seed, name, allowUnconverged, Predictions.Overrides.NONE);
    }

    /**
     * {@link #file(Registry, String, MoeTarget, String, int, long, String, boolean)} with the overrides of
     * {@link Predictions#vet}: a target whose C is not above the largest budget of the runs fitted is a projection,
     * answered by {@link Predictions.NotFiled} (nothing stored), and an implausible one is refused, unless overridden.
     */
    public static Filed file(Registry registry, String ladder, MoeTarget target, String balance, int samples, long seed,
                             String name, boolean allowUnconverged, Predictions.Overrides overrides) {
        return file(registry, ladder, target, balance, samples, seed, name, allowUnconverged, overrides, false);
    }

    /**
     * {@link #file(Registry, String, MoeTarget, String, int, long, String, boolean, Predictions.Overrides)} behind the
     * quality gate ({@link ForecastGate#checkMoe}): a ladder that cannot support the extrapolation is refused with
     * {@link GateRefused} before anything is stored, unless {@code force}; the interval filed is the gate's and the
     * entry's note and forecast field record its verdict (and a refusal filed anyway).
     */
    public static Filed file(Registry registry, String ladder, MoeTarget target, String balance, int samples, long seed,
                             String name, boolean allowUnconverged, Predictions.Overrides overrides, boolean force) {
        return file(registry, prepare(registry, ladder, target, balance, samples, seed, name, LEVEL, allowUnconverged,
                overrides, force));
    }

    /**
     * An MoE prediction ready to file, nothing stored yet: its entry (fit id 0 until the law fit is stored), the law fit
     * to store, and the evidence behind them. {@code force}: whether a refusal by {@code gate} is to be filed anyway.
     */
    public record Prepared(Prediction draft, FitRecord fit, String where, MoeLawComparison.Result comparison,
                           MoePrediction moePrediction, List<MoeObservation> observations, Forecast forecast,
                           ForecastGate.Result gate, boolean force) {
        /** The gate refused and {@code force} was not given: {@link #file(Registry, Prepared)} would refuse it. */
        public boolean refused() {
            return gate.verdict() == ForecastGate.Verdict.REFUSE && !force;
        }
    }

    /**
     * Everything {@link #file(Registry, String, MoeTarget, String, int, long, String, boolean, Predictions.Overrides, boolean)}
     * does before it stores, with intervals at {@code level}: the law comparison, the forecast, the quality gate, the
     * vetting. Stores nothing (a dry run previews its draft). Throws as filing would — a projection
     * ({@link Predictions.NotFiled}), an implausible target, an unconverged fit without {@code allowUnconverged} —
     * except for the gate's refusal, which {@link Prepared#refused} says and {@link #file(Registry, Prepared)} enforces.
     */
    public static Prepared prepare(Registry registry, String ladder, MoeTarget target, String balance, int samples, long seed,
                                   String name, double level, boolean allowUnconverged, Predictions.Overrides overrides,
                                   boolean force) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("an interval level lies strictly between 0 and 1, got " + level);
        }
        if (samples < 20) {
            throw new IllegalArgumentException("an interval needs at least 20 bootstrap resamples, got " + samples);
        }
        Runs runs = runs(registry, ladder, balance);
        List<MoeObservation> observations = runs.observations();
        List<Long> runIds = runs.runIds();
        String where = runs.where();
        MoeLawComparison.Result comparison = MoeLawComparison.compare(MoeLawComparison.defaultLaws(), observations, target,
                MoeBacktest.cutBelowLargestBudget(observations), 0, level, seed);
        if (comparison.supportedLaw() == null) {
            throw new IllegalArgumentException("no MoE law is supported by the " + observations.size() + " runs of " + where
                    + ": " + comparison.reason() + "\n" + comparison.describe());
        }
        MoeLawFitter fitter = MoeLawComparison.defaultLaws().stream()
                .filter(f -> f.lawName().equals(comparison.supportedLaw())).findFirst().orElseThrow();
        MoePrediction made = MoePrediction.make(fitter, observations, target, samples, level, seed);
        if (!(made.lower() <= made.upper()) || !Double.isFinite(made.lower())) {
            throw new IllegalArgumentException("the bootstrap gave no finite interval for " + target.describe() + ": " + made.describe());
        }

        // The number filed is the forecaster's: the supported law's point, with an interval that carries its backtest
        // error (scaled to the target's ratio) as well as the bootstrap spread, and leave-one-budget-out.
        Forecaster.Options options = Forecaster.Options.defaults(null).withLevel(level).withBootstrap(samples, seed);
        Forecast forecast = MoeForecaster.forecast(observations, target, comparison, fitter, made, options);
        ForecastGate.Result gate = ForecastGate.checkMoe(observations, forecast, made.lawName(), options);

        String caveat = Predictions.requireUsable("the " + made.lawName() + " fit of " + where, made.fitStatus().name(),
                made.fitMessage(), allowUnconverged);
        String inputHash = inputHash(observations);
        String targetName = name == null || name.isBlank() ? target.describe() : name.strip();
        Predictions.Vetting vetting = Predictions.vet(new Prediction(null, targetName, "moe", target.activeParams(), target.tokens(),
                made.targetCompute(), forecast.loss(), forecast.lo(), forecast.hi(), level, "vetting", "moe: " + made.lawName(), 0,
                inputHash, "v", "vetting", Instant.now(), null, null, null),
                new Predictions.DataRange(runIds.size(), runs.maxBudget(), MoeObservation.flopConvention(observations)), overrides);
        Predictions.requireFileable(vetting);
        FitRecord fit = new FitRecord(null, "moe: " + made.lawName(), "least squares on loss", made.fitStatus().name(), null,
                Double.NaN, inputHash, runIds, ladder, resultJson(comparison, made, fitter, observations, runs.balance()), List.of(), Instant.now());
        String note = forecast.interval().describe(level) + "; forecast status "
                + forecast.status().name().toLowerCase(Locale.ROOT) + "; law chosen by: " + comparison.reason();
        if (caveat != null) {
            note = note + "; " + caveat;
        }
        if (!vetting.reasons().isEmpty()) {
            note = note + "; " + String.join("; ", vetting.reasons());
        }
        note = note + "; " + gate.note(force);
        Prediction draft = new Prediction(null, targetName, "moe",
                target.activeParams(), target.tokens(), made.targetCompute(), forecast.loss(), gate.lo(), gate.hi(),
                level, note, "forecaster: " + forecast.method(), 0, inputHash, Provenance.codeVersion(), Provenance.author(),
                Instant.now(), null, null, null).withForecast(ForecastJson.line(forecast, gate, force));
        return new Prepared(draft, fit, where, comparison, made, List.copyOf(observations), forecast, gate, force);
    }

    /**
     * Files {@code prepared}: stores its law fit, then its entry pointing at it. A gate refusal without {@code force}
     * is refused with {@link GateRefused} before either is stored.
     */
    public static Filed file(Registry registry, Prepared prepared) {
        if (prepared.refused()) {
            throw new GateRefused(prepared.where(), prepared.forecast(), prepared.gate());
        }
        long fitId = registry.saveFit(prepared.fit());
        Prediction d = prepared.draft();
        Prediction draft = new Prediction(null, d.targetName(), d.kind(), d.params(), d.tokens(), d.compute(), d.predictedLoss(),
                d.intervalLow(), d.intervalHigh(), d.intervalLevel(), d.intervalNote(), d.method(), fitId, d.inputHash(),
                d.codeVersion(), d.author(), d.createdAt(), null, null, null).withForecast(d.forecast());
        return new Filed(registry.filePrediction(draft), fitId, prepared);
    }

    /** The quality gate refused an MoE forecast: nothing was stored. Carries the forecast and the gate for printing. */
    public static final class GateRefused extends IllegalArgumentException {
        private final transient Forecast forecast;
        private final transient ForecastGate.Result gate;

        GateRefused(String where, Forecast forecast, ForecastGate.Result gate) {
            super("the quality gate refuses to file this forecast: " + where + " cannot support it ("
                    + String.join("; ", gate.reasons()) + "); nothing filed (--force files it with the verdict recorded)");
            this.forecast = forecast;
            this.gate = gate;
        }

        public Forecast forecast() {
            return forecast;
        }

        public ForecastGate.Result gate() {
            return gate;
        }
    }

    /**
     * The finished runs an MoE forecast of {@code ladder} fits: its dense runs, and its MoE runs of one balancing
     * method.
     *
     * @param observations the runs as the MoE fitters see them (compute = the run's IsoFLOP budget)
     * @param runIds       the run id of each, same order
     * @param maxBudget    the largest budget among them (a prediction's C lies above it)
     * @param balance      the balancing method of the MoE runs fitted, or null when the runs record none
     * @param where        "ladder NAME" or "the registry FILE", for messages
     */
    public record Runs(List<MoeObservation> observations, List<Long> runIds, double maxBudget, String balance, String where) {}

    /**
     * The finished runs of {@code ladder} (every ladder when null) an MoE forecast fits: the dense runs and the MoE runs
     * balanced by {@code balance}. When no MoE run records its balancing method (a ladder imported without a
     * {@code balance} column), every MoE run is fitted whatever {@code balance} says.
     *
     * @throws IllegalArgumentException naming the problem: an MoE run without an expert configuration, no finished MoE
     *                                  run of the balancing method
     */
    public static Runs runs(Registry registry, String ladder, String balance) {
        if (!MoeConfig.isBalanceName(balance)) {
            throw new IllegalArgumentException("MoE balance must be a balancing method's name (quantile, aux, ...), got " + balance);
        }
        String where = ladder == null ? "the registry " + registry.file() : "ladder " + ladder;
        List<RunRecord> finished = registry.runs(ladder).stream().filter(r -> r.status() == RunStatus.FINISHED)
                .sorted(Comparator.comparing(RunRecord::id)).toList();
        for (RunRecord r : finished) {
            if ("moe".equals(r.architecture()) && r.moe() == null) {
                throw new IllegalArgumentException("MoE run " + r.id() + " (" + r.name() + ") of " + where + " records no expert"
                        + " configuration, so the MoE laws cannot use it: import its file with the columns experts, top_k"
                        + " (and granularity, balance)");
            }
        }
        List<MoeConfig> moe = finished.stream().map(RunRecord::moe).filter(java.util.Objects::nonNull).toList();
        boolean recorded = moe.stream().anyMatch(c -> c.balance() != null);
        List<MoeObservation> observations = new ArrayList<>();
        List<Long> runIds = new ArrayList<>();
        double maxBudget = 0;
        for (RunRecord run : finished) {
            MoeConfig c = run.moe();
            if (c != null && recorded && !balance.equals(c.balance())) {
                continue;
            }
            observations.add(c == null
                    ? new MoeObservation(run.params(), run.totalParams(), run.tokens(), run.budgetFlops(), run.finalLoss(), 1, 1, 1.0, "dense")
                    : new MoeObservation(run.params(), run.totalParams(), run.tokens(), run.budgetFlops(), run.finalLoss(),
                            c.experts(), c.topK(), c.granularity(), c.family()));
            runIds.add(run.id());
            maxBudget = Math.max(maxBudget, run.budgetFlops());
        }
        if (observations.stream().allMatch(MoeObservation::isDense)) {
            String found = moe.stream().map(c -> String.valueOf(c.balance())).distinct().sorted()
                    .reduce((a, b) -> a + ", " + b).map(b -> "; its MoE runs are balanced by: " + b).orElse("");
            throw new IllegalArgumentException(where + " has no finished MoE runs with " + balance + " balancing ("
                    + finished.size() + " finished runs" + found + "): train or import the MoE families first");
        }
        return new Runs(List.copyOf(observations), List.copyOf(runIds), maxBudget, recorded ? balance : null, where);
    }

    private static String inputHash(List<MoeObservation> observations) {
        // Lines sorted: a hash of the set of runs, whatever order they were read in (as ContentHash for dense runs).
        List<String> lines = new java.util.ArrayList<>();
        for (MoeObservation o : observations) {
            lines.add(o.family() + "," + o.activeParams() + "," + o.totalParams() + "," + o.tokens() + "," + o.flops() + ","
                    + o.loss() + "," + o.experts() + "," + o.topK() + "," + o.granularity() + "\n");
        }
        java.util.Collections.sort(lines);
        return Prediction.sha256("scalelab-moe-observations-v1\n" + String.join("", lines));
    }

    private static String resultJson(MoeLawComparison.Result comparison, MoePrediction made, MoeLawFitter fitter,
                                     List<MoeObservation> observations, String balance) {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", "moe");
        root.put("target", made.target().describe());
        root.put("law", made.lawName());
        root.put("status", made.fitStatus().name());
        root.put("fit_message", made.fitMessage());
        var fit = fitter.fit(observations);
        ObjectNode parameters = root.putObject("parameters");
        String[] names = fit.parameterNames();
        double[] values = fit.parameters();
        for (int i = 0; i < names.length; i++) {
            parameters.put(names[i], values[i]);
        }
        root.put("predicted_loss", made.predictedLoss());
        root.put("interval_low", made.lower());
        root.put("interval_high", made.upper());
        root.put("level", made.level());
        root.put("bootstrap_samples", made.bootstrapSamples());
        root.put("bootstrap_failures", made.bootstrapFailures());
        root.put("seed", made.seed());
        root.put("backtest_mean_abs_relative_error", made.backtestMeanAbsRelativeError());
        root.put("backtest_compute_ratio", made.backtestComputeRatio());
        root.put("extrapolation_factor", made.extrapolationFactor());
        root.put("runs_used", made.runsUsed());
        root.put("budgets", made.budgets());
        ArrayNode warnings = root.putArray("warnings");
        made.warnings().forEach(warnings::add);
        if (balance != null) {
            root.put("balance", balance);
        }
        // Structured copies of the comparison and multipliers, so the report can tabulate them without the text.
        ArrayNode rows = root.putArray("comparison_rows");
        for (MoeLawComparison.Row r : comparison.rows()) {
            ObjectNode row = rows.addObject();
            row.put("law", r.lawName());
            if (r.fit() != null) {
                row.put("status", r.fit().status().name());
                row.put("runs", r.fit().observationCount());
                row.put("parameters", r.fit().parameterCount());
                row.put("rss", r.fit().residualSumOfSquares());
                row.put("aic", r.fit().aic());
                row.put("bic", r.fit().bic());
            }
            if (r.backtest() != null) {
                row.put("backtest_mean_abs_relative_error", r.backtest().meanAbsRelativeError());
            }
            row.put("common_backtest_error", r.commonBacktestError());
            if (r.prediction() != null) {
                row.put("predicted_loss", r.prediction().point());
                row.put("interval_low", r.prediction().lower());
                row.put("interval_high", r.prediction().upper());
            }
            if (r.problem() != null) {
                row.put("problem", r.problem());
            }
            if (r.fit() instanceof SharedExponentFitter.SharedExponentFit se && se.status() != scalelab.fitting.FitStatus.FAILED) {
                ObjectNode m = root.putObject("multipliers");
                for (String f : se.families().keySet()) {
                    if (!f.equals(se.denseFamily())) {
                        ObjectNode one = m.putObject(f);
                        one.put("params", se.paramsMultiplier(f));
                        one.put("tokens", se.tokensMultiplier(f));
                        one.put("compute", se.computeMultiplier(f));
                    }
                }
            }
        }
        root.put("supported_law", comparison.supportedLaw());
        root.put("supported_because", comparison.reason());
        root.put("comparison", comparison.describe());
        root.put("prediction", made.describe());
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
