package scalelab.fitting.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.IsoFlopSimulator;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;

/** The drift-corrected vertex power law on ladders from known surfaces. */
class DriftCorrectedLawTest {
    static final double[] EIGHT_BUDGETS = {1e18, 2e18, 4e18, 8e18, 1.6e19, 3.2e19, 6.4e19, 1.28e20};

    static Ladder ladder(LossSurface truth, double[] budgets) {
        List<Observation> obs = IsoFlopSimulator.sample(truth, new IsoFlopSimulator.Design(budgets, 9, 4, 0, 0, 0, 7));
        return new Ladder(obs, BudgetGrouping.byLabel(obs));
    }

    @Test
    void aFlooredSurfaceBendsAwayFromThePowerLawAndTheDriftTakesBackMuchOfTheMiss() {
        LossSurface truth = ForecasterTest.TRUTH; // E = 1.69: the minima flatten toward the floor
        Ladder l = ladder(truth, EIGHT_BUDGETS);
        ForecastMethod.Fitted plain = PanelMethods.vertexPowerLaw().fit(l);
        ForecastMethod.Fitted corrected = PanelMethods.vertexPowerLawDriftCorrected().fit(l);
        double c = 100 * l.largestBudget();
        double expected = truth.optimalAt(c).loss();
        double plainError = plain.optimalLoss(c) / expected - 1;
        double correctedError = corrected.optimalLoss(c) / expected - 1;
        assertTrue(plainError < -0.01, "a pure power law under-forecasts a floored surface 100× out: " + plainError);
        // a drift linear in ln(ratio) is a first-order correction of a curve that bends on (~half of the miss here)
        assertTrue(Math.abs(correctedError) < 0.6 * Math.abs(plainError), "corrected " + correctedError + " vs plain " + plainError);
        assertTrue(corrected.note().contains("corrected by its drift -"), corrected.note());
        // inside the ladder the law interpolates: nothing to correct
        assertEquals(plain.optimalLoss(3e19), corrected.optimalLoss(3e19), 1e-12);
    }

    @Test
    void withoutAFloorTheMinimaFollowThePowerLawAndThereIsNoDriftToRemove() {
        LossSurface noFloor = new LossSurface(0, 406.4, 410.7, 0.34, 0.28);
        Ladder l = ladder(noFloor, EIGHT_BUDGETS);
        ForecastMethod.Fitted plain = PanelMethods.vertexPowerLaw().fit(l);
        ForecastMethod.Fitted corrected = PanelMethods.vertexPowerLawDriftCorrected().fit(l);
        double c = 100 * l.largestBudget();
        assertEquals(plain.optimalLoss(c), corrected.optimalLoss(c), 0.002 * plain.optimalLoss(c), corrected.note());
        assertEquals(noFloor.optimalAt(c).loss(), corrected.optimalLoss(c), 0.005 * noFloor.optimalAt(c).loss());
    }

    @Test
    void aLadderTooShortToMeasureTheDriftGetsThePlainLawAndSaysSo() {
        // 4 budgets: one cut of 3 forecasts one budget, and one backtest forecast is no drift
        Ladder l = ladder(ForecasterTest.TRUTH, new double[] {1e18, 2e18, 4e18, 8e18});
        ForecastMethod.Fitted plain = PanelMethods.vertexPowerLaw().fit(l);
        ForecastMethod.Fitted corrected = PanelMethods.vertexPowerLawDriftCorrected().fit(l);
        assertEquals(plain.optimalLoss(1e21), corrected.optimalLoss(1e21), 0);
        assertTrue(corrected.note().startsWith("approach2 uncorrected: 1 backtest forecast(s)"), corrected.note());
        Ladder five = ladder(ForecasterTest.TRUTH, new double[] {1e18, 2e18, 4e18, 8e18, 1.6e19});
        assertTrue(PanelMethods.vertexPowerLawDriftCorrected().fit(five).note().contains("from 3 backtest forecasts"));
    }

    @Test
    void aDriftThatWouldMakeLossRiseWithComputeIsClampedToAFlatLawAndSaysSo() {
        // minima that rise with compute (+0.02 per ln C) under an inner law that always falls (−0.1 per ln C from the
        // top budget's minimum): its backtests drift by −0.12 per ln(ratio), more than the law's own slope
        double[] budgets = {1e18, 2e18, 4e18, 8e18, 1.6e19, 3.2e19};
        List<Observation> obs = new java.util.ArrayList<>();
        for (double c : budgets) {
            double min = 3.0 * Math.pow(c / 1e18, 0.02), n = Math.sqrt(c / 120);
            for (double f : new double[] {0.5, 1, 2}) {
                obs.add(Observation.inBudget(n * f, c / (6 * n * f), c, f == 1 ? min : min + 0.05));
            }
        }
        Ladder l = new Ladder(obs, BudgetGrouping.byLabel(obs));
        ForecastMethod falling = new ForecastMethod() {
            public String name() {
                return "falling";
            }

            public String assumptions() {
                return "falls 0.1 per unit of ln C from the top budget's minimum";
            }

            public boolean hasSurface() {
                return false;
            }

            public Fitted fit(Ladder ladder) {
                double top = ladder.largestBudget(), at = ladder.observedMinimum(ladder.budgetCount() - 1);
                return new Fitted(null, c -> at * Math.pow(c / top, -0.1), "ok");
            }
        };
        ForecastMethod.Fitted corrected = new DriftCorrectedLaw("falling-drift", falling).fit(l);
        double top = l.largestBudget(), atTop = l.observedMinimum(l.budgetCount() - 1);
        assertEquals(atTop, corrected.optimalLoss(100 * top), 1e-9 * atTop, "held flat past the ladder, not rising");
        assertTrue(corrected.note().contains("corrected by its drift -0.12") && corrected.note().contains("clamped to -0.1000"),
                corrected.note());
    }
}
