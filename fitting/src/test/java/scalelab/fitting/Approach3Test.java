package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Approach 3 with Epoch AI's protocol on their full reconstruction, 5 highest losses dropped. */
class Approach3Test {
    @Test
    void reproducesEpochRefit() {
        List<Observation> obs = Approach3.dropHighestLosses(TestData.load("chinchilla-raw-with-outliers.csv"), 5);
        assertEquals(240, obs.size());
        FitResult r = Approach3.fit(obs);
        assertEquals(FitStatus.CONVERGED, r.status());
        LossSurface s = r.surface();
        assertEquals(1.8172, s.E(), 1e-3 * 1.8172);
        assertEquals(477.84, s.A(), 2e-3 * 477.84);
        assertEquals(2143.86, s.B(), 2e-3 * 2143.86);
        assertEquals(0.3473, s.alpha(), 1e-3);
        assertEquals(0.3672, s.beta(), 1e-3);
        assertEquals(1.01827e-3, r.objectiveValue(), 1e-4 * 1.01827e-3);
        assertEquals(Units.RAW, r.units());
    }
}
