package scalelab.fitting;

/** The compute-optimal allocation at one budget C (raw units: FLOPs, parameters, tokens). */
public record ComputeOptimal(double compute, double params, double tokens, double loss) {
    public double tokensPerParam() {
        return tokens / params;
    }
}
