package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import scalelab.fitting.FitStatus;

/**
 * Which MoE law do the data support? Each law is fitted on the whole ladder (status, RSS, AIC, BIC), backtested
 * below a compute cut, and asked for the target with a bootstrap interval. The verdict goes to the smallest mean
 * backtest error on the held-out runs every compared law can predict (extrapolation is what a prediction needs);
 * when no such common held-out run exists, to the smallest BIC among laws fitted on the same runs.
 */
public final class MoeLawComparison {

    /** One law's line in the comparison; {@code problem} is set (and the rest may be null) when it could not be fitted. */
    public record Row(String lawName, MoeLawFit fit, MoeBacktest.Result backtest, MoeBootstrap.Interval prediction,
                      int bootstrapFailures, double commonBacktestError, String problem) {

        public boolean usable() {
            return problem == null && fit != null && fit.status() != FitStatus.FAILED;
        }
    }

    public record Result(MoeTarget target, List<Row> rows, String supportedLaw, String reason) {

        /** A plain-text table plus the verdict, ready to print in a report. */
        public String describe() {
            StringBuilder sb = new StringBuilder("MoE law comparison for target ").append(target.describe()).append('\n');
            sb.append(String.format(Locale.ROOT, "%-58s %-22s %5s %3s %11s %9s %9s %12s %12s  %s%n", "law", "status", "runs",
                    "k", "RSS", "AIC", "BIC", "backtest", "common bt", "predicted loss [interval]"));
            for (Row r : rows) {
                if (r.problem() != null && r.fit() == null) {
                    sb.append(String.format(Locale.ROOT, "%-58s not fitted: %s%n", r.lawName(), r.problem()));
                    continue;
                }
                MoeLawFit f = r.fit();
                sb.append(String.format(Locale.ROOT, "%-58s %-22s %5d %3d %11.4g %9.1f %9.1f %12s %12s  %s%n",
                        r.lawName(), f.status(), f.observationCount(), f.parameterCount(), f.residualSumOfSquares(),
                        f.aic(), f.bic(),
                        r.backtest() == null ? "-" : String.format(Locale.ROOT, "%.3f%%", 100 * r.backtest().meanAbsRelativeError()),
                        Double.isNaN(r.commonBacktestError()) ? "-" : String.format(Locale.ROOT, "%.3f%%", 100 * r.commonBacktestError()),
                        r.prediction() == null ? "-" : Double.isNaN(r.prediction().lower())
                                ? String.format(Locale.ROOT, "%.4f (no bootstrap)", r.prediction().point())
                                : String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", r.prediction().point(),
                                r.prediction().lower(), r.prediction().upper())));
                if (r.problem() != null) {
                    sb.append("    note: ").append(r.problem()).append('\n');
                }
                if (!f.message().isEmpty()) {
                    sb.append("    fit: ").append(f.message()).append('\n');
                }
            }
            sb.append("supported: ").append(supportedLaw == null ? "undecided" : supportedLaw).append(" — ").append(reason);
            return sb.toString();
        }
    }

    /** Backtest errors within this factor of the best count as a tie. */
    static final double CLOSE = 1.25;

    private MoeLawComparison() {
    }

    /** The laws issue 7 compares: (a) shared-exponent family surfaces, (b) the joint N-D-E law, and Krajewski's G law. */
    public static List<MoeLawFitter> defaultLaws() {
        return List.of(SharedExponentFitter.defaults(), JointMoeFitter.defaults(), GranularityLawFitter.defaults());
    }

    /**
     * @param computeCut backtest cut (e.g. {@link MoeBacktest#cutBelowLargestBudget})
     * @param samples    bootstrap resamples for the target interval (0 skips the bootstrap)
     */
    public static Result compare(List<MoeLawFitter> fitters, List<MoeObservation> runs, MoeTarget target, double computeCut,
                                 int samples, double level, long seed) {
        if (fitters == null || fitters.isEmpty()) {
            throw new IllegalArgumentException("no laws to compare");
        }
        List<Row> rows = new ArrayList<>();
        List<MoeLawFitter> fitted = new ArrayList<>();
        List<MoeBacktest.Result> backtests = new ArrayList<>();
        for (MoeLawFitter fitter : fitters) {
            MoeLawFit fit;
            try {
                fit = fitter.fit(runs);
            } catch (IllegalArgumentException e) {
                rows.add(new Row(fitter.lawName(), null, null, null, 0, Double.NaN, e.getMessage()));
                continue;
            }
            List<String> problems = new ArrayList<>();
            MoeBacktest.Result bt = null;
            try {
                bt = MoeBacktest.run(fitter, runs, computeCut);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
            MoeBootstrap.Interval interval = null;
            int failures = 0;
            if (!fit.canPredict(target)) {
                try {
                    fit.predict(target);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            } else if (samples > 0) {
                try {
                    MoeBootstrap.Result boot = MoeBootstrap.predictionInterval(fitter, runs, target, samples, level, seed);
                    interval = boot.interval(MoeBootstrap.lossQuantity(target));
                    failures = boot.failed();
                } catch (IllegalStateException | IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            } else {
                double p = fit.predict(target);
                interval = new MoeBootstrap.Interval(MoeBootstrap.lossQuantity(target), p, Double.NaN, Double.NaN, level);
            }
            rows.add(new Row(fitter.lawName(), fit, bt, interval, failures, Double.NaN,
                    problems.isEmpty() ? null : String.join(" | ", problems)));
            if (fit.status() != FitStatus.FAILED && bt != null) {
                fitted.add(fitter);
                backtests.add(bt);
            }
        }
        // Held-out runs that every backtested law predicted: compare errors on the same runs only.
        Set<MoeObservation> common = null;
        for (MoeBacktest.Result bt : backtests) {
            Set<MoeObservation> s = new HashSet<>();
            bt.heldOut().forEach(h -> s.add(h.run()));
            if (common == null) {
                common = s;
            } else {
                common.retainAll(s);
            }
        }
        String supported = null;
        String reason;
        if (backtests.size() >= 2 && common != null && !common.isEmpty()) {
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                int k = fitted.indexOf(fitters.get(i));
                if (k < 0) {
                    continue;
                }
                Set<MoeObservation> finalCommon = common;
                double err = backtests.get(k).heldOut().stream().filter(h -> finalCommon.contains(h.run()))
                        .mapToDouble(h -> Math.abs(h.relativeError())).average().orElse(Double.NaN);
                rows.set(i, new Row(r.lawName(), r.fit(), r.backtest(), r.prediction(), r.bootstrapFailures(), err, r.problem()));
                if (err < best) {
                    best = err;
                    supported = r.lawName();
                }
            }
            double bestErr = best;
            // Backtest errors within CLOSE of the best are not told apart by one held-out budget: let BIC decide among
            // those fitted on the same runs (it charges for the extra parameters).
            List<Row> close = rows.stream().filter(r -> !Double.isNaN(r.commonBacktestError())
                    && r.commonBacktestError() <= CLOSE * bestErr && r.fit().observationCount() == runs.size()).toList();
            reason = String.format(Locale.ROOT, "smallest mean |relative error| (%.3f%%) on the %d held-out runs above C=%.3g "
                    + "that every law predicted", 100 * best, common.size(), computeCut);
            if (close.size() >= 2) {
                Row byBic = close.stream().min((a, b) -> Double.compare(a.fit().bic(), b.fit().bic())).get();
                supported = byBic.lawName();
                reason = String.format(Locale.ROOT, "backtest errors on the %d common held-out runs above C=%.3g are within "
                        + "%.0f%% of the best (%.3f%%), so the smallest BIC (%.1f) among those decides", common.size(),
                        computeCut, 100 * (CLOSE - 1), 100 * best, byBic.fit().bic());
            }
        } else if (backtests.size() == 1 && rows.stream().filter(Row::usable).count() == 1) {
            supported = rows.stream().filter(Row::usable).findFirst().get().lawName();
            reason = "the only law the data could fit and backtest";
        } else {
            List<Row> sameRuns = rows.stream().filter(Row::usable)
                    .filter(r -> r.fit().observationCount() == runs.size()).toList();
            if (sameRuns.size() >= 2) {
                Row best = sameRuns.stream().min((a, b) -> Double.compare(a.fit().bic(), b.fit().bic())).get();
                supported = best.lawName();
                reason = "no common held-out run to compare extrapolation; smallest BIC among laws fitted on all "
                        + runs.size() + " runs";
            } else {
                reason = "no common held-out run and fewer than two laws fitted on the same runs";
            }
        }
        return new Result(target, List.copyOf(rows), supported, reason);
    }
}
