package scalelab.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.List;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;

/**
 * Decoder-only transformer LM, exactly the architecture {@link ModelConfig} counts: token embedding (+ learned
 * positions, or rotary), pre-norm blocks of causal multi-head attention (bias-free fused Q/K/V [3d, d] and O [d, d])
 * and a feed-forward layer from {@link FeedForwardFactory}, final LayerNorm, output head [V, d] (or the embedding when
 * tied). Functional ops on arrays the model owns: no DJL Block machinery, so parameter shapes, weight decay and
 * gradients are all explicit.
 *
 * <p>Every forward op takes the activation as its receiver, so its result lives on the caller's step manager; the
 * parameter manager only ever holds parameters and the constants built here (see {@link #liveArraysOnModelManager()}).
 */
public final class TransformerLM implements AutoCloseable {
    private static final float NORM_EPS = 1e-5f;
    private static final double INIT_STD = 0.02;

    private final ModelConfig config;
    private final ParameterStore params;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<NDArray[]> attention = new ArrayList<>(); // per layer: {norm γ, norm β, qkv, out}
    private final List<NDArray[]> ffnNorms = new ArrayList<>();  // per layer: {norm γ, norm β}
    private final List<FeedForward> feedForwards = new ArrayList<>();
    private final NDArray finalGamma;
    private final NDArray finalBeta;
    private final NDArray head;
    private final NDArray causalMask; // [T, T]: 0 on and below the diagonal, -inf above
    private final NDArray rotaryCos;  // [T, headDim/2]
    private final NDArray rotarySin;

    public TransformerLM(RunSpec spec, NDManager parent) {
        this.config = spec.model();
        this.params = new ParameterStore(parent, spec.seed());
        int d = config.dModel();
        double outputStd = INIT_STD / Math.sqrt(2.0 * config.layers());
        tokenEmbedding = params.lookup("embedding.tokens", config.vocabSize(), d, INIT_STD);
        positionEmbedding = config.learnedPositions() ? params.lookup("embedding.positions", config.seqLen(), d, INIT_STD) : null;
        for (int i = 0; i < config.layers(); i++) {
            String p = "layer" + i;
            attention.add(new NDArray[] {
                    params.vector(p + ".attn_norm.gamma", d, 1f), params.vector(p + ".attn_norm.beta", d, 0f),
                    params.matrix(p + ".attn.qkv", 3 * d, d, INIT_STD), params.matrix(p + ".attn.out", d, d, outputStd)});
            ffnNorms.add(new NDArray[] {params.vector(p + ".mlp_norm.gamma", d, 1f), params.vector(p + ".mlp_norm.beta", d, 0f)});
            feedForwards.add(FeedForwardFactory.create(spec, params, i, INIT_STD, outputStd));
        }
        finalGamma = params.vector("final_norm.gamma", d, 1f);
        finalBeta = params.vector("final_norm.beta", d, 0f);
        head = config.tiedEmbeddings() ? tokenEmbedding : params.matrix("head", config.vocabSize(), d, INIT_STD);

        NDManager constants = params.manager();
        int t = config.seqLen();
        float[] mask = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                mask[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        causalMask = constants.create(mask, new Shape(t, t));
        int half = config.headDim() / 2;
        float[] cos = new float[t * half];
        float[] sin = new float[t * half];
        for (int pos = 0; pos < t; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * Math.pow(10000.0, -2.0 * i / config.headDim());
                cos[pos * half + i] = (float) Math.cos(angle);
                sin[pos * half + i] = (float) Math.sin(angle);
            }
        }
        rotaryCos = constants.create(cos, new Shape(t, half));
        rotarySin = constants.create(sin, new Shape(t, half));
    }

    public ModelConfig config() {
        return config;
    }

    public List<Parameter> parameters() {
        return params.all();
    }

    public List<FeedForward> feedForwards() {
        return List.copyOf(feedForwards);
    }

    /** Arrays on the parameter manager: constant across steps unless something leaks. */
    public int liveArraysOnModelManager() {
        return params.manager().getManagedArrays().size();
    }

    /** Logits and the summed auxiliary loss (null when no layer has one). */
    public record Output(NDArray logits, NDArray auxLoss) {}

    /**
     * @param tokens   int64 [B, T'] with T' ≤ seqLen, on a step manager
     * @param training true for an optimiser step, false for evaluation (MoE layers then route each token causally)
     */
    public Output forward(NDArray tokens, boolean training) {
        long batch = tokens.getShape().get(0);
        int t = (int) tokens.getShape().get(1);
        if (t > config.seqLen()) {
            throw new IllegalArgumentException("sequence of " + t + " tokens exceeds seq_len " + config.seqLen());
        }
        int d = config.dModel();
        NDArray x = Embedding.embedding(tokens, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
        NDManager step = tokens.getManager();
        if (positionEmbedding != null) {
            x = x.add(firstRows(positionEmbedding, t, step));
        }
        NDArray mask = t == config.seqLen() ? causalMask : firstRows(causalMask, t, step).get(new NDIndex(":, 0:{}", t));
        NDArray cos = firstRows(rotaryCos, t, step);
        NDArray sin = firstRows(rotarySin, t, step);
        NDArray aux = null;
        for (int i = 0; i < config.layers(); i++) {
            NDArray[] a = attention.get(i);
            NDArray h = layerNorm(x, a[0], a[1], d);
            x = x.add(attention(h, a[2], a[3], mask, cos, sin, batch, t));
            NDArray[] n = ffnNorms.get(i);
            FeedForwardOutput ff = feedForwards.get(i).forward(layerNorm(x, n[0], n[1], d), training);
            x = x.add(ff.output());
            if (ff.auxLoss() != null) {
                aux = aux == null ? ff.auxLoss() : aux.add(ff.auxLoss());
            }
        }
        x = layerNorm(x, finalGamma, finalBeta, d);
        return new Output(Linear.linear(x, head).singletonOrThrow(), aux);
    }

    /** Rows 0..t-1 of a model-owned array, attached to the step manager so the slice does not outlive the step. */
    private NDArray firstRows(NDArray array, int t, NDManager step) {
        if (t == config.seqLen()) {
            return array;
        }
        NDArray slice = array.get(new NDIndex("0:{}", t));
        slice.attach(step);
        return slice;
    }

    private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, int d) {
        // normalised shape (d): statistics over the feature axis only, never across time (djl-notes pitfall 2)
        return LayerNorm.layerNorm(x, new Shape(d), gamma, beta, NORM_EPS).singletonOrThrow();
    }

    private NDArray attention(NDArray h, NDArray qkvWeight, NDArray outWeight, NDArray mask, NDArray cos, NDArray sin,
                              long batch, int t) {
        int heads = config.heads();
        int headDim = config.headDim();
        // [B, T, 3d] → [B, 3H, T, hd] → q, k, v each [B, H, T, hd]
        NDArray qkv = Linear.linear(h, qkvWeight).singletonOrThrow()
                .reshape(batch, t, 3L * heads, headDim).transpose(0, 2, 1, 3);
        NDList split = qkv.split(3, 1);
        NDArray q = split.get(0);
        NDArray k = split.get(1);
        NDArray v = split.get(2);
        if (!config.learnedPositions()) {
            q = rotate(q, cos, sin);
            k = rotate(k, cos, sin);
        }
        // The scale is an array on the step manager, not mul(Number): DJL makes a Number a tensor over a Java buffer
        // (no copy) and closes it at once, but autograd keeps it for the backward pass, which then reads freed memory
        // once the GC has run — a rare, silent corruption of the q gradient that made identical runs diverge.
        NDArray scale = h.getManager().create((float) (1.0 / Math.sqrt(headDim)));
        NDArray scores = q.mul(scale).matMul(k.transpose(0, 1, 3, 2)).add(mask);
        NDArray context = scores.softmax(-1).matMul(v);                 // [B, H, T, hd]
        NDArray merged = context.transpose(0, 2, 1, 3).reshape(batch, t, config.dModel());
        return Linear.linear(merged, outWeight).singletonOrThrow();
    }

    /** Rotary position embedding (rotate-half form) on [B, H, T, hd]. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDList halves = x.split(2, 3);
        NDArray x1 = halves.get(0);
        NDArray x2 = halves.get(1);
        return x1.mul(cos).sub(x2.mul(sin)).concat(x1.mul(sin).add(x2.mul(cos)), 3);
    }

    /**
     * Mean next-token cross-entropy (nats/token) of logits [B, T, V] against targets int64 [B, T].
     * Flattened to [B·T, V] first (djl-notes pitfall 1).
     */
    public static NDArray crossEntropy(NDArray logits, NDArray targets) {
        long v = logits.getShape().get(2);
        NDArray logProbs = logits.reshape(-1, v).logSoftmax(1);
        return logProbs.gather(targets.reshape(-1, 1), 1).mean().neg();
    }

    @Override
    public void close() {
        params.close();
    }
}
