package scalelab.fitting.forecast;

import java.util.List;
import java.util.Locale;
import scalelab.fitting.FitInputException;

/**
 * A method corrected by its own drift on this ladder: the method's rolling-origin backtests (fit on the budgets up to
 * each cut of at least {@link #MIN_CUT_BUDGETS}, forecast every larger budget of the ladder) measure its log error
 * ln(predicted ÷ observed) as a function of the extrapolation ratio r; a drift b·ln r (least squares through the
 * origin: no error at r = 1) is fitted, and a forecast at ratio r past the ladder's largest budget is divided by r^b.
 * For a pure power law that is a change of exponent past the ladder, by as much as the ladder's own minima bent away
 * from the law: the pure power law has no floor, so it extrapolates a ladder's falling curvature as a straight line and
 * under-forecasts by more the farther it reaches (seven of the nine ladders measured, README). A ladder too
 * short to measure the drift ({@link #MIN_BACKTESTS} backtest forecasts) gets the uncorrected law, and its note says so.
 */
final class DriftCorrectedLaw implements ForecastMethod {
    /** Backtest cuts fit on at least this many budgets: a power law through 2 vertices is a bare interpolation. */
    static final int MIN_CUT_BUDGETS = 3;
    /** Backtest forecasts the drift needs before it is trusted. */
    static final int MIN_BACKTESTS = 2;

    private final ForecastMethod inner;
    private final String name;

    DriftCorrectedLaw(String name, ForecastMethod inner) {
        this.name = name;
        this.inner = inner;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String assumptions() {
        return inner.assumptions() + ", up to a drift in log loss proportional to ln(ratio) that the method's own "
                + "rolling backtests on this ladder measure and the forecast removes";
    }

    @Override
    public boolean hasSurface() {
        return false;
    }

    @Override
    public int fewestBudgets() {
        return inner.fewestBudgets();
    }

    @Override
    public Fitted fit(Ladder ladder) {
        Fitted plain = inner.fit(ladder);
        List<RollingBacktest.Entry> backtests = ladder.budgetCount() <= MIN_CUT_BUDGETS ? List.of()
                : RollingBacktest.run(ladder, List.of(inner), RollingBacktest.Mode.ALL, MIN_CUT_BUDGETS);
        double sxy = 0, sxx = 0;
        int n = 0;
        for (RollingBacktest.Entry e : backtests) {
            if (e.ok() && e.predicted() > 0) {
                double x = Math.log(e.ratio());
                sxy += x * Math.log(e.predicted() / e.observed());
                sxx += x * x;
                n++;
            }
        }
        if (n < MIN_BACKTESTS) {
            return new Fitted(null, plain.optimal(), String.format(Locale.ROOT, "%s uncorrected: %d backtest forecast(s) "
                    + "on this ladder, its drift needs %d", inner.name(), n, MIN_BACKTESTS));
        }
        double drift = sxy / sxx;
        double top = ladder.largestBudget();
        // The law's slope in ln L per ln C at the top budget; the corrected law's is slope − drift. A drift that would
        // make loss rise with compute past the ladder is no forecast: the correction stops at a flat law, and says so.
        double slope = Math.log(plain.optimalLoss(top * Math.E) / plain.optimalLoss(top));
        String clamped = "";
        if (slope - drift > 0) {
            clamped = String.format(Locale.ROOT, "; clamped to %+.4f, which holds the loss flat past the ladder (the drift "
                    + "would make it rise with compute)", slope);
            drift = slope;
        }
        final double b = drift;
        String note = String.format(Locale.ROOT, "%s corrected by its drift %+.4f per unit of ln(ratio), from %d backtest "
                + "forecasts%s%s", inner.name(), sxy / sxx, n, clamped, "ok".equals(plain.note()) ? "" : " (" + plain.note() + ")");
        // inside the ladder (r ≤ 1) the law is an interpolation: no correction
        return new Fitted(null, c -> plain.optimalLoss(c) * Math.pow(Math.max(c / top, 1), -b), note);
    }
}
