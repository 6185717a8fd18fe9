package scalelab.fitting.forecast;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import scalelab.fitting.FitInputException;
import scalelab.fitting.Observation;

/**
 * Rolling-origin backtests of panel methods on one ladder: fit on the budgets up to a cut, forecast held-out larger
 * budgets' compute-optimal loss (judged against each budget's lowest observed loss), or, in runs mode, fit on the runs
 * up to a model size and forecast every larger run at its own N and D.
 */
public final class RollingBacktest {
    private RollingBacktest() {}

    /** Which held-out points each cut forecasts. */
    public enum Mode {
        /** the largest budget of the ladder */
        TOP,
        /** the next budget above the cut */
        NEXT,
        /** every budget above the cut */
        ALL,
        /** the next budget above the cut and the largest (the development suite's protocol) */
        NEXT_AND_TOP,
        /** every run larger than the cut's model size, at its own N and D (over-trained targets) */
        RUNS
    }

    /**
     * One forecast of a held-out point.
     *
     * @param method     panel method name
     * @param cutIndex   index of the last budget (or, in runs mode, the last model size) fitted on
     * @param cut        compute of the largest budget fitted on (runs mode: the largest training run's compute)
     * @param target     compute of the held-out point
     * @param ratio      target / cut
     * @param params     the held-out run's N (runs mode), else NaN
     * @param tokens     the held-out run's D (runs mode), else NaN
     * @param predicted  the forecast (NaN when the method could not fit this cut)
     * @param observed   the held-out budget's lowest loss, or the held-out run's loss
     * @param note       "ok", or why there is no forecast / what to worry about
     */
    public record Entry(String method, int cutIndex, double cut, double target, double ratio, double params, double tokens,
                        double predicted, double observed, String note) {
        public boolean ok() {
            return Double.isFinite(predicted);
        }

        /** 100·(predicted − observed)/observed: positive when the forecast was too pessimistic (too high a loss). */
        public double relativeErrorPct() {
            return ok() ? 100 * (predicted - observed) / observed : Double.NaN;
        }

        /** The same held-out point (cut and target), whatever the method. */
        public String key() {
            return cutIndex + "/" + target + "/" + params + "/" + tokens;
        }
    }

    /**
     * @param minFitBudgets the fewest budgets (runs mode: model sizes) a cut fits on
     */
    public static List<Entry> run(Ladder ladder, List<ForecastMethod> methods, Mode mode, int minFitBudgets) {
        if (minFitBudgets < 1) {
            throw new IllegalArgumentException("a backtest fits on at least 1 budget");
        }
        if (mode == Mode.RUNS) {
            return runs(ladder, methods, minFitBudgets);
        }
        int k = ladder.budgetCount();
        if (k < minFitBudgets + 1) {
            throw new FitInputException("a backtest needs at least " + (minFitBudgets + 1) + " budgets (fit on "
                    + minFitBudgets + ", forecast one more); this ladder has " + k);
        }
        return overMethodsAndCuts(methods.size(), minFitBudgets - 1, k - 1, (mi, j) -> {
            ForecastMethod m = methods.get(mi);
            List<Integer> targets = targets(mode, j, k);
            ForecastMethod.Fitted fitted = null;
            String note = "ok";
            try {
                fitted = m.fit(ladder.upTo(j));
                note = fitted.note();
            } catch (RuntimeException e) {
                note = "no forecast: " + e.getMessage();
            }
            List<Entry> out = new ArrayList<>();
            for (int t : targets) {
                double predicted = Double.NaN;
                String entryNote = note;
                if (fitted != null) {
                    try {
                        predicted = fitted.optimalLoss(ladder.budget(t));
                    } catch (RuntimeException e) {
                        entryNote = "no forecast: " + e.getMessage();
                    }
                }
                out.add(new Entry(m.name(), j, ladder.budget(j), ladder.budget(t), ladder.budget(t) / ladder.budget(j),
                        Double.NaN, Double.NaN, predicted, ladder.observedMinimum(t), entryNote));
            }
            return out;
        });
    }

    /**
     * {@code job(method index, cut)} for every method and every cut in [firstCut, endCut), in parallel; the entries in
     * method-then-cut order, whatever order the jobs finish in.
     */
    static <E> List<E> overMethodsAndCuts(int methods, int firstCut, int endCut,
                                          java.util.function.BiFunction<Integer, Integer, List<E>> job) {
        List<int[]> jobs = new ArrayList<>();
        for (int m = 0; m < methods; m++) {
            for (int j = firstCut; j < endCut; j++) {
                jobs.add(new int[] {m, j});
            }
        }
        List<E> out = new ArrayList<>();
        jobs.parallelStream().map(x -> job.apply(x[0], x[1])).toList().forEach(out::addAll);
        return out;
    }

    /** The distinct model sizes of a ladder, ascending: the cuts of runs mode. */
    public static List<Double> sizes(Ladder ladder) {
        return new ArrayList<>(new TreeSet<>(ladder.observations().stream().map(Observation::params).toList()));
    }

    /** Held-out budgets of cut j among k budgets (not runs mode). */
    public static List<Integer> targets(Mode mode, int j, int k) {
        return switch (mode) {
            case TOP -> List.of(k - 1);
            case NEXT -> List.of(j + 1);
            case NEXT_AND_TOP -> j + 1 == k - 1 ? List.of(k - 1) : List.of(j + 1, k - 1);
            case ALL -> IntStream.range(j + 1, k).boxed().toList();
            case RUNS -> throw new IllegalArgumentException("runs mode holds out runs, not budgets");
        };
    }

    /** Runs mode: cuts at each distinct model size; forecasts every run of a larger size. Surface methods only. */
    private static List<Entry> runs(Ladder ladder, List<ForecastMethod> methods, int minFitSizes) {
        List<Observation> obs = ladder.observations();
        List<Double> sizes = sizes(ladder);
        if (sizes.size() < minFitSizes + 1) {
            throw new FitInputException("a runs backtest needs at least " + (minFitSizes + 1) + " model sizes (fit on "
                    + minFitSizes + ", forecast a larger one); these runs have " + sizes.size());
        }
        List<ForecastMethod> surfaceMethods = methods.stream().filter(ForecastMethod::hasSurface).toList();
        if (surfaceMethods.isEmpty()) {
            throw new IllegalArgumentException("forecasting runs at their own N and D needs a method that fits a surface");
        }
        return overMethodsAndCuts(surfaceMethods.size(), minFitSizes - 1, sizes.size() - 1, (mi, j) -> {
            ForecastMethod m = surfaceMethods.get(mi);
            double nCut = sizes.get(j);
            Ladder train = ladder.filter(i -> obs.get(i).params() <= nCut);
            double cut = train.observations().stream().mapToDouble(Observation::flops).max().orElseThrow();
            ForecastMethod.Fitted fitted = null;
            String note;
            try {
                fitted = m.fit(train);
                note = fitted.note();
            } catch (RuntimeException e) {
                note = "no forecast: " + e.getMessage();
            }
            List<Entry> out = new ArrayList<>();
            for (Observation o : obs) {
                if (o.params() > nCut) {
                    double predicted = fitted == null ? Double.NaN : fitted.loss(o.params(), o.tokens());
                    out.add(new Entry(m.name(), j, cut, o.flops(), o.flops() / cut, o.params(), o.tokens(), predicted,
                            o.loss(), note));
                }
            }
            return out;
        });
    }
}
