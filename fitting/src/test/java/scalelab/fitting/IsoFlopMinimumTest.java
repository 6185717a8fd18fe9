package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class IsoFlopMinimumTest {
    private static final double C = 1e18;
    private static final double[] SIZES = {1e5, 2e5, 4e5, 8e5, 1.6e6};

    private static IsoFlopMinimum.Verdict verdict(double... losses) {
        return IsoFlopMinimum.of(withLosses(losses), all(losses.length));
    }

    @Test
    void aUWithItsLowestRunAndVertexInsideIsInterior() {
        assertEquals(IsoFlopMinimum.Verdict.INTERIOR, verdict(2.0, 1.90, 1.902, 1.904, 1.95));
    }

    @Test
    void theLowestRunAtAnEndIsNoMinimumEvenWhenTheParabolasVertexFallsInside() {
        // the case the shape report and the gate used to judge differently (ladder-tiny seed 3's 8e11 budget): the
        // parabola through these points has its vertex at N ≈ 1.8e5, inside, but the smallest size is the best run
        BudgetParabola p = Approach2.parabola(withLosses(1.90, 1.93, 1.91, 1.95, 2.05), all(5));
        assertTrue(p.curvaturePositive() && p.vertexInside(), "the premise: the parabola alone would call it interior");
        assertEquals(IsoFlopMinimum.Verdict.LOWEST_AT_SMALLEST, verdict(1.90, 1.93, 1.91, 1.95, 2.05));
        assertEquals(IsoFlopMinimum.Verdict.LOWEST_AT_LARGEST, verdict(2.3, 2.1, 2.0, 1.96, 1.95));
    }

    @Test
    void aLowestRunInsideWithTheVertexOutsideIsNotInterior() {
        BudgetParabola p = Approach2.parabola(withLosses(1.902, 1.90, 1.97, 2.0, 2.02), all(5));
        assertTrue(p.curvaturePositive() && !p.vertexInside(), "the premise: the vertex lies off the grid");
        assertEquals(IsoFlopMinimum.Verdict.VERTEX_OUTSIDE, verdict(1.902, 1.90, 1.97, 2.0, 2.02));
        assertEquals(IsoFlopMinimum.Verdict.NO_CURVATURE, verdict(1.95, 1.90, 2.05, 2.08, 1.96));
    }

    @Test
    void fewerThanThreeDistinctSizesLocateNothing() {
        assertEquals(IsoFlopMinimum.Verdict.TOO_FEW_SIZES, verdict(2.0, 1.9));
        List<Observation> twice = List.of(Observation.inBudget(1e5, C / 6e5, C, 2.0), Observation.inBudget(1e5, C / 6e5, C, 1.99),
                Observation.inBudget(2e5, C / 1.2e6, C, 1.95));
        assertEquals(IsoFlopMinimum.Verdict.TOO_FEW_SIZES, IsoFlopMinimum.of(twice, all(3)));
    }

    private static List<Observation> withLosses(double... losses) {
        List<Observation> obs = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            obs.add(Observation.inBudget(SIZES[i], C / (6 * SIZES[i]), C, losses[i]));
        }
        return obs;
    }

    private static BudgetGrouping.Budget all(int n) {
        return new BudgetGrouping.Budget(C, IntStream.range(0, n).boxed().toList());
    }
}
