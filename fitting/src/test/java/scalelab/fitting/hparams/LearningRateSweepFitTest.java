package scalelab.fitting.hparams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.hparams.LearningRateSweepFit.CellStatus;
import scalelab.fitting.hparams.LearningRateSweepFit.Result;
import scalelab.fitting.hparams.LearningRateSweepFit.RuleStatus;
import scalelab.fitting.hparams.LearningRateSweepFit.Trial;

class LearningRateSweepFitTest {
    private static final double[] FACTORS = {0.25, 0.5, 1, 2, 4};

    /** The best rate of a cell under a known rule: 0.3·√(B/16)·(d/64)^-1·(D/4e6)^-0.3. */
    private static double truth(int width, int batch, long tokens) {
        return 0.03 * Math.sqrt(batch / 16.0) * Math.pow(width / 64.0, -1) * Math.pow(tokens / 4e6, -0.3);
    }

    /** Loss quadratic in ln(lr) around the true best rate, each cell's grid centred off the truth by {@code offset}. */
    private static List<Trial> sweep(double offset) {
        List<Trial> trials = new ArrayList<>();
        int[][] cells = {{32, 8}, {64, 16}, {96, 16}};
        for (int[] wb : cells) {
            for (long tokens : new long[] {1_000_000, 4_000_000, 16_000_000}) {
                double best = truth(wb[0], wb[1], tokens);
                for (double f : FACTORS) {
                    double lr = best * offset * f;
                    double loss = 2.0 + 0.05 * Math.pow(Math.log(lr / best), 2);
                    trials.add(new Trial(wb[0], wb[1], tokens, lr, loss));
                }
            }
        }
        return trials;
    }

    @Test
    void recoversTheWidthAndHorizonExponentsOfAKnownRule() {
        Result r = LearningRateSweepFit.fit(sweep(1.3), 0.5, -1, 0);
        assertTrue(r.cells().stream().allMatch(c -> c.status() == CellStatus.INTERIOR));
        assertEquals(RuleStatus.FITTED, r.rule().status());
        assertTrue(r.rule().widthFitted() && r.rule().tokensFitted());
        assertEquals(-1.0, r.rule().widthExponent(), 1e-9);
        assertEquals(-0.3, r.rule().tokensExponent(), 1e-9);
        assertEquals(truth(48, 8, 2_000_000), r.rule().at(48, 8, 2_000_000), 1e-9 * truth(48, 8, 2_000_000));
        assertEquals(0, r.rule().rmsLogResidual(), 1e-9);
    }

    @Test
    void cellsWithTheirMinimumAtTheGridEdgeAreReportedAndLeftOut() {
        List<Trial> trials = new ArrayList<>(sweep(1.0));
        // one more cell whose losses fall all the way to the largest rate tried, and whose largest rate diverged
        for (double f : FACTORS) {
            trials.add(new Trial(128, 16, 4_000_000, 1e-3 * f, f == 4 ? Double.NaN : 3.0 - 0.1 * f));
        }
        trials.add(new Trial(128, 32, 4_000_000, 1e-3, 3.0));
        Result r = LearningRateSweepFit.fit(trials, 0.5, -1, 0);
        var edge = r.cells().stream().filter(c -> c.width() == 128 && c.batch() == 16).findFirst().orElseThrow();
        assertEquals(CellStatus.AT_HIGHEST_RATE, edge.status());
        assertEquals(2e-3, edge.bestLr(), 1e-15);
        var lonely = r.cells().stream().filter(c -> c.batch() == 32).findFirst().orElseThrow();
        assertEquals(CellStatus.TOO_FEW_RATES, lonely.status());
        assertEquals(9, r.rule().cellsUsed());
        assertEquals(-0.3, r.rule().tokensExponent(), 1e-9);
    }

    @Test
    void oneWidthKeepsTheDefaultWidthExponentAndNoInteriorCellGivesNoRule() {
        List<Trial> oneWidth = sweep(1.0).stream().filter(t -> t.width() == 64).toList();
        Result r = LearningRateSweepFit.fit(oneWidth, 0.5, -1, 0);
        assertFalse(r.rule().widthFitted());
        assertEquals(-1, r.rule().widthExponent(), 0);
        assertEquals(-0.3, r.rule().tokensExponent(), 1e-9);
        assertEquals(RuleStatus.FITTED, r.rule().status());

        List<Trial> rising = new ArrayList<>();
        for (double f : FACTORS) {
            rising.add(new Trial(64, 16, 1_000_000, 1e-3 * f, 2 + f));
        }
        Result none = LearningRateSweepFit.fit(rising, 0.5, -1, 0);
        assertEquals(CellStatus.AT_LOWEST_RATE, none.cells().get(0).status());
        assertEquals(RuleStatus.NO_INTERIOR_CELL, none.rule().status());
        assertTrue(Double.isNaN(none.rule().coefficient()));
    }

    @Test
    void refusesARateTriedTwiceInOneCell() {
        List<Trial> twice = List.of(new Trial(64, 16, 1_000_000, 1e-3, 2.1), new Trial(64, 16, 1_000_000, 1e-3, 2.0),
                new Trial(64, 16, 1_000_000, 2e-3, 2.2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSweepFit.fit(twice, 0.5, -1, 0));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
