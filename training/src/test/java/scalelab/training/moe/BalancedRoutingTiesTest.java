package scalelab.training.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Regression: router scores with many near-ties (as an MoE model produces early in training, and as the ladder's
 * quantile runs hit) once made {@link ExpertRouting#balanced} drop choices or loop until the heap filled the Java heap:
 * move costs were float differences, whose rounding turned zero-cost cycles negative. With k = 2 of E = 4 experts and
 * N·k divisible by E a full balance always exists, so every expert must get exactly N·k/E and nothing is dropped.
 */
class BalancedRoutingTiesTest {

    @Test
    void nearTiedScoresBalanceExactlyAndTerminate() {
        int tokens = 512;
        int experts = 4;
        int k = 2;
        Random random = new Random(1);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int trial = 0; trial < 200; trial++) {
                float[] scores = new float[tokens * experts];
                float skew = random.nextFloat() * 3;
                for (int i = 0; i < scores.length; i++) {
                    // three levels plus 1e-7 noise: many exact and near ties; experts 1 and 2 favoured almost equally
                    double v = random.nextInt(3) * 0.5 + 1e-7 * random.nextGaussian();
                    v += i % experts == 1 ? skew : i % experts == 2 ? skew * 0.999 : 0;
                    scores[i] = (float) (10 * v);
                }
                ExpertRouting.Assignment a = ExpertRouting.balanced(scores, tokens, experts, k);
                assertEquals(0.0, a.droppedFraction(), "trial " + trial + " dropped choices");
                assertArrayEquals(new int[] {256, 256, 256, 256}, a.load(), "trial " + trial);
            }
        });
    }
}
