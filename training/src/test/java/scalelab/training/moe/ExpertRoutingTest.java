package scalelab.training.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Routing decisions on the host: capacity, dropping, and optimality of the balanced assignment. */
class ExpertRoutingTest {

    @Test
    void balancedAssignmentIsOptimalOnSmallInstancesSolvedByEnumeration() {
        Random random = new Random(7);
        int instances = 0;
        for (int topK = 1; topK <= 2; topK++) {
            for (int trial = 0; trial < 40; trial++) {
                int experts = 3 + trial % 2;
                int tokens = 5 + random.nextInt(3);
                float[] scores = randomScores(random, tokens, experts, trial % 4 < 2 ? 0 : 2.0);
                ExpertRouting.Assignment a = ExpertRouting.balanced(scores, tokens, experts, topK);
                assertFeasible(a);
                assertEquals(0, a.dropped());
                double best = bruteForceBest(scores, tokens, experts, topK, a.capacity());
                assertEquals(best, totalScore(scores, a), 1e-5, "instance " + trial + " k=" + topK);
                instances++;
            }
        }
        assertEquals(80, instances);
    }

    @Test
    void balancedAssignmentCapsEveryExpertUnderHeavySkew() {
        Random random = new Random(11);
        int tokens = 512;
        int experts = 8;
        for (int topK = 1; topK <= 2; topK++) {
            float[] scores = randomScores(random, tokens, experts, 6.0);
            ExpertRouting.Assignment a = ExpertRouting.balanced(scores, tokens, experts, topK);
            assertFeasible(a);
            assertEquals(0, a.dropped());
            for (int e = 0; e < experts; e++) {
                assertEquals(tokens * topK / experts, a.load()[e], "expert " + e + " load, k=" + topK);
            }
            // The dual biases reproduce the assignment causally (token by token): top-k of s − β is balanced up to
            // the tokens tied at the margin.
            float[] shifted = scores.clone();
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    shifted[t * experts + e] -= (float) a.expertBias()[e];
                }
            }
            ExpertRouting.Assignment biased = ExpertRouting.topK(shifted, tokens, experts, topK, 0);
            for (int e = 0; e < experts; e++) {
                assertEquals(tokens * topK / (double) experts, biased.demand()[e], 0.02 * tokens, "biased top-k load of expert " + e);
            }
            // Plain top-k on the same scores is badly skewed: the balancing did the work.
            int maxDemand = 0;
            ExpertRouting.Assignment greedy = ExpertRouting.topK(scores, tokens, experts, topK, 0);
            for (int d : greedy.demand()) {
                maxDemand = Math.max(maxDemand, d);
            }
            assertTrue(maxDemand > 2 * tokens * topK / experts, "skew too weak to test anything: " + maxDemand);
        }
    }

    @Test
    void capacityFactorDropsTheLeastConfidentChoicesAndDroplessKeepsAll() {
        int tokens = 8;
        int experts = 2;
        // Every token prefers expert 0; confidence grows with the token index.
        float[] probs = new float[tokens * experts];
        for (int t = 0; t < tokens; t++) {
            probs[t * 2] = 0.55f + 0.05f * t;
            probs[t * 2 + 1] = 1 - probs[t * 2];
        }
        ExpertRouting.Assignment capped = ExpertRouting.topK(probs, tokens, experts, 1, 1.0);
        assertEquals(4, capped.capacity());
        assertEquals(4, capped.dropped());
        assertEquals(0.5, capped.droppedFraction(), 1e-12);
        for (int t = 0; t < tokens; t++) {
            assertEquals(t >= 4, capped.slot()[t] >= 0, "token " + t + " kept?");
        }
        assertEquals(8, capped.demand()[0]);

        ExpertRouting.Assignment dropless = ExpertRouting.topK(probs, tokens, experts, 1, 0);
        assertEquals(0, dropless.dropped());
        assertEquals(8, dropless.capacity());
        assertEquals(0.5, dropless.paddingFraction(), 1e-12);
        assertFeasible(dropless);
    }

    @Test
    void topTwoPicksTwoDistinctExpertsInOrder() {
        float[] probs = {0.1f, 0.5f, 0.4f, 0.3f, 0.3f, 0.4f};
        ExpertRouting.Assignment a = ExpertRouting.topK(probs, 2, 3, 2, 0);
        assertEquals(1, a.expert()[0]);
        assertEquals(2, a.expert()[1]);
        assertEquals(2, a.expert()[2]);
        assertEquals(0, a.expert()[3]); // tie between 0 and 1 goes to the lower index
        assertFeasible(a);
    }

    @Test
    void rejectsMismatchedRouterOutput() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ExpertRouting.balanced(new float[5], 2, 3, 1));
        assertTrue(e.getMessage().contains("expected tokens*experts = 6"), e.getMessage());
    }

    static float[] randomScores(Random random, int tokens, int experts, double skew) {
        float[] s = new float[tokens * experts];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) {
                s[t * experts + e] = (float) (random.nextGaussian() + (e == 0 ? skew : 0));
            }
        }
        return s;
    }

    /** Each token's choices are distinct, each slot is used once, rows lie inside the owning expert's block. */
    static void assertFeasible(ExpertRouting.Assignment a) {
        Set<Integer> rows = new HashSet<>();
        int[] load = new int[a.experts()];
        for (int t = 0; t < a.tokens(); t++) {
            Set<Integer> mine = new HashSet<>();
            for (int j = 0; j < a.topK(); j++) {
                int i = t * a.topK() + j;
                assertTrue(mine.add(a.expert()[i]), "token " + t + " uses an expert twice");
                int row = a.slot()[i];
                if (row >= 0) {
                    assertTrue(rows.add(row), "row " + row + " used twice");
                    assertEquals(a.expert()[i], row / a.capacity(), "row outside its expert's block");
                    load[a.expert()[i]]++;
                }
            }
        }
        for (int e = 0; e < a.experts(); e++) {
            assertEquals(load[e], a.load()[e]);
            assertTrue(load[e] <= a.capacity());
        }
    }

    private static double totalScore(float[] scores, ExpertRouting.Assignment a) {
        double total = 0;
        for (int i = 0; i < a.expert().length; i++) {
            if (a.slot()[i] >= 0) {
                total += scores[(i / a.topK()) * a.experts() + a.expert()[i]];
            }
        }
        return total;
    }

    /** Best total score over every assignment of k distinct experts per token with loads <= capacity. */
    private static double bruteForceBest(float[] scores, int tokens, int experts, int topK, int capacity) {
        java.util.List<int[]> subsets = new java.util.ArrayList<>();
        for (int a = 0; a < experts; a++) {
            if (topK == 1) {
                subsets.add(new int[] {a});
            }
            for (int b = a + 1; b < experts && topK == 2; b++) {
                subsets.add(new int[] {a, b});
            }
        }
        int[][] options = subsets.toArray(new int[0][]);
        double[] best = {Double.NEGATIVE_INFINITY};
        search(scores, tokens, experts, options, capacity, 0, new int[experts], 0, best);
        return best[0];
    }

    private static void search(float[] scores, int tokens, int experts, int[][] options, int capacity, int t, int[] load,
                               double sum, double[] best) {
        if (t == tokens) {
            best[0] = Math.max(best[0], sum);
            return;
        }
        for (int[] option : options) {
            boolean fits = true;
            for (int e : option) {
                fits &= load[e] < capacity;
            }
            if (!fits) {
                continue;
            }
            double add = 0;
            for (int e : option) {
                load[e]++;
                add += scores[t * experts + e];
            }
            search(scores, tokens, experts, options, capacity, t + 1, load, sum + add, best);
            for (int e : option) {
                load[e]--;
            }
        }
    }
}
