package scalelab.reports.model;

import java.util.Objects;

/**
 * The compute-optimal allocation predicted for one target budget.
 *
 * @param target       the target's name (e.g. "target-1e21")
 * @param method       the fit method that produced it
 * @param compute      C in FLOPs
 * @param params       N*
 * @param tokens       D*
 * @param loss         L*
 * @param paramsBand   bootstrap interval of N*, or null
 * @param tokensBand   bootstrap interval of D*, or null
 * @param lossBand     bootstrap interval of L*, or null
 */
public record Allocation(String target, String method, double compute, double params, double tokens, double loss,
                         Interval paramsBand, Interval tokensBand, Interval lossBand) {
    public Allocation {
        Objects.requireNonNull(target, "allocation target");
        Objects.requireNonNull(method, "allocation method");
        Checks.positive("compute of " + target, compute);
        Checks.positive("N* of " + target, params);
        Checks.positive("D* of " + target, tokens);
        Checks.positive("L* of " + target, loss);
    }

    public double tokensPerParam() {
        return tokens / params;
    }
}
