package scalelab.registry.io;

import java.util.Locale;

/**
 * The ranges outside which a run's measured numbers are typos, unit errors or overflow, not science. Readers and
 * commands refuse such values with file and line (or the option) instead of letting them reach a fit as ±Infinity.
 */
public final class PlausibleRange {
    private PlausibleRange() {}

    /**
     * Losses in nats per token. The lower bound: natural text carries far more than 1e-3 nats per token, so a smaller
     * loss is a unit error (a sum divided twice, a probability instead of a log) or a model that memorised a toy set.
     * The upper bound: a uniform guess over even a 10⁶-token vocabulary costs ln 10⁶ ≈ 13.8 nats, and a diverged model
     * stays within ~10²; 10³ leaves room for bits and badly initialised runs but not for a perplexity or a typo.
     */
    public static final double MIN_LOSS = 1e-3;
    public static final double MAX_LOSS = 1e3;
    /** Parameters: the largest models reported are ~2e12; 1e15 leaves 500× and still keeps 6·N·D finite. */
    public static final double MAX_PARAMS = 1e15;
    /** Training tokens: the largest runs reported use ~2e13; 1e17 leaves 5000×. */
    public static final double MAX_TOKENS = 1e17;
    /** Compute in FLOPs: the largest runs reported are ~1e26; 1e30 leaves 10⁴×, far beyond any ladder or target. */
    public static final double MAX_FLOPS = 1e30;

    /** Null when {@code loss} is a plausible loss in nats per token, else the problem. */
    public static String lossProblem(double loss) {
        if (!Double.isFinite(loss) || !(loss > 0)) {
            return "a loss must be a finite positive number of nats per token, got " + loss;
        }
        if (loss < MIN_LOSS || loss > MAX_LOSS) {
            return String.format(Locale.ROOT, "a loss of %s nats per token is not plausible (allowed: [%s, %s]; "
                    + "a unit error or a typo?)", loss, MIN_LOSS, MAX_LOSS);
        }
        return null;
    }

    /** Null when {@code value} is within (0, max], else the problem naming {@code what}. */
    public static String positiveUpTo(String what, double value, double max) {
        if (!Double.isFinite(value) || !(value > 0)) {
            return what + " must be a finite positive number, got " + value;
        }
        if (value > max) {
            return String.format(Locale.ROOT, "%s of %s is out of range (at most %s; a typo or the wrong unit?)", what, value, max);
        }
        return null;
    }
}
