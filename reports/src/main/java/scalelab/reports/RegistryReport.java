package scalelab.reports;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import scalelab.fitting.Approach3;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.FitInputException;
import scalelab.fitting.FitMethod;
import scalelab.fitting.FitResult;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;
import scalelab.fitting.forecast.ForecastMethod;
import scalelab.fitting.forecast.Ladder;
import scalelab.fitting.forecast.PanelMethods;
import scalelab.fitting.forecast.RollingBacktest;
import scalelab.registry.FitRecord;
import scalelab.registry.ObservationSet;
import scalelab.registry.Prediction;
import scalelab.registry.PredictionCheck;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.FitJson;
import scalelab.registry.io.InputFormatException;
import scalelab.reports.model.Allocation;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.CurvePoint;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.Interval;
import scalelab.reports.model.LedgerRow;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;

/**
 * A report of one ladder (or all runs) in the registry: its runs and loss curves, every stored fit, the fit methods
 * the ladder has no stored fit of (computed here from the finished runs, so the report always compares methods), the
 * allocation at each predicted target with bootstrap bands, the ledger with its checks, and a backtest over the
 * ladder's budgets.
 */
public final class RegistryReport {
    private RegistryReport() {}

    /** Interval level of the allocation bands drawn from a fit's bootstrap surfaces. */
    public static final double BAND_LEVEL = 0.95;

    /**
     * What to compute beyond what is stored.
     *
     * @param computeMissingMethods fit, for the report only, each method the ladder has no stored fit of
     * @param backtestMethods       forecasting-panel methods ({@link PanelMethods#NAMES}) to backtest over the ladder's
     *                              budgets, as the forecaster backtests them (empty: no backtest)
     */
    public record Options(boolean computeMissingMethods, List<String> backtestMethods) {
        public Options {
            backtestMethods = List.copyOf(new LinkedHashSet<>(backtestMethods));
            for (String m : backtestMethods) {
                PanelMethods.byName(m, null); // an unknown name (or the pinned law, which needs L∞) fails here, not mid-report
            }
        }

        /** The forecaster's default panel, every method of it that forecasts a compute-optimal loss, backtested. */
        public static Options full() {
            return new Options(true, PanelMethods.defaultPanel(null, false).stream().filter(ForecastMethod::forComputeOptimal)
                    .map(ForecastMethod::name).toList());
        }
    }

    /** {@link #load(Registry, String, Options)} with {@link Options#full()}. */
    public static ReportInput load(Registry registry, String ladderOrNull) {
        return load(registry, ladderOrNull, Options.full());
    }

    /** Everything the report shows about {@code ladderOrNull} (all runs when null). */
    public static ReportInput load(Registry registry, String ladderOrNull, Options options) {
        List<RunRecord> runs = registry.runs(ladderOrNull);
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs" + (ladderOrNull == null ? "" : " in ladder " + ladderOrNull) + " of "
                    + registry.file() + (registry.ladders().isEmpty() ? " (the registry is empty: import runs with `scalelab runs import`)"
                    : " (ladders: " + String.join(", ", registry.ladders()) + ")"));
        }
        Map<Long, String> names = runNames(runs);
        Map<Long, RunFamily> families = new LinkedHashMap<>();
        runs.forEach(r -> families.put(r.id(), RunFamily.of(r)));
        List<RunRow> rows = new ArrayList<>();
        Map<String, List<CurvePoint>> curves = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            rows.add(runRow(r, names.get(r.id()), families.get(r.id()).name()));
            List<CurvePoint> c = curve(registry, r.id());
            if (!c.isEmpty()) {
                curves.put(names.get(r.id()), c);
            }
        }

        // The dense laws (VPNLS, Approach 2/3, frontier, residuals, backtests) describe one family: on a dense + MoE
        // ladder they see only the dense runs; the MoE families are compared in their own section.
        Set<String> familyNames = new LinkedHashSet<>();
        families.values().forEach(f -> familyNames.add(f.name()));
        boolean severalFamilies = familyNames.size() > 1;
        boolean denseOnly = severalFamilies && familyNames.contains(RunFamily.DENSE);
        // In canonical order, as every command reads runs: the forecasts here are the numbers predict filed.
        ObservationSet in = registry.observationSet(ladderOrNull, denseOnly ? "dense" : null).canonicalOrder();
        List<Observation> obs = in.observations();
        BudgetGrouping grouping = BudgetGrouping.byLabel(obs);
        String fitsNote = fitsNote(familyNames, denseOnly, obs.size());
        Set<Long> pooledRuns = new HashSet<>();
        if (denseOnly) {
            families.forEach((id, f) -> {
                if (!f.isDense()) {
                    pooledRuns.add(id);
                }
            });
        }

        List<FitRecord> allStored = registry.fits(ladderOrNull);
        Set<Long> fitIds = new HashSet<>();
        allStored.forEach(f -> fitIds.add(f.id()));
        List<Prediction> predictions = registry.predictions().stream()
                .filter(p -> ladderOrNull == null || fitIds.contains(p.fitId())).toList();
        // MoE law fits (`predict --target moe:`) have no L(N, D) surface and their own JSON: the MoE section shows them.
        List<FitRecord> moeFits = allStored.stream().filter(RegistryReport::isMoeFit).toList();
        List<FitRecord> stored = allStored.stream().filter(f -> !isMoeFit(f)).toList();
        // A stored dense-law fit that took MoE runs in is shown (with a warning) but neither leads nor stands in for
        // its method: that method is computed again on the dense runs.
        List<FitRecord> clean = stored.stream().filter(f -> pooledCount(f, pooledRuns) == 0).toList();

        FitRecord primary = primaryFit(clean, predictions);
        List<FitSummary> fits = new ArrayList<>();
        Set<String> methodsStored = new HashSet<>();
        if (primary != null) {
            fits.add(summary(primary, obs, grouping));
        }
        List<FitSummary> pooledFits = new ArrayList<>();
        for (FitRecord f : stored) {
            int pooled = pooledCount(f, pooledRuns);
            if (pooled == 0) {
                methodsStored.add(f.method());
                if (f != primary) {
                    fits.add(summary(f, obs, grouping));
                }
            } else {
                pooledFits.add(withWarning(summary(f, obs, grouping), "fitted on " + f.runIds().size()
                        + " runs of several families pooled (" + pooled + " MoE runs): not the dense family's law; the "
                        + "same method on the dense runs alone is shown next to it"));
            }
        }
        if (options.computeMissingMethods() && !obs.isEmpty()) {
            for (FitMethod m : FitMethod.values()) {
                if (!methodsStored.contains(m.cliName())) {
                    fits.add(computed(m, obs, grouping));
                }
            }
        }
        fits.addAll(pooledFits); // last: the report's primary fit is the first with a surface

        // A dense surface says nothing about an MoE target's allocation: only dense predictions get one.
        List<Allocation> allocations = allocations(primary, fits,
                predictions.stream().filter(p -> !MOE_KIND.equals(p.kind())).toList());
        List<LedgerRow> ledger = new ArrayList<>();
        for (Prediction p : predictions) {
            ledger.add(ledgerRow(registry, p));
        }
        Backtests backtests = backtests(obs, grouping, options.backtestMethods());
        String title = ladderOrNull == null ? "All runs in " + registry.file().getFileName() : "Ladder " + ladderOrNull;
        return new ReportInput(title, ladderOrNull == null ? "" : ladderOrNull, rows, fitsNote, fits, allocations, ledger,
                backtests.rows(), curves, MoeReport.load(registry, runs, families, names, moeFits),
                asFiled(forecasts(obs, grouping, allocations), predictions), backtests.note());
    }

    /**
     * The forecaster at each dense prediction's compute (the allocations' targets), else at 10× the largest budget, so
     * the report always says what the ladder forecasts and how sure it is.
     */
    static List<scalelab.reports.model.ForecastView> forecasts(List<Observation> obs, BudgetGrouping grouping,
                                                                List<Allocation> allocations) {
        if (obs.isEmpty() || grouping.budgets().isEmpty()) {
            return List.of();
        }
        Ladder ladder = new Ladder(obs, grouping);
        Map<String, Double> targets = new java.util.LinkedHashMap<>();
        for (Allocation a : allocations) {
            targets.putIfAbsent(a.target(), a.compute());
        }
        if (targets.values().stream().noneMatch(c -> c > ladder.largestBudget())) {
            targets.put("10× the largest budget", 10 * ladder.largestBudget());
        }
        return ForecastSection.of(ladder, targets);
    }

    /**
     * A forecast at a filed dense prediction's compute shows the filed interval: the quality gate may have widened the
     * forecaster's (README "The quality gate"), and the report must print the numbers the ledger holds.
     */
    static List<scalelab.reports.model.ForecastView> asFiled(List<scalelab.reports.model.ForecastView> views,
                                                              List<Prediction> predictions) {
        List<scalelab.reports.model.ForecastView> out = new ArrayList<>();
        for (scalelab.reports.model.ForecastView v : views) {
            Prediction filed = predictions.stream()
                    .filter(p -> !MOE_KIND.equals(p.kind()) && p.method() != null && p.method().startsWith("forecaster")
                            && p.hasInterval() && p.compute() == v.compute())
                    .reduce((a, b) -> b).orElse(null);
            out.add(filed == null ? v : v.asFiled(filed.predictedLoss(), filed.intervalLow(), filed.intervalHigh(), filed.id()));
        }
        return out;
    }

    /** Prediction kind of MoE targets in the ledger. */
    static final String MOE_KIND = "moe";
    private static final Pattern MOE_JSON = Pattern.compile("\"kind\"\\s*:\\s*\"moe\"");

    /** A fit stored by the MoE predictor: method "moe: LAW", JSON {"kind": "moe", …} (no dense surface). */
    static boolean isMoeFit(FitRecord f) {
        return f.method().startsWith("moe:") || (f.resultJson() != null && MOE_JSON.matcher(f.resultJson()).find());
    }

    /** Which runs the dense-law fits use, said in the report when the ladder has more than one family. */
    static String fitsNote(Set<String> families, boolean denseOnly, int observations) {
        if (families.size() < 2) {
            return "";
        }
        List<String> others = families.stream().filter(f -> !denseOnly || !RunFamily.DENSE.equals(f)).toList();
        if (denseOnly) {
            return "This ladder has " + families.size() + " families. The fits, allocations, residuals and backtests below "
                    + "use only the dense family (" + observations + " finished runs); the MoE famil"
                    + (others.size() == 1 ? "y " : "ies ") + String.join(", ", others)
                    + " are compared with it in the Mixture of experts section.";
        }
        return "This ladder has " + families.size() + " families (" + String.join(", ", others) + ") and no dense one: the "
                + "fits below pool all " + observations + " finished runs, so they describe no single family.";
    }

    private static int pooledCount(FitRecord f, Set<Long> pooledRuns) {
        return (int) f.runIds().stream().filter(pooledRuns::contains).count();
    }

    private static FitSummary withWarning(FitSummary s, String warning) {
        List<String> w = new ArrayList<>(s.warnings());
        w.add(0, warning);
        return s.withWarnings(w);
    }

    /** Unique display names: the run's name, or "run ID"; a name used twice gets its id appended. */
    private static Map<Long, String> runNames(List<RunRecord> runs) {
        Map<String, Integer> uses = new HashMap<>();
        for (RunRecord r : runs) {
            uses.merge(baseName(r), 1, Integer::sum);
        }
        Map<Long, String> out = new HashMap<>();
        for (RunRecord r : runs) {
            String b = baseName(r);
            out.put(r.id(), uses.get(b) > 1 ? b + " #" + r.id() : b);
        }
        return out;
    }

    private static String baseName(RunRecord r) {
        return r.name() != null && !r.name().isBlank() ? r.name() : "run " + r.id();
    }

    private static final Pattern MFU = Pattern.compile("\"mfu\"\\s*:\\s*([0-9.eE+-]+)");

    static RunRow runRow(RunRecord r, String name, String family) {
        double loss = r.finalLoss() == null ? Double.NaN : r.finalLoss();
        double wall = r.wallSeconds() == null || r.wallSeconds() <= 0 ? Double.NaN : r.wallSeconds();
        return new RunRow(name, r.budgetFlops(), r.totalParams(), r.params(), r.tokens(), loss,
                r.status().name().toLowerCase(Locale.ROOT), family, wall, mfu(r));
    }

    /** MFU when the trainer recorded one in the run's hyperparameters or spec (a top-level "mfu" number), else NaN. */
    private static double mfu(RunRecord r) {
        for (String json : new String[] {r.hyperparametersJson(), r.specJson()}) {
            if (json != null) {
                Matcher m = MFU.matcher(json);
                if (m.find()) {
                    try {
                        double v = Double.parseDouble(m.group(1));
                        return v > 0 && v <= 1 ? v : Double.NaN;
                    } catch (NumberFormatException e) {
                        return Double.NaN;
                    }
                }
            }
        }
        return Double.NaN;
    }

    /** The run's loss curve; points at zero tokens (before training) have no place on a log-token axis. */
    private static List<CurvePoint> curve(Registry registry, long runId) {
        List<CurvePoint> out = new ArrayList<>();
        for (scalelab.registry.CurvePoint p : registry.curve(runId)) {
            if (p.tokens() > 0) {
                out.add(new CurvePoint(p.step(), p.tokens(), p.trainLoss(), p.evalLoss()));
            }
        }
        return out;
    }

    /**
     * The fit the report leads with: the surface fit behind the latest prediction, else the latest converged surface
     * fit, else the latest surface fit; null when no stored fit has a surface.
     */
    static FitRecord primaryFit(List<FitRecord> stored, List<Prediction> predictions) {
        for (int i = predictions.size() - 1; i >= 0; i--) {
            long id = predictions.get(i).fitId();
            for (FitRecord f : stored) {
                if (f.id() == id && f.surface() != null) {
                    return f;
                }
            }
        }
        FitRecord any = null;
        for (int i = stored.size() - 1; i >= 0; i--) {
            FitRecord f = stored.get(i);
            if (f.surface() != null && "CONVERGED".equals(f.status())) {
                return f;
            }
            if (f.surface() != null && any == null) {
                any = f;
            }
        }
        return any;
    }

    /** A stored fit from its JSON; a record whose JSON cannot be read still shows what its columns hold. */
    static FitSummary summary(FitRecord f, List<Observation> obs, BudgetGrouping grouping) {
        String id = String.valueOf(f.id());
        try {
            FitResult r = FitJson.parse(f.resultJson() == null ? "" : f.resultJson(), Path.of("fit " + id));
            FitSummary s = FitSummaries.of(id, r, obs, grouping);
            return withStoredStatus(s, f);
        } catch (InputFormatException | IllegalArgumentException e) {
            List<String> warnings = List.of("stored fit JSON unreadable (" + e.getMessage() + "): shown from its database columns");
            LossSurface s = f.surface();
            return new FitSummary(id, f.method(), f.status(), "", warnings, s, f.objectiveValue(),
                    s == null ? Double.NaN : s.paramsExponent(), s == null ? Double.NaN : s.tokensExponent(), List.of(),
                    f.runIds().size(), f.inputHash(), FlopConvention.SIX_ND);
        }
    }

    /** The stored record's status and input hash are the registry's word (the JSON is the fitter's). */
    private static FitSummary withStoredStatus(FitSummary s, FitRecord f) {
        return new FitSummary(s.id(), s.method(), f.status(), s.message(), s.warnings(), s.surface(), s.objective(),
                s.paramsExponent(), s.tokensExponent(), s.parabolas(), s.inputCount(), f.inputHash(), s.flops());
    }

    /** A method fitted for the report only; a fit the data cannot support shows as FAILED with the reason. */
    static FitSummary computed(FitMethod m, List<Observation> obs, BudgetGrouping grouping) {
        String note = "computed for this report from the ladder's finished runs (not stored in the registry)";
        try {
            FitResult r = m.fit(obs, grouping, Vpnls.Options.defaults(), Approach3.Options.epoch());
            FitSummary s = FitSummaries.of("", r, obs, grouping);
            List<String> w = new ArrayList<>(s.warnings());
            w.add(0, note);
            return s.withWarnings(w);
        } catch (RuntimeException e) {
            // Shown, not thrown: a method the ladder cannot support (too few runs per budget, ...) is itself a finding.
            String why = e instanceof FitInputException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new FitSummary("", m.cliName(), "FAILED", why, List.of(note), null, Double.NaN, Double.NaN,
                    Double.NaN, List.of(), obs.size(), "", FlopConvention.SIX_ND);
        }
    }

    /**
     * The primary fit's compute-optimal allocation at each predicted compute, with percentile bands over its bootstrap
     * surfaces when it has them. Without a stored surface fit, the first surface fit computed for the report is used
     * (no bands).
     */
    static List<Allocation> allocations(FitRecord primary, List<FitSummary> fits, List<Prediction> predictions) {
        LossSurface surface = primary != null ? primary.surface()
                : fits.stream().filter(FitSummary::hasSurface).map(FitSummary::surface).findFirst().orElse(null);
        // C counted as the fitted runs count FLOPs, for the fit and its bootstrap surfaces alike
        FlopConvention count = primary != null ? FitJson.flops(primary.resultJson())
                : fits.stream().filter(FitSummary::hasSurface).map(FitSummary::flops).findFirst().orElse(FlopConvention.SIX_ND);
        if (surface == null || !surface.hasComputeOptimum()) {
            return List.of(); // no compute optimum (a coefficient clamped at 0): nothing to allocate; the fit table says why
        }
        String method = primary != null ? primary.method() + " #" + primary.id()
                : fits.stream().filter(FitSummary::hasSurface).findFirst().orElseThrow().label();
        List<LossSurface> boot = primary != null
                ? primary.bootstrapSurfaces().stream().filter(LossSurface::hasComputeOptimum).toList() : List.of();
        List<Allocation> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Prediction p : predictions) {
            if (!seen.add(p.targetName() + "@" + p.compute())) {
                continue;
            }
            ComputeOptimal o = count.optimalAt(surface, p.compute());
            if (!(o.params() > 0 && o.tokens() > 0 && o.loss() > 0) || !Double.isFinite(o.params() * o.tokens() * o.loss())) {
                continue;
            }
            Interval n = null, d = null, l = null;
            if (!boot.isEmpty()) {
                double[] ns = new double[boot.size()], ds = new double[boot.size()], ls = new double[boot.size()];
                for (int i = 0; i < boot.size(); i++) {
                    ComputeOptimal b = count.optimalAt(boot.get(i), p.compute());
                    ns[i] = b.params();
                    ds[i] = b.tokens();
                    ls[i] = b.loss();
                }
                n = band(ns);
                d = band(ds);
                l = band(ls);
            }
            out.add(new Allocation(p.targetName(), method, p.compute(), o.params(), o.tokens(), o.loss(), n, d, l));
        }
        return out;
    }

    /** The central {@link #BAND_LEVEL} percentile interval of the finite values, or null when there are none. */
    private static Interval band(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) {
            return null;
        }
        return new Interval(percentile(v, (1 - BAND_LEVEL) / 2), percentile(v, (1 + BAND_LEVEL) / 2));
    }

    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    static LedgerRow ledgerRow(Registry registry, Prediction p) {
        String target = String.format(Locale.ROOT, "%s (%s, N%s = %.3g, D = %.3g)", p.targetName(), p.kind(),
                "moe".equals(p.kind()) ? "_active" : "", p.params(), p.tokens());
        Interval interval = p.hasInterval() ? new Interval(p.intervalLow(), p.intervalHigh()) : null;
        List<PredictionCheck> checks = registry.checks(p.id());
        List<Long> successors = registry.supersededBy(p.id());
        String superseded = successors.isEmpty() ? "" : " (superseded by #" + successors.get(successors.size() - 1) + ")";
        if (checks.isEmpty()) {
            return new LedgerRow(String.valueOf(p.id()), target, p.compute(), p.predictedLoss(), interval, p.method(),
                    String.valueOf(p.fitId()), p.entryHash(), "pending" + superseded, Double.NaN, Double.NaN);
        }
        PredictionCheck c = checks.get(checks.size() - 1);
        // Every check is kept in the ledger: the row shows the latest verdict and, when there were several, the history.
        String verdict = verdictWords(c) + superseded + "; " + preregistration(c);
        if (checks.size() > 1) {
            verdict += "; " + checks.size() + " checks: " + String.join(" → ", checks.stream().map(k -> String.format(Locale.ROOT,
                    "%s %.4f", shortVerdict(k), k.actualLoss())).toList());
        }
        // The error of the prediction as every output signs it: negative when the law was optimistic.
        double errPct = c.errorOfPredictionPct();
        return new LedgerRow(String.valueOf(p.id()), target, p.compute(), p.predictedLoss(), interval, p.method(),
                String.valueOf(p.fitId()), p.entryHash(), verdict, c.actualLoss(), errPct);
    }

    private static String verdictWords(PredictionCheck c) {
        return switch (c.verdict()) {
            case WITHIN_INTERVAL -> "inside interval";
            case OUTSIDE_INTERVAL -> "outside interval";
            case NO_INTERVAL -> "checked (no interval)";
        };
    }

    private static String shortVerdict(PredictionCheck c) {
        return switch (c.verdict()) {
            case WITHIN_INTERVAL -> "inside";
            case OUTSIDE_INTERVAL -> "outside";
            case NO_INTERVAL -> "checked";
        };
    }

    /** "preregistered" only when the run is known to have started after the prediction was filed. */
    static String preregistration(PredictionCheck c) {
        if (c.preregistered()) {
            return "preregistered (run started after filing)";
        }
        if (!c.chained()) {
            return "not shown preregistered (checked before run start times were recorded)";
        }
        if (c.runId() == null) {
            return "not shown preregistered (loss given by hand)";
        }
        if (c.startedAfterFiling() == null) {
            return "not shown preregistered (run start unknown)";
        }
        return "NOT preregistered: run started before filing";
    }

    /** The backtest rows, or none and why (the report says so instead of a bare "no backtest"). */
    record Backtests(List<BacktestRow> rows, String note) {}

    /**
     * Backtest over the ladder's budgets (needs 3: fit on 2, predict 1) — the forecaster's rolling-origin backtest
     * ({@link RollingBacktest}, each cut forecasting the largest budget); entries a method could not fit are left out.
     */
    static Backtests backtests(List<Observation> obs, BudgetGrouping grouping, List<String> methods) {
        if (methods.isEmpty()) {
            return new Backtests(List.of(), "No backtest asked for (report --no-backtest, or no method to backtest).");
        }
        if (grouping.budgets().size() < 3) {
            return new Backtests(List.of(), "No backtest: it fits on at least 2 budgets and predicts a larger one, and this "
                    + "ladder has " + grouping.budgets().size() + " budget" + (grouping.budgets().size() == 1 ? "" : "s") + ".");
        }
        List<RollingBacktest.Entry> entries;
        try {
            entries = RollingBacktest.run(new Ladder(obs, grouping), methods.stream().map(m -> PanelMethods.byName(m, null)).toList(),
                    RollingBacktest.Mode.TOP, 2);
        } catch (FitInputException e) {
            return new Backtests(List.of(), "The backtest failed: " + e.getMessage());
        }
        List<BacktestRow> out = new ArrayList<>();
        String firstFailure = "";
        for (RollingBacktest.Entry e : entries) {
            if (e.ok() && e.predicted() > 0 && Double.isFinite(e.relativeErrorPct())) {
                out.add(new BacktestRow(e.method(), e.cut(), e.target(), e.ratio(), e.predicted(), e.observed(),
                        e.relativeErrorPct()));
            } else if (firstFailure.isEmpty()) {
                firstFailure = e.method() + " at cut " + String.format(Locale.ROOT, "%.3g", e.cut()) + ": " + e.note();
            }
        }
        return new Backtests(out, out.isEmpty() ? "Every backtest fit failed; the first: " + firstFailure : "");
    }
}
