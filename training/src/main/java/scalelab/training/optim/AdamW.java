package scalelab.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
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
        // small models are bound by the number of engine calls, not arithmetic: the gradient norm takes two ops per
        // parameter and one read-back in all, the update one fused native Adam call (plus the decay on matrices)
        List<NDArray> grads = new ArrayList<>(parameters.size());
        List<NDArray> squares = new ArrayList<>(parameters.size());
        for (Parameter p : parameters) {
            NDArray g = p.array().getGradient();
            g.attach(step); // the wrapper would otherwise stay on the parameter manager
            grads.add(g);
            squares.add(g.square().sum());
        }
        double norm = Math.sqrt(NDArrays.stack(new NDList(squares)).sum().getFloat());
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
        stepsTaken++;
        double bc1 = 1 - Math.pow(BETA1, stepsTaken);
        double sqrtBc2 = Math.sqrt(1 - Math.pow(BETA2, stepsTaken));
        // lr·m̂/(√v̂+ε) = (lr·√bc2/bc1)·m/(√v + ε·√bc2)
        float biasCorrected = (float) (learningRate * sqrtBc2 / bc1);
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            PtNDArray w = (PtNDArray) p.array();
            if (p.decays() && weightDecay > 0) {
                w.muli(1 - learningRate * weightDecay); // decoupled, before the Adam step, matrices only
            }
            // m ← β1·m + (1−β1)·s·g, v ← β2·v + (1−β2)·(s·g)², w ← w − biasCorrected·m/(√v + ε·√bc2); no element clip
            NDArray g = grads.get(i);
            JniUtils.adamUpdate(w, (PtNDArray) g, (PtNDArray) firstMoments.get(i), (PtNDArray) secondMoments.get(i),
                    (float) learningRate, biasCorrected, 0f, (float) scale, -1f, (float) BETA1, (float) BETA2,
                    (float) (EPSILON * sqrtBc2), false);
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
