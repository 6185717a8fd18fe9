package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.Arrays;
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
     * @param lo         interval (NaN for panel methods, which have none)
     * @param flagged    the forecast carried a status other than OK
     */
    public record Row(String dataSet, String forecaster, int cutIndex, double cut, double target, double ratio,
                      double predicted, double observed, double lo, double hi, boolean flagged) {
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

    /** Every cut fitting at least {@code minFitBudgets} budgets; the next and the largest budget forecast. */
    public static List<Row> run(String dataSet, Ladder ladder, Forecaster.Options options, int minFitBudgets) {
        List<Row> rows = new ArrayList<>();
        for (int j = minFitBudgets - 1; j < ladder.budgetCount() - 1; j++) {
            Ladder train = ladder.upTo(j);
            Forecaster.Evidence evidence;
            try {
                evidence = Forecaster.gather(train, false, options);
            } catch (RuntimeException e) {
                continue; // nothing fits this cut: no forecast to judge (counted by its absence)
            }
            for (int t : j + 1 == ladder.budgetCount() - 1 ? List.of(j + 1) : List.of(j + 1, ladder.budgetCount() - 1)) {
                Forecast f = evidence.forecast(ForecastTarget.computeOptimal(ladder.budget(t)));
                double observed = ladder.observedMinimum(t);
                rows.add(new Row(dataSet, "forecaster", j, ladder.budget(j), ladder.budget(t), f.ratio(), f.loss(), observed,
                        f.lo(), f.hi(), f.status() != Forecast.Status.OK));
                for (Forecast.PanelEntry p : f.panel()) {
                    if (Double.isFinite(p.loss())) {
                        rows.add(new Row(dataSet, p.method(), j, ladder.budget(j), ladder.budget(t), f.ratio(), p.loss(),
                                observed, Double.NaN, Double.NaN, false));
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

    public static Summary summarise(List<Row> rows, Predicate<Row> which) {
        List<Row> r = rows.stream().filter(which).toList();
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

    static double[] sorted(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c;
    }
}
