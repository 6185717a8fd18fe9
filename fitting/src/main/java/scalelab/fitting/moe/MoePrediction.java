package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.FitStatus;

/**
 * Everything a preregistered MoE projection needs from the math: the target, the law and how its fit ended, the
 * point prediction with its bootstrap interval, the backtest error at the ladder's largest budget (the honest
 * estimate of extrapolation error), how far the target lies beyond the ladder, and warnings that must be shown.
 */
public record MoePrediction(MoeTarget target, String lawName, FitStatus fitStatus, String fitMessage, double predictedLoss,
                            double lower, double upper, double level, int bootstrapSamples, int bootstrapFailures,
                            long seed, double backtestMeanAbsRelativeError, double backtestComputeRatio,
                            double extrapolationFactor, double targetCompute, int runsUsed, int budgets,
                            List<String> warnings) {

    /** Above this ratio of target compute to the ladder's largest budget an extrapolation is flagged. */
    public static final double FAR_EXTRAPOLATION = 100.0;

    /**
     * Fits {@code fitter} to {@code runs}, predicts {@code target}, bootstraps the interval and backtests below the
     * largest budget (skipped, with a warning, when the ladder has fewer than three budgets).
     *
     * @throws IllegalArgumentException if the law cannot be fitted to the runs or cannot speak about the target
     */
    public static MoePrediction make(MoeLawFitter fitter, List<MoeObservation> runs, MoeTarget target, int samples,
                                     double level, long seed) {
        MoeLawFit fit = fitter.fit(runs);
        double point = fit.predict(target);
        List<String> warnings = new ArrayList<>();
        if (fit.status() != FitStatus.CONVERGED) {
            warnings.add("fit " + fit.status() + ": " + fit.message());
        }
        List<MoeObservation> used = fitter.usable(runs);
        int budgets = (int) used.stream().mapToDouble(MoeObservation::flops).distinct().count();
        double maxC = used.stream().mapToDouble(MoeObservation::flops).max().orElseThrow();
        // the target's compute counted as the runs' labels count theirs (6·N_act·D unless they say otherwise)
        double targetCompute = MoeObservation.flopConvention(used).flops(target.activeParams(), target.tokens());
        double factor = targetCompute / maxC;
        if (factor > FAR_EXTRAPOLATION) {
            warnings.add(String.format(Locale.ROOT, "target compute is %.0fx the largest ladder budget", factor));
        }
        double btErr = Double.NaN, btRatio = Double.NaN;
        if (budgets < 3) {
            warnings.add("fragile: only " + budgets + " compute budget(s) in the ladder; no backtest possible");
        } else {
            try {
                MoeBacktest.Result bt = MoeBacktest.run(fitter, runs, MoeBacktest.cutBelowLargestBudget(used));
                btErr = bt.meanAbsRelativeError();
                btRatio = bt.computeRatio();
                if (bt.fitStatus() != FitStatus.CONVERGED) {
                    warnings.add("backtest fit " + bt.fitStatus() + ": " + bt.fitMessage());
                }
            } catch (IllegalArgumentException e) {
                warnings.add("backtest not possible: " + e.getMessage());
            }
        }
        MoeBootstrap.Result boot = MoeBootstrap.predictionInterval(fitter, runs, target, samples, level, seed);
        MoeBootstrap.Interval iv = boot.interval(MoeBootstrap.lossQuantity(target));
        if (boot.failed() > samples / 10) {
            warnings.add(boot.failed() + " of " + samples + " bootstrap refits failed and were left out");
        }
        return new MoePrediction(target, fitter.lawName(), fit.status(), fit.message(), point, iv.lower(), iv.upper(),
                level, samples, boot.failed(), seed, btErr, btRatio, factor, targetCompute, used.size(), budgets,
                List.copyOf(warnings));
    }

    public String describe() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s: predicted loss %.4f [%.4f, %.4f] (%d%% bootstrap, %d resamples, seed %d) by %s (fit %s) from %d runs "
                        + "over %d budgets; target is %.1fx the largest budget",
                target.describe(), predictedLoss, lower, upper, Math.round(100 * level), bootstrapSamples, seed, lawName,
                fitStatus, runsUsed, budgets, extrapolationFactor));
        if (!Double.isNaN(backtestMeanAbsRelativeError)) {
            sb.append(String.format(Locale.ROOT, "; backtest at %.1fx: mean |rel err| %.3f%%", backtestComputeRatio,
                    100 * backtestMeanAbsRelativeError));
        }
        for (String w : warnings) {
            sb.append("\n  warning: ").append(w);
        }
        return sb.toString();
    }
}
