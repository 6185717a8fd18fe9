package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.FitStatus;

/**
 * Backtest: fit on runs at or below a compute cut, predict every usable run above it, and report the errors and how
 * far the extrapolation reached (largest held-out compute over largest training compute).
 */
public final class MoeBacktest {

    /** One held-out run: its observed loss, the prediction, and (predicted − observed)/observed. */
    public record HeldOut(MoeObservation run, double predicted, double relativeError) {
    }

    public record Result(String lawName, double computeCut, int trainingRuns, double computeRatio, FitStatus fitStatus,
                         String fitMessage, List<HeldOut> heldOut) {

        public double meanAbsRelativeError() {
            return heldOut.stream().mapToDouble(h -> Math.abs(h.relativeError())).average().orElse(Double.NaN);
        }

        public double maxAbsRelativeError() {
            return heldOut.stream().mapToDouble(h -> Math.abs(h.relativeError())).max().orElse(Double.NaN);
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "%s: fit on %d runs with C <= %.3g, predicted %d held-out runs up to %.1fx the largest training C: "
                            + "mean |rel err| = %.3f%%, max = %.3f%% (fit %s%s)",
                    lawName, trainingRuns, computeCut, heldOut.size(), computeRatio, 100 * meanAbsRelativeError(),
                    100 * maxAbsRelativeError(), fitStatus, fitMessage.isEmpty() ? "" : ": " + fitMessage);
        }
    }

    private MoeBacktest() {
    }

    /** The cut just below the largest budget: train on everything else, predict the largest budget's runs. */
    public static double cutBelowLargestBudget(List<MoeObservation> runs) {
        double[] budgets = runs.stream().mapToDouble(MoeObservation::flops).distinct().sorted().toArray();
        if (budgets.length < 2) {
            throw new IllegalArgumentException("a backtest needs runs at two or more compute budgets, got " + budgets.length);
        }
        return budgets[budgets.length - 2];
    }

    /**
     * @throws IllegalArgumentException if nothing lies above the cut, or the runs below it cannot support the law
     */
    public static Result run(MoeLawFitter fitter, List<MoeObservation> runs, double computeCut) {
        List<MoeObservation> train = runs.stream().filter(r -> r.flops() <= computeCut).toList();
        List<MoeObservation> above = fitter.usable(runs).stream().filter(r -> r.flops() > computeCut).toList();
        if (above.isEmpty()) {
            throw new IllegalArgumentException("backtest of " + fitter.lawName() + ": no usable run lies above the compute cut "
                    + computeCut);
        }
        MoeLawFit fit;
        try {
            fit = fitter.fit(train);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backtest of " + fitter.lawName() + " below C=" + computeCut + ": " + e.getMessage(), e);
        }
        double maxTrain = fitter.usable(train).stream().mapToDouble(MoeObservation::flops).max().orElse(Double.NaN);
        List<HeldOut> heldOut = new ArrayList<>();
        double maxHeld = 0;
        for (MoeObservation r : above) {
            MoeTarget t = r.asTarget();
            if (!fit.canPredict(t)) {
                continue;
            }
            double p = fit.predict(t);
            heldOut.add(new HeldOut(r, p, (p - r.loss()) / r.loss()));
            maxHeld = Math.max(maxHeld, r.flops());
        }
        if (heldOut.isEmpty()) {
            throw new IllegalArgumentException("backtest of " + fitter.lawName() + ": the law fitted below C=" + computeCut
                    + " cannot predict any of the " + above.size() + " runs above it");
        }
        return new Result(fitter.lawName(), computeCut, fitter.usable(train).size(), maxHeld / maxTrain, fit.status(), fit.message(),
                List.copyOf(heldOut));
    }
}
