package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The rolling-origin benchmark of the forecaster on a ladder whose larger budgets are known: for every cut, the
 * forecaster (and, beside it, each panel method alone) sees only the budgets up to the cut and forecasts the next
 * budget's and the largest budget's compute-optimal loss — its own choice of method and its interval made from that sub-ladder alone.
 */
public final class ForecastBenchmark {
    private ForecastBenchmark() {}

    /** Ratio buckets of the report: below 3×, 3–16×, 16× and above. */
    public static final double[] BUCKET_EDGES = {3, 16};

    /**
     * One held-out forecast.
     *
     * @param forecaster "forecaster" for the default, else the panel method's name
     * @param params     the held-out run's N (runs mode), else NaN
     * @param lo         interval (NaN for panel methods, which have none)
     * @param flagged    the forecast carried a status other than OK
     * @param note       the forecaster's method, or the panel method's note
     * @param verdict    what a quality gate ({@link Judge}) said of the forecaster's forecast; "" when not judged
     */
    public record Row(String dataSet, String forecaster, int cutIndex, double cut, double target, double ratio,
                      double params, double tokens, double predicted, double observed, double lo, double hi, double level,
                      boolean flagged, String note, String verdict) {
        public double relativeErrorPct() {
            return 100 * (predicted - observed) / observed;
        }

        public double absErrorPct() {
            return 100 * Math.abs(predicted - observed) / observed;
        }

        public boolean covered() {
            return observed >= lo && observed <= hi;
        }

        public boolean hasInterval() {
            return Double.isFinite(lo);
        }

        public double widthPct() {
            return 100 * (hi - lo) / predicted;
        }
    }

    /**
     * How a quality gate judges a forecast the forecaster made at a cut, from the sub-ladder it saw and the evidence
     * it was made with: the verdict's name (the gate itself lives with the registry, which files what it passes).
     */
    @FunctionalInterface
    public interface Judge {
        String verdict(Ladder seen, Forecast forecast, Forecaster.Evidence evidence);
    }

    /** The development suite's protocol: every cut, the next and the largest budget held out. */
    public static List<Row> run(String dataSet, Ladder ladder, Forecaster.Options options, int minFitBudgets) {
        return run(dataSet, ladder, options, minFitBudgets, RollingBacktest.Mode.NEXT_AND_TOP, null);
    }

    /**
     * Every cut fitting at least {@code minFitBudgets} budgets (runs mode: model sizes), the held-out points of
     * {@code mode} forecast by the forecaster and by each panel method that fitted the cut; the forecaster's forecasts
     * judged by {@code judge} when given (null: not judged; a judge may decline a forecast with "").
     */
    public static List<Row> run(String dataSet, Ladder ladder, Forecaster.Options options, int minFitBudgets,
                                RollingBacktest.Mode mode, Judge judge) {
        boolean runs = mode == RollingBacktest.Mode.RUNS;
        List<Double> sizes = RollingBacktest.sizes(ladder);
        int cuts = runs ? sizes.size() : ladder.budgetCount();
        if (cuts < minFitBudgets + 1) {
            throw new scalelab.fitting.FitInputException("a backtest needs at least " + (minFitBudgets + 1) + (runs
                    ? " model sizes" : " budgets") + " (fit on " + minFitBudgets + ", forecast one more); got " + cuts);
        }
        List<Row> rows = new ArrayList<>();
        for (int j = minFitBudgets - 1; j < cuts - 1; j++) {
            final double nCut = runs ? sizes.get(j) : Double.NaN;
            Ladder train = runs ? ladder.filter(i -> ladder.observations().get(i).params() <= nCut) : ladder.upTo(j);
            Forecaster.Evidence evidence;
            try {
                evidence = Forecaster.gather(train, runs, options);
            } catch (RuntimeException e) {
                continue; // nothing fits this cut: no forecast to judge (counted by its absence)
            }
            double cut = runs ? train.observations().stream().mapToDouble(scalelab.fitting.Observation::flops).max().orElseThrow()
                    : ladder.budget(j);
            List<double[]> held = new ArrayList<>(); // (compute, N, D, observed)
            if (runs) {
                for (scalelab.fitting.Observation o : ladder.observations()) {
                    if (o.params() > nCut) {
                        held.add(new double[] {o.flops(), o.params(), o.tokens(), o.loss()});
                    }
                }
            } else {
                for (int t : RollingBacktest.targets(mode, j, cuts)) {
                    held.add(new double[] {ladder.budget(t), Double.NaN, Double.NaN, ladder.observedMinimum(t)});
                }
            }
            for (double[] h : held) {
                ForecastTarget target = runs ? new ForecastTarget(h[0], h[1], h[2]) : ForecastTarget.computeOptimal(h[0]);
                Forecast f = evidence.forecast(target);
                rows.add(new Row(dataSet, "forecaster", j, cut, h[0], f.ratio(), h[1], h[2], f.loss(), h[3], f.lo(), f.hi(),
                        f.level(), f.status() != Forecast.Status.OK, f.method(),
                        judge == null ? "" : judge.verdict(train, f, evidence)));
                for (Forecast.PanelEntry p : f.panel()) {
                    if (Double.isFinite(p.loss())) {
                        rows.add(new Row(dataSet, p.method(), j, cut, h[0], f.ratio(), h[1], h[2], p.loss(), h[3], Double.NaN,
                                Double.NaN, Double.NaN, false, p.note(), ""));
                    }
                }
            }
        }
        return rows;
    }

    /**
     * Figures of one forecaster over some rows.
     *
     * @param forecasts  rows
     * @param meanAbsPct mean |relative error| in percent
     * @param maxAbsPct  max |relative error| in percent
     * @param coverage   share of rows inside their interval (NaN without intervals)
     * @param medianWidthPct median interval width relative to the forecast, percent
     * @param flagged    share of rows whose forecast was flagged
     */
    public record Summary(int forecasts, double meanAbsPct, double maxAbsPct, double coverage, double medianWidthPct,
                          double flagged) {}

    /** Figures over the rows {@code which} accepts that carry a forecast (a method that could not fit is no row here). */
    public static Summary summarise(List<Row> rows, Predicate<Row> which) {
        List<Row> r = rows.stream().filter(which).filter(x -> Double.isFinite(x.predicted())).toList();
        if (r.isEmpty()) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = r.stream().mapToDouble(Row::absErrorPct).average().orElseThrow();
        double max = r.stream().mapToDouble(Row::absErrorPct).max().orElseThrow();
        List<Row> withInterval = r.stream().filter(Row::hasInterval).toList();
        double coverage = withInterval.isEmpty() ? Double.NaN
                : withInterval.stream().filter(Row::covered).count() / (double) withInterval.size();
        double[] widths = withInterval.stream().mapToDouble(Row::widthPct).sorted().toArray();
        double median = widths.length == 0 ? Double.NaN : widths.length % 2 == 1 ? widths[widths.length / 2]
                : 0.5 * (widths[widths.length / 2 - 1] + widths[widths.length / 2]);
        double flagged = r.stream().filter(Row::flagged).count() / (double) r.size();
        return new Summary(r.size(), mean, max, coverage, median, flagged);
    }

    /** Bucket index of a ratio: 0 below 3×, 1 for 3–16×, 2 at 16× and above. */
    public static int bucket(double ratio) {
        int b = 0;
        for (double e : BUCKET_EDGES) {
            if (ratio >= e) {
                b++;
            }
        }
        return b;
    }

    public static String bucketName(int b) {
        return switch (b) {
            case 0 -> "<3x";
            case 1 -> "3-16x";
            default -> ">=16x";
        };
    }
}
