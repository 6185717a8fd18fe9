package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.training.model.Parameter;
import scalelab.training.model.ParameterStore;
import scalelab.training.optim.AdamW;

/** The hand-written update against a scalar reference, two steps, with clipping and matrix-only decay. */
class AdamWTest {

    @Test
    void matchesTheReferenceUpdateAndDecaysMatricesOnly() {
        double lr = 0.1;
        double wd = 0.5;
        double clip = 1.0;
        try (NDManager manager = NDManager.newBaseManager(); ParameterStore store = new ParameterStore(manager, 1)) {
            NDArray w = store.matrix("w", 1, 2, 1.0);
            NDArray b = store.vector("b", 1, 0.5f);
            float[] w0 = w.toFloatArray();
            double[] p = {w0[0], w0[1], 0.5};
            double[] m = new double[3];
            double[] v = new double[3];
            try (AdamW adam = new AdamW(store.all(), manager, wd, clip)) {
                for (int t = 1; t <= 2; t++) {
                    // loss = 3·w0 + 4·w1 + 2·b² → gradient (3, 4, 4b), norm > 1 so clipping applies
                    double[] g = {3, 4, 4 * p[2]};
                    try (NDManager sub = manager.newSubManager()) {
                        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                            NDArray coef = sub.create(new float[] {3, 4}, new Shape(1, 2));
                            NDArray loss = w.mul(coef).sum().add(b.square().mul(2).sum());
                            loss.attach(sub);
                            c.backward(loss);
                        }
                        adam.step(lr, sub);
                    }
                    double norm = Math.sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
                    double scale = clip / (norm + 1e-6);
                    for (int i = 0; i < 3; i++) {
                        double gi = g[i] * scale;
                        m[i] = AdamW.BETA1 * m[i] + (1 - AdamW.BETA1) * gi;
                        v[i] = AdamW.BETA2 * v[i] + (1 - AdamW.BETA2) * gi * gi;
                        if (i < 2) {
                            p[i] *= 1 - lr * wd; // decoupled decay on the matrix only
                        }
                        double mHat = m[i] / (1 - Math.pow(AdamW.BETA1, t));
                        double vHat = v[i] / (1 - Math.pow(AdamW.BETA2, t));
                        p[i] -= lr * mHat / (Math.sqrt(vHat) + AdamW.EPSILON);
                    }
                    float[] wNow = w.toFloatArray();
                    assertEquals(p[0], wNow[0], 1e-5);
                    assertEquals(p[1], wNow[1], 1e-5);
                    assertEquals(p[2], b.toFloatArray()[0], 1e-5);
                }
            }
            List<Parameter> params = store.all();
            assertEquals(true, params.get(0).decays());
            assertEquals(false, params.get(1).decays());
        }
    }
}
