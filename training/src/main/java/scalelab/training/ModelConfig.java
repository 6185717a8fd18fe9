package scalelab.training;

/**
 * Shape of a decoder-only transformer LM, dense or mixture-of-experts, and its exact parameter and FLOP counts.
 * The architecture these counts describe (the trainer must build exactly this):
 * token embedding [V, d] (+ learned positions [T, d] when {@code learnedPositions}); per layer: pre-norm LayerNorm
 * (γ, β), causal multi-head attention with bias-free Q, K, V, O projections [d, d], pre-norm LayerNorm (γ, β), then
 * either a GELU MLP d → dFf → d without biases, or (experts > 1) a bias-free router [d, E] and E such MLPs of width
 * dExpert of which topK run per token; final LayerNorm (γ, β); output head [d, V] unless tied to the embedding.
 *
 * @param vocabSize         V (256 for the byte tokenizer)
 * @param dModel            d
 * @param layers            number of blocks
 * @param heads             attention heads (must divide d)
 * @param dFf               dense MLP hidden width (4·d by convention)
 * @param seqLen            T, training context length
 * @param experts           E; 1 means dense
 * @param topK              experts per token (1 or 2; 1 for dense)
 * @param dExpert           hidden width of each expert MLP (ignored when dense)
 * @param tiedEmbeddings    output head shares the embedding matrix
 * @param learnedPositions  learned absolute positions instead of rotary
 */
public record ModelConfig(int vocabSize, int dModel, int layers, int heads, int dFf, int seqLen,
                          int experts, int topK, int dExpert, boolean tiedEmbeddings, boolean learnedPositions) {

    /** Widest model described: checked before 4·d is computed, which overflows an int from d = 2^29 on. */
    public static final int MAX_D_MODEL = 1 << 16;

    public ModelConfig {
        require(vocabSize >= 2, "vocab size must be at least 2, got " + vocabSize);
        requireWidth(dModel);
        require(layers >= 1, "layers must be positive, got " + layers);
        require(heads >= 1 && dModel % heads == 0, "heads (" + heads + ") must divide d_model (" + dModel + ")");
        require(!(!learnedPositions && (dModel / heads) % 2 != 0), "rotary positions need an even head width, got " + dModel / heads);
        require(dFf >= 1, "d_ff must be positive, got " + dFf);
        require(seqLen >= 2, "seq_len must be at least 2, got " + seqLen);
        require(experts >= 1, "experts must be >= 1 (1 = dense), got " + experts);
        require(topK >= 1 && topK <= experts, "top_k (" + topK + ") must be between 1 and experts (" + experts + ")");
        require(experts == 1 || dExpert >= 1, "expert width must be positive for MoE, got " + dExpert);
    }

    /** A dense model with d_ff = 4·d, rotary positions and an untied head. */
    public static ModelConfig dense(int vocabSize, int dModel, int layers, int heads, int seqLen) {
        requireWidth(dModel);
        return new ModelConfig(vocabSize, dModel, layers, heads, 4 * dModel, seqLen, 1, 1, 0, false, false);
    }

    /** An MoE model whose experts each have width 4·d / granularity. */
    public static ModelConfig moe(int vocabSize, int dModel, int layers, int heads, int seqLen, int experts, int topK, int granularity) {
        requireWidth(dModel);
        return new ModelConfig(vocabSize, dModel, layers, heads, 4 * dModel, seqLen, experts, topK, 4 * dModel / granularity, false, false);
    }

    public boolean isMoe() {
        return experts > 1;
    }

    public int headDim() {
        return dModel / heads;
    }

    private long attentionParams() {
        return 4L * dModel * dModel;
    }

    private long normParams() {
        return 2L * dModel;
    }

    private long mlpParamsTotal() {
        return isMoe() ? (long) dModel * experts + (long) experts * 2L * dModel * dExpert : 2L * dModel * dFf;
    }

    private long mlpParamsActive() {
        return isMoe() ? (long) dModel * experts + (long) topK * 2L * dModel * dExpert : 2L * dModel * dFf;
    }

    public long embeddingParams() {
        return (long) vocabSize * dModel + (learnedPositions ? (long) seqLen * dModel : 0L);
    }

    public long headParams() {
        return tiedEmbeddings ? 0L : (long) vocabSize * dModel;
    }

    /** Non-embedding parameters (all experts): blocks + final norm. */
    public long nonEmbeddingParams() {
        return layers * (attentionParams() + mlpParamsTotal() + 2 * normParams()) + normParams();
    }

    /** Non-embedding parameters a token passes through (router + top-k experts for MoE): the N of the scaling law. */
    public long activeParams() {
        return layers * (attentionParams() + mlpParamsActive() + 2 * normParams()) + normParams();
    }

    /** Every parameter the model stores. */
    public long totalParams() {
        return embeddingParams() + nonEmbeddingParams() + headParams();
    }

    /**
     * Training FLOPs per token (forward + backward = 3 × forward): 6 × (weights of every matrix multiply a token
     * passes through, output head included, embedding lookup and norms excluded) + 12·layers·d·T for the attention
     * scores and the weighted sum over the full (masked) T×T matrix, which is what the kernel computes.
     */
    public double trainingFlopsPerToken() {
        long matmulParams = layers * (attentionParams() + mlpParamsActive()) + (long) vocabSize * dModel;
        return 6.0 * matmulParams + 12.0 * layers * dModel * (double) seqLen;
    }

    /** The FLOP-counting convention, stored with every run so counts from other codebases can be compared. */
    public static final String FLOP_CONVENTION =
            "6*(active matmul params incl. output head, excl. embedding lookup and norms) + 12*layers*d_model*seq_len per token";

    private static void requireWidth(int dModel) {
        require(dModel >= 1 && dModel <= MAX_D_MODEL, "d_model must be in [1, " + MAX_D_MODEL + "], got " + dModel);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
