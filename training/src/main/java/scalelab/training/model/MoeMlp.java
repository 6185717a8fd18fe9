package scalelab.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;
import scalelab.training.moe.MoeFeedForward;
import scalelab.training.moe.MoeOutput;
import scalelab.training.moe.RoutingStats;

/**
 * The mixture-of-experts feed-forward layer of a transformer block: {@link MoeFeedForward} (router [d, E], stacked
 * experts [E, d, dExpert] and [E, dExpert, d], aux or quantile balancing) behind the model's {@link FeedForward}
 * interface. The block's three DJL parameters are allocated on the model's {@link ParameterStore} manager and adopted
 * by it, so they are seeded by name, updated by the trainer's AdamW and written to its checkpoints like every other
 * parameter; the block's forward reads them through its own {@code Parameter}s, which hold these very arrays.
 *
 * <p>Parameter names: "{prefix}.router", "{prefix}.experts_in", "{prefix}.experts_out". All three are
 * {@link Parameter.Kind#MATMUL} and so take weight decay: the router is a d × E matrix every token multiplies through,
 * and decaying it keeps its logits from growing without bound, which would saturate the gates (k = 1 uses the router
 * probability) and freeze the routing; its d·E weights are a negligible share of the decayed mass.
 */
public final class MoeMlp implements FeedForward {
    private final MoeFeedForward layer;
    private RoutingStats lastTrainingStats;

    /**
     * @param std       init std of the input-side expert matrices
     * @param outputStd init std of the expert output matrices (residual projections, scaled by depth)
     */
    public MoeMlp(RunSpec spec, ParameterStore params, String prefix, double std, double outputStd) {
        ModelConfig model = spec.model();
        this.layer = MoeFeedForward.of(model, spec);
        adopt(params, prefix + ".router", layer.router(), MoeFeedForward.ROUTER_INIT_STD);
        adopt(params, prefix + ".experts_in", layer.expertIn(), std);
        adopt(params, prefix + ".experts_out", layer.expertOut(), outputStd);
    }

    private static void adopt(ParameterStore params, String name, ai.djl.nn.Parameter parameter, double std) {
        parameter.initialize(params.manager(), DataType.FLOAT32);
        params.adopt(name, Parameter.Kind.MATMUL, parameter.getArray(), std);
    }

    @Override
    public FeedForwardOutput forward(NDArray x, boolean training) {
        MoeOutput out = layer.forward(x, training);
        if (training) {
            lastTrainingStats = out.stats();
        }
        // quantile balancing returns a zero scalar: keep it in the graph only when it carries a gradient signal
        return new FeedForwardOutput(out.output(), layer.balancing() == scalelab.training.moe.Balancing.AUX ? out.auxLoss() : null);
    }

    @Override
    public double[] expertTokenShares() {
        return lastTrainingStats == null ? new double[0] : lastTrainingStats.shares();
    }

    /** Routing statistics of the last training forward pass (null before the first). */
    public RoutingStats lastTrainingStats() {
        return lastTrainingStats;
    }

    @Override
    public double[] routingState() {
        return layer.expertBias();
    }

    @Override
    public void restoreRoutingState(double[] state) {
        layer.restoreExpertBias(state);
    }

    /** The wrapped DJL block (tests read its parameters and β). */
    public MoeFeedForward block() {
        return layer;
    }
}
