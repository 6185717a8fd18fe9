package scalelab.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import scalelab.training.model.Parameter;

/**
 * AdamW with decoupled weight decay applied to matrices only ({@link Parameter#decays()}), and global-norm gradient
 * clipping. Written by hand because DJL's AdamW decays every parameter and clips per element (djl-notes pitfall 4).
 * Update per parameter p with gradient g (after clipping), step t ≥ 1:
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·wd·p (matrices), p ← p − lr·m̂ / (√v̂ + ε).
 */
public final class AdamW implements AutoCloseable {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.95;
    public static final double EPSILON = 1e-8;

    private final List<Parameter> parameters;
    private final NDManager stateManager;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final double weightDecay;
    private final double clipNorm;
    private long stepsTaken;

    public AdamW(List<Parameter> parameters, NDManager parent, double weightDecay, double clipNorm) {
        this.parameters = List.copyOf(parameters);
        this.stateManager = parent.newSubManager();
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        for (Parameter p : parameters) {
            firstMoments.add(stateManager.zeros(p.array().getShape()));
            secondMoments.add(stateManager.zeros(p.array().getShape()));
        }
    }

    /** What one update did: the gradient norm before clipping and the scale applied to the gradient. */
    public record StepStats(double gradNorm, double clipScale) {}

    /**
     * Applies one update from the gradients accumulated on the parameters, then zeroes them.
     *
     * @param step a sub-manager that owns every temporary (closed by the caller)
     */
    public StepStats step(double learningRate, NDManager step) {
        List<NDArray> grads = new ArrayList<>(parameters.size());
        double sumSquares = 0;
        for (Parameter p : parameters) {
            NDArray g = p.array().getGradient();
            g.attach(step); // the wrapper would otherwise stay on the parameter manager
            grads.add(g);
            sumSquares += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(sumSquares);
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
        stepsTaken++;
        double bc1 = 1 - Math.pow(BETA1, stepsTaken);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(BETA2, stepsTaken));
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            NDArray g = grads.get(i);
            if (scale != 1.0) {
                g.muli(scale);
            }
            NDArray m = firstMoments.get(i);
            NDArray v = secondMoments.get(i);
            m.muli(BETA1).addi(g.mul(1 - BETA1));
            v.muli(BETA2).addi(g.square().muli(1 - BETA2));
            if (p.decays() && weightDecay > 0) {
                p.array().muli(1 - learningRate * weightDecay);
            }
            // lr·m̂/(√v̂+ε) = (lr·√bc2/bc1)·m/(√v + ε·√bc2)
            try (NDArray denominator = v.sqrt(); NDArray update = m.div(denominator.addi(EPSILON * sqrtBc2))) {
                p.array().subi(update.muli(learningRate * sqrtBc2 / bc1));
            }
            g.subi(g); // zero the accumulated gradient in place (DJL accumulates across backward calls)
        }
        return new StepStats(norm, scale);
    }

    public long stepsTaken() {
        return stepsTaken;
    }

    public List<NDArray> firstMoments() {
        return firstMoments;
    }

    public List<NDArray> secondMoments() {
        return secondMoments;
    }

    /** Restores state from a checkpoint (moments are copied in place). */
    public void restore(long steps, List<float[]> first, List<float[]> second) {
        for (int i = 0; i < parameters.size(); i++) {
            firstMoments.get(i).set(first.get(i));
            secondMoments.get(i).set(second.get(i));
        }
        this.stepsTaken = steps;
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
