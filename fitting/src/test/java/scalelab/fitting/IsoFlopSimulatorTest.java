package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IsoFlopSimulatorTest {
    static final LossSurface CHINCHILLA = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
    static final double[] BUDGETS = {1e18, 1e19, 1e20};

    @Test
    void gridIsCentredOnTheTrueOptimumAndNoiseIsSeeded() {
        List<Observation> exact = IsoFlopSimulator.sample(CHINCHILLA, new IsoFlopSimulator.Design(BUDGETS, 5, 8, 0, 0, 0, 1));
        assertEquals(15, exact.size());
        for (int b = 0; b < BUDGETS.length; b++) {
            // 5 sizes over N*/8 … N*·8: the middle one is N*, and every run spends the budget.
            Observation mid = exact.get(5 * b + 2);
            assertEquals(CHINCHILLA.optimalAt(BUDGETS[b]).params(), mid.params(), 1e-9 * mid.params());
            assertEquals(64, exact.get(5 * b + 4).params() / exact.get(5 * b).params(), 1e-9);
            for (Observation o : exact.subList(5 * b, 5 * b + 5)) {
                assertEquals(BUDGETS[b], 6 * o.params() * o.tokens(), 1e-9 * BUDGETS[b]);
                assertEquals(CHINCHILLA.loss(o.params(), o.tokens()), o.loss(), 1e-12);
            }
        }
        var noisy = new IsoFlopSimulator.Design(BUDGETS, 5, 8, 0, 0, 0.01, 7);
        assertEquals(IsoFlopSimulator.sample(CHINCHILLA, noisy), IsoFlopSimulator.sample(CHINCHILLA, noisy));
        assertNotEquals(IsoFlopSimulator.sample(CHINCHILLA, noisy),
                IsoFlopSimulator.sample(CHINCHILLA, new IsoFlopSimulator.Design(BUDGETS, 5, 8, 0, 0, 0.01, 8)));
    }

    @Test
    void noiseThatDrivesALossBelowZeroIsNamed() {
        var design = new IsoFlopSimulator.Design(BUDGETS, 9, 8, 0, 0, 5.0, 1);
        String m = assertThrows(IllegalArgumentException.class, () -> IsoFlopSimulator.sample(CHINCHILLA, design)).getMessage();
        assertTrue(m.contains("noise sd 5.0") && m.contains("lower the noise"), m);
    }
}
