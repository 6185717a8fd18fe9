package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.NormalDistribution;
import scalelab.fitting.FitStatus;
import scalelab.fitting.moe.MoeBacktest;
import scalelab.fitting.moe.MoeLawComparison;
import scalelab.fitting.moe.MoeLawFit;
import scalelab.fitting.moe.MoeLawFitter;
import scalelab.fitting.moe.MoeObservation;
import scalelab.fitting.moe.MoePrediction;
import scalelab.fitting.moe.MoeTarget;

/**
 * The forecaster for an MoE target from dense + MoE runs: the MoE laws of {@link MoeLawComparison} are the panel,
 * the law the backtest and BIC support makes the point, and the interval is built as the dense forecaster's — its
 * backtest error scaled to the target's ratio (shrunk toward the prior, since an MoE ladder backtests one cut) combined
 * with its bootstrap spread — so MoE and dense forecasts mean the same thing by "90%".
 */
public final class MoeForecaster {
    private MoeForecaster() {}

    /**
     * @param samples bootstrap refits of the supported law (≥ 20)
     * @throws IllegalArgumentException when no law is supported by the runs, naming why
     */
    public static Forecast forecast(List<MoeObservation> runs, MoeTarget target, Forecaster.Options options, int samples) {
        MoeLawComparison.Result comparison = MoeLawComparison.compare(MoeLawComparison.defaultLaws(), runs, target,
                MoeBacktest.cutBelowLargestBudget(runs), 0, options.level(), options.seed());
        if (comparison.supportedLaw() == null) {
            throw new IllegalArgumentException("no MoE law is supported by the " + runs.size() + " runs: " + comparison.reason()
                    + "\n" + comparison.describe());
        }
        MoeLawFitter fitter = MoeLawComparison.defaultLaws().stream()
                .filter(f -> f.lawName().equals(comparison.supportedLaw())).findFirst().orElseThrow();
        return forecast(runs, target, comparison, fitter,
                MoePrediction.make(fitter, runs, target, samples, options.level(), options.seed()), options);
    }

    /**
     * The forecast from a comparison already made: {@code fitter} is its supported law and {@code made} that law's
     * prediction of {@code target} (bootstrap at {@code options}' level), as a caller that also files them has them.
     */
    public static Forecast forecast(List<MoeObservation> runs, MoeTarget target, MoeLawComparison.Result comparison,
                                    MoeLawFitter fitter, MoePrediction made, Forecaster.Options options) {
        if (!fitter.lawName().equals(comparison.supportedLaw()) || !made.lawName().equals(fitter.lawName())) {
            throw new IllegalArgumentException("the MoE forecast takes the comparison's supported law ("
                    + comparison.supportedLaw() + "), got " + fitter.lawName() + " and a prediction by " + made.lawName());
        }
        double point = made.predictedLoss();
        double ratio = made.extrapolationFactor();
        List<String> warnings = new ArrayList<>(made.warnings());

        // Model error: the supported law's backtest at the largest budget, its mean |error| per unit of log10(1 + ratio)
        // (a Laplace scale, as the dense forecaster's), shrunk to the prior.
        int cuts = Double.isFinite(made.backtestMeanAbsRelativeError()) ? 1 : 0;
        double emp = cuts == 0 ? 0 : made.backtestMeanAbsRelativeError() / Forecaster.growth(made.backtestComputeRatio());
        double model = options.shrunkMeanAbsPerUnit(emp, cuts) * Forecaster.errorScale(ratio);
        double z = new NormalDistribution().inverseCumulativeProbability(0.5 + options.level() / 2);
        double bootSd = Double.isFinite(made.lower()) && Double.isFinite(made.upper())
                ? (Math.log(made.upper()) - Math.log(made.lower())) / (2 * z) : 0;
        double dof = options.degreesOfFreedom(cuts);
        double q = options.quantile(cuts);
        double half = Forecaster.halfWidth(q, model, bootSd);
        double lo = point * Math.exp(-half), hi = point * Math.exp(half);

        // Leave one budget out: refit the supported law without each budget.
        List<Double> budgets = fitter.usable(runs).stream().map(MoeObservation::flops).distinct().sorted().toList();
        List<Forecast.LeftOut> loo = new ArrayList<>();
        if (budgets.size() >= 3) {
            loo = budgets.parallelStream().map(b -> {
                List<MoeObservation> kept = runs.stream().filter(o -> o.flops() != b).toList();
                double v;
                try {
                    MoeLawFit f = fitter.fit(kept);
                    v = f.status() == FitStatus.FAILED ? Double.NaN : f.predict(target);
                } catch (RuntimeException e) {
                    v = Double.NaN;
                }
                return new Forecast.LeftOut(b, v);
            }).toList();
        }
        Stability stability = Stability.of(loo, point, Forecaster.laplaceSd(model), lo, hi, warnings);
        boolean unstable = stability.unstable();
        lo = stability.lo();
        hi = stability.hi();
        Forecast.Status status = cuts == 0 ? Forecast.Status.INSUFFICIENT
                : unstable || made.fitStatus() != FitStatus.CONVERGED ? Forecast.Status.UNRELIABLE : Forecast.Status.OK;
        if (cuts == 0) {
            warnings.add("no backtest of the MoE law: the interval rests on the prior error rate");
        }
        List<Forecast.PanelEntry> panel = new ArrayList<>();
        for (MoeLawComparison.Row r : comparison.rows()) {
            double v = Double.NaN;
            if (r.usable()) {
                try {
                    v = r.fit().predict(target);
                } catch (RuntimeException e) {
                    v = Double.NaN;
                }
            }
            // the panel's column is an RMS relative error, as for dense methods (the law choice uses the mean |error|)
            double bt = r.backtest() == null ? Double.NaN : 100 * Math.sqrt(r.backtest().heldOut().stream()
                    .mapToDouble(h -> h.relativeError() * h.relativeError()).average().orElse(Double.NaN));
            panel.add(new Forecast.PanelEntry(r.lawName(), v, r.problem() == null ? "ok" : r.problem(),
                    r.backtest() == null ? 0 : r.backtest().heldOut().size(), bt));
        }
        Forecast.IntervalParts parts = new Forecast.IntervalParts(100 * model, 100 * bootSd, q, dof, cuts, cuts,
                Double.POSITIVE_INFINITY, made.bootstrapSamples()
                - made.bootstrapFailures(), unstable);
        String summary = String.format(Locale.ROOT, "MoE law chosen by: %s; its backtest below the largest budget: mean |error| "
                + "%.2f%% at %.3g×; %d runs over %d budgets", comparison.reason(), 100 * made.backtestMeanAbsRelativeError(),
                made.backtestComputeRatio(), made.runsUsed(), made.budgets());
        String hash = scalelab.fitting.ContentHash.sha256(comparison.describe() + "\n" + made.describe());
        return new Forecast(point, lo, hi, options.level(), new ForecastTarget(made.targetCompute(), target.activeParams(), target.tokens()),
                target.activeParams(), target.tokens(), ratio, "moe: " + made.lawName(),
                List.of(new Forecast.Weight("moe: " + made.lawName(), 1, 100 * Forecaster.laplaceSd(model))), // an RMS, as dense scores
                panel, loo, stability.spreadPct(), status, warnings,
                List.of("moe: " + made.lawName() + ": the MoE law the backtest and BIC support (" + comparison.reason() + ")"),
                parts, hash, summary);
    }
}
