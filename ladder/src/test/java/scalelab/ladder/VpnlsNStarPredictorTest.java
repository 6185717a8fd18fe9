package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import scalelab.fitting.LossSurface;

class VpnlsNStarPredictorTest {

    @Test
    void centresOnTheTrueOptimumOfANoiseFreeLadder() {
        LossSurface truth = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
        List<NStarPredictor.FinishedRun> runs = new ArrayList<>();
        for (double c : new double[] {1e17, 3e17, 1e18}) {
            double nStar = truth.optimalAt(c).params();
            for (double f : new double[] {0.25, 0.5, 1, 2, 4}) {
                long n = Math.round(nStar * f);
                long d = Math.round(c / (6.0 * n));
                runs.add(new NStarPredictor.FinishedRun("dense", c, n, d, truth.loss(n, d)));
            }
        }
        DoubleUnaryOperator nStar = new VpnlsNStarPredictor().apply(runs);
        double next = 3e18;
        assertEquals(truth.optimalAt(next).params(), nStar.applyAsDouble(next), 0.01 * truth.optimalAt(next).params());
        assertEquals("", new VpnlsNStarPredictor().centre(runs).warning(), "a clean fit centres without a warning");
    }

    @Test
    void aFitThatEndedOnAGridEdgeCentresWithAWarning() {
        // β = 2 lies outside VPNLS's exponent box: the fit ends on its edge, and the centre built on it is flagged.
        LossSurface truth = new LossSurface(1.69, 406.4, 4e19, 0.34, 2.0);
        List<NStarPredictor.FinishedRun> runs = new ArrayList<>();
        for (double c : new double[] {1e17, 3e17, 1e18}) {
            double nStar = truth.optimalAt(c).params();
            for (double f : new double[] {0.25, 0.5, 1, 2, 4}) {
                long n = Math.round(nStar * f);
                long d = Math.round(c / (6.0 * n));
                runs.add(new NStarPredictor.FinishedRun("dense", c, n, d, truth.loss(n, d)));
            }
        }
        NStarPredictor.Centre centre = new VpnlsNStarPredictor().centre(runs);
        assertTrue(centre.warning().contains("EXPONENT_ON_GRID_EDGE") && centre.warning().contains("may be off"), centre.warning());
        assertTrue(centre.nStar().applyAsDouble(3e18) > 0);
    }
}
