package scalelab.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import scalelab.reports.model.ForecastView;

/** The report's forecasts: the default forecaster at each target, with its band along the extrapolated frontier. */
public final class ForecastSection {
    /** Points of the band between the ladder's largest budget and a target. */
    static final int BAND_POINTS = 9;

    private ForecastSection() {}

    /**
     * @param targets target name → compute (FLOPs); computes at or below the ladder's largest budget are left out
     * @return one view per target, or an empty list (with nothing thrown) when the ladder cannot be forecast at all
     */
    public static List<ForecastView> of(Ladder ladder, Map<String, Double> targets) {
        Forecaster.Evidence evidence;
        try {
            evidence = Forecaster.gather(ladder, false, Forecaster.Options.defaults(null));
        } catch (RuntimeException e) {
            return List.of();
        }
        double top = ladder.largestBudget();
        List<ForecastView> out = new ArrayList<>();
        for (Map.Entry<String, Double> t : new LinkedHashMap<>(targets).entrySet()) {
            if (!(t.getValue() > top)) {
                continue;
            }
            Forecast f = evidence.forecast(ForecastTarget.computeOptimal(t.getValue()));
            List<Forecast> band = new ArrayList<>();
            for (int i = 0; i <= BAND_POINTS; i++) {
                double c = top * Math.pow(t.getValue() / top, (double) i / BAND_POINTS);
                band.add(i == BAND_POINTS ? f : evidence.forecast(ForecastTarget.computeOptimal(c)));
            }
            out.add(ForecastView.of(t.getKey(), f, band));
        }
        return out;
    }
}
