package scalelab.registry;

/**
 * One expert's share of the routed token-slots of one MoE layer at one training step (a row of a run's
 * expert-shares.csv). A layer's shares at a step sum to 1.
 */
public record ExpertShare(long step, int layer, int expert, double share) {
    public ExpertShare {
        if (step < 0 || layer < 0 || expert < 0) {
            throw new IllegalArgumentException("step, layer and expert must be non-negative, got " + step + ", " + layer + ", " + expert);
        }
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("an expert share must be in [0, 1], got " + share);
        }
    }
}
