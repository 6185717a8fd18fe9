package scalelab.training.moe;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;

/**
 * Mixture-of-experts feed-forward layer: a bias-free router [d, E] (softmax over experts) sends each token to k of E
 * bias-free GELU MLPs d → dExpert → d and returns the gate-weighted sum of their outputs.
 *
 * <p>Parameters (exactly {@link ModelConfig}'s count: d·E + E·2·d·dExpert): {@code router} [d, E], {@code expertIn}
 * [E, d, dExpert] and {@code expertOut} [E, dExpert, d], the experts stacked so that they run as one batched matrix
 * multiply over a dispatch buffer of E × capacity rows.
 *
 * <p>Gates: k = 1 uses the router probability of the chosen expert; k = 2 renormalises the two probabilities to sum to
 * 1. The router learns through these gates with either balancing method.
 *
 * <p>Balancing: {@link Balancing#AUX} routes top-k (dropless, or capped by the capacity factor) and returns the Switch
 * loss coef·E·Σ_e f_e·P_e (f_e: share of the N·k choices routed to e before capacity, constant; P_e: mean router
 * probability of e, differentiable). {@link Balancing#QUANTILE} routes training batches by
 * {@link ExpertRouting#balanced} (each expert ≤ ⌈N·k/E⌉ choices, total router score maximal, solved exactly) and
 * returns a zero aux loss. In evaluation ({@code training == false}) a batch-level assignment would let the other
 * tokens of the batch (later positions included) decide a token's experts, so it routes each token alone by top-k of
 * s − β, β being the dual prices (per-expert biases) of the latest training batch's assignment — the "estimate on one
 * batch, apply causally" form of Quantile Balancing (J. Su, 2025). β is saved with the parameters.
 *
 * <p>Memory: every array a forward pass creates lives on the input's manager (all ops start from the input or from
 * arrays derived from it), so a per-step sub-manager frees them; parameter arrays are only read.
 */
public final class MoeFeedForward extends AbstractBlock {

    private static final byte VERSION = 1;

    /** Initial router weights: small, so routing starts near uniform and the router learns from the gates. */
    public static final float ROUTER_INIT_STD = 0.02f;

    private final int dModel;
    private final int experts;
    private final int topK;
    private final int dExpert;
    private final Balancing balancing;
    private final double capacityFactor;
    private final double auxLossCoef;
    private final Parameter router;
    private final Parameter expertIn;
    private final Parameter expertOut;
    private volatile RoutingStats lastStats;
    /** Per-expert routing biases β of the latest quantile-balanced training batch (zeros before the first). */
    private double[] expertBias;

    /**
     * @param capacityFactor 0 = dropless; otherwise each expert takes at most ⌈capacityFactor·N·k/E⌉ choices (AUX
     *                       balancing; QUANTILE always uses ⌈N·k/E⌉ in training and dropless top-k in evaluation)
     * @param auxLossCoef    coefficient of the Switch loss (AUX only; must be 0 or positive)
     */
    public MoeFeedForward(int dModel, int experts, int topK, int dExpert, Balancing balancing, double capacityFactor,
                          double auxLossCoef) {
        super(VERSION);
        require(dModel >= 1 && dExpert >= 1, "d_model and expert width must be positive, got " + dModel + ", " + dExpert);
        require(experts >= 2, "an MoE layer needs at least 2 experts, got " + experts);
        require(topK == 1 || topK == 2, "top_k must be 1 or 2, got " + topK);
        require(topK <= experts, "top_k (" + topK + ") exceeds experts (" + experts + ")");
        require(capacityFactor >= 0 && Double.isFinite(capacityFactor),
                "capacity factor must be 0 (dropless) or positive, got " + capacityFactor);
        require(auxLossCoef >= 0 && Double.isFinite(auxLossCoef), "aux loss coefficient must be >= 0, got " + auxLossCoef);
        this.dModel = dModel;
        this.experts = experts;
        this.topK = topK;
        this.dExpert = dExpert;
        this.balancing = java.util.Objects.requireNonNull(balancing, "balancing");
        this.capacityFactor = capacityFactor;
        this.auxLossCoef = auxLossCoef;
        this.expertBias = new double[experts];
        router = addParameter(Parameter.builder().setName("router").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(dModel, experts)).optInitializer(new NormalInitializer(ROUTER_INIT_STD)).build());
        // Unit-variance-preserving starts for each matrix; override with setInitializer(…, "expertIn") if the model
        // scales its residual branches.
        expertIn = addParameter(Parameter.builder().setName("expertIn").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(experts, dModel, dExpert))
                .optInitializer(new NormalInitializer((float) (1 / Math.sqrt(dModel)))).build());
        expertOut = addParameter(Parameter.builder().setName("expertOut").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(experts, dExpert, dModel))
                .optInitializer(new NormalInitializer((float) (1 / Math.sqrt(dExpert)))).build());
    }

    /** The MoE layer of {@code model} balanced as {@code spec} says (balance, capacity factor, aux coefficient). */
    public static MoeFeedForward of(ModelConfig model, RunSpec spec) {
        require(model.isMoe(), "model is dense (experts = 1): it has no MoE layer");
        return new MoeFeedForward(model.dModel(), model.experts(), model.topK(), model.dExpert(),
                Balancing.parse(spec.balance()), spec.capacityFactor(), spec.auxLossCoef());
    }

    /**
     * Runs the layer on {@code x} [.., d] (e.g. [B, T, d] or [tokens, d]) with the parameters' current arrays.
     * Results live on {@code x}'s manager; the statistics are also kept as {@link #lastStats()}.
     */
    public MoeOutput forward(NDArray x, boolean training) {
        return forward(x, router.getArray(), expertIn.getArray(), expertOut.getArray(), training);
    }

    private MoeOutput forward(NDArray x, NDArray routerW, NDArray inW, NDArray outW, boolean training) {
        Shape shape = x.getShape();
        require(shape.dimension() >= 2 && shape.tail() == dModel,
                "MoE input must be [.., " + dModel + "], got " + shape);
        NDManager manager = x.getManager();
        int tokens = Math.toIntExact(shape.size() / dModel);
        NDArray flat = x.reshape(tokens, dModel);
        NDArray logits = flat.matMul(routerW);
        NDArray probs = logits.softmax(1);
        float[] probsHost = probs.toFloatArray();

        ExpertRouting.Assignment routing;
        if (balancing == Balancing.AUX) {
            routing = ExpertRouting.topK(probsHost, tokens, experts, topK, capacityFactor);
        } else if (training) {
            routing = ExpertRouting.balanced(logits.toFloatArray(), tokens, experts, topK);
            expertBias = routing.expertBias();
        } else {
            float[] biased = logits.toFloatArray();
            double[] bias = expertBias;
            for (int i = 0; i < biased.length; i++) {
                biased[i] -= (float) bias[i % experts];
            }
            routing = ExpertRouting.topK(biased, tokens, experts, topK, 0);
        }

        int capacity = routing.capacity();
        NDArray dispatched = flat.get(manager.create(routing.dispatchTokens())).reshape(experts, capacity, dModel);
        NDArray hidden = Activation.gelu(dispatched.matMul(inW));
        NDArray expertOutputs = hidden.matMul(outW).reshape((long) experts * capacity, dModel)
                .concat(manager.zeros(new Shape(1, dModel), x.getDataType()), 0);
        NDArray picked = expertOutputs.get(manager.create(routing.combineRows())).reshape(tokens, topK, dModel);

        long[] chosen = new long[tokens * topK];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = routing.expert()[i];
        }
        NDArray chosenIndex = manager.create(chosen, new Shape(tokens, topK));
        // k = 2: p_i / (p_i + p_j) computed as a softmax over the two chosen logits, which stays finite when a
        // balanced assignment hands a token to experts whose probabilities underflow.
        NDArray gates = topK == 1 ? probs.gather(chosenIndex, 1) : logits.gather(chosenIndex, 1).softmax(1);
        NDArray output = picked.mul(gates.expandDims(2)).sum(new int[] {1}).reshape(shape);

        double[] demandShare = new double[experts];
        for (int e = 0; e < experts; e++) {
            demandShare[e] = routing.demand()[e] / (double) (tokens * topK);
        }
        NDArray auxLoss;
        if (balancing == Balancing.AUX) {
            float[] f = new float[experts];
            for (int e = 0; e < experts; e++) {
                f[e] = (float) demandShare[e];
            }
            auxLoss = probs.mean(new int[] {0}).mul(manager.create(f)).sum()
                    .mul(manager.create((float) (experts * auxLossCoef))); // not mul(Number): see TransformerLM.attention
        } else {
            auxLoss = manager.zeros(new Shape(), x.getDataType());
        }
        RoutingStats stats = new RoutingStats(routing.load(), tokens, topK, routing.droppedFraction(),
                routing.paddingFraction(), capacity, balanceFactor(probsHost, demandShare, tokens), routing.augmentations());
        lastStats = stats;
        return new MoeOutput(output, auxLoss, stats);
    }

    /** E·Σ_e f_e·P_e from host copies (the unscaled value of the Switch loss). */
    private double balanceFactor(float[] probs, double[] demandShare, int tokens) {
        double total = 0;
        for (int e = 0; e < experts; e++) {
            double meanProb = 0;
            for (int t = 0; t < tokens; t++) {
                meanProb += probs[t * experts + e];
            }
            total += demandShare[e] * meanProb / tokens;
        }
        return experts * total;
    }

    /** Block form: input {x}, output {mixture, auxLoss}. */
    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        MoeOutput out = forward(x, store.getValue(router, x.getDevice(), training),
                store.getValue(expertIn, x.getDevice(), training), store.getValue(expertOut, x.getDevice(), training), training);
        return new NDList(out.output(), out.auxLoss());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0], new Shape()};
    }

    /** Quantile balancing's per-expert biases β (the latest training batch's dual prices), used to route evaluation. */
    public double[] expertBias() {
        return expertBias.clone();
    }

    /**
     * Sets β from a training checkpoint that stores it outside DJL's parameter files (the trainer's own checkpoint),
     * so evaluation after a resume routes exactly as it would have without the interruption.
     */
    public void restoreExpertBias(double[] bias) {
        require(bias.length == experts, "expected " + experts + " expert biases, got " + bias.length);
        for (double b : bias) {
            require(Double.isFinite(b), "expert bias must be finite, got " + b);
        }
        expertBias = bias.clone();
    }

    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        super.saveMetadata(os);
        os.writeInt(experts);
        for (double b : expertBias) {
            os.writeDouble(b);
        }
    }

    @Override
    protected void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        super.loadMetadata(loadVersion, is);
        int stored = is.readInt();
        if (stored != experts) {
            throw new MalformedModelException("MoE checkpoint has " + stored + " experts, this layer " + experts);
        }
        double[] bias = new double[experts];
        for (int e = 0; e < experts; e++) {
            bias[e] = is.readDouble();
        }
        expertBias = bias;
    }

    /** Routing statistics of the most recent forward pass (null before the first). */
    public RoutingStats lastStats() {
        return lastStats;
    }

    /** Number of stored parameters: d·E + E·2·d·dExpert. */
    public long parameterCount() {
        return router.getShape().size() + expertIn.getShape().size() + expertOut.getShape().size();
    }

    public Parameter router() {
        return router;
    }

    public Parameter expertIn() {
        return expertIn;
    }

    public Parameter expertOut() {
        return expertOut;
    }

    public int experts() {
        return experts;
    }

    public int topK() {
        return topK;
    }

    public Balancing balancing() {
        return balancing;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
