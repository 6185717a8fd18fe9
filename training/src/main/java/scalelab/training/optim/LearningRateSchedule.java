package scalelab.training.optim;

/**
 * Learning rate per step: linear warmup over the first warmupFraction of steps, then either
 * cosine decay to finalFraction·peak at the last step, or warmup-stable-decay (WSD): constant peak until the
 * last {@link #WSD_DECAY_FRACTION} of steps, then linear decay to finalFraction·peak.
 */
public record LearningRateSchedule(String kind, double peak, long totalSteps, long warmupSteps, double finalFraction) {

    public static final double WSD_DECAY_FRACTION = 0.2;

    public LearningRateSchedule {
        if (!"cosine".equals(kind) && !"wsd".equals(kind)) {
            throw new IllegalArgumentException("schedule must be cosine or wsd, got " + kind);
        }
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps >= Math.max(totalSteps, 2)) {
            throw new IllegalArgumentException("need 0 <= warmup steps (" + warmupSteps + ") < total steps (" + totalSteps + ")");
        }
        if (!(finalFraction >= 0 && finalFraction <= 1)) {
            throw new IllegalArgumentException("final fraction of the peak must be in [0, 1], got " + finalFraction);
        }
    }

    public static LearningRateSchedule of(String kind, double peak, long totalSteps, double warmupFraction, double finalFraction) {
        return new LearningRateSchedule(kind, peak, totalSteps, Math.min(totalSteps - 1, Math.round(warmupFraction * totalSteps)),
                finalFraction);
    }

    /** Rate for 0-based step {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / (double) (warmupSteps + 1);
        }
        long decaySteps = totalSteps - warmupSteps;
        if ("cosine".equals(kind)) {
            double progress = decaySteps <= 1 ? 1.0 : (step - warmupSteps) / (double) (decaySteps - 1);
            return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
        }
        long stableEnd = totalSteps - Math.max(1, Math.round(WSD_DECAY_FRACTION * totalSteps));
        if (step < Math.max(stableEnd, warmupSteps)) {
            return peak;
        }
        long start = Math.max(stableEnd, warmupSteps);
        // the last step keeps a sliver of the peak (1/(decay steps + 1)) when finalFraction is 0, as WSD always did
        double remaining = (totalSteps - step) / (double) (totalSteps - start + 1);
        return peak * (finalFraction + (1 - finalFraction) * remaining);
    }
}
