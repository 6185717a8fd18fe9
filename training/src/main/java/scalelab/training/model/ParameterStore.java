package scalelab.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Owns the model's parameters on one NDManager. Initial values come from Java's {@link Random} seeded by the run seed
 * and the parameter's name, so initialisation is identical on every machine and engine, and adding a parameter (e.g.
 * an MoE router) does not change the initial values of the others.
 */
public final class ParameterStore implements AutoCloseable {
    private final NDManager manager;
    private final long seed;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    public ParameterStore(NDManager parent, long seed) {
        this.manager = parent.newSubManager();
        this.seed = seed;
    }

    /** The manager holding parameters and constants; per-step work must use sub-managers of it, never it directly. */
    public NDManager manager() {
        return manager;
    }

    /** A weight matrix [rows, cols] every token multiplies through, drawn from N(0, std²). */
    public NDArray matrix(String name, int rows, int cols, double std) {
        return add(name, Parameter.Kind.MATMUL, gaussian(name, (long) rows * cols, std), new Shape(rows, cols));
    }

    /** A lookup table [rows, cols] (embedding), drawn from N(0, std²). */
    public NDArray lookup(String name, int rows, int cols, double std) {
        return add(name, Parameter.Kind.LOOKUP, gaussian(name, (long) rows * cols, std), new Shape(rows, cols));
    }

    /**
     * Any other trainable tensor drawn from N(0, std²), e.g. stacked expert weights [E, rows, cols] (kind MATMUL)
     * of an MoE layer. FLOP accounting stays with {@code ModelConfig}; the kind decides weight decay.
     */
    public NDArray tensor(String name, Parameter.Kind kind, Shape shape, double std) {
        return add(name, kind, gaussian(name, shape.size(), std), shape);
    }

    /**
     * Registers an array another component allocated on {@link #manager()} (e.g. a DJL block parameter the MoE layer
     * reads through its own {@code Parameter}), overwriting its values with the same name-seeded N(0, std²) draw as
     * {@link #tensor}, so it is initialised, optimised and checkpointed like every other parameter.
     */
    public NDArray adopt(String name, Parameter.Kind kind, NDArray array, double std) {
        if (array.getManager() != manager) {
            throw new IllegalArgumentException("parameter " + name + " must live on the parameter store's manager");
        }
        if (parameters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        array.set(gaussian(name, array.getShape().size(), std));
        array.setRequiresGradient(true);
        parameters.put(name, new Parameter(name, array, kind));
        return array;
    }

    /** A vector of {@code n} copies of {@code value} (LayerNorm γ = 1, β = 0). */
    public NDArray vector(String name, int n, float value) {
        float[] values = new float[n];
        Arrays.fill(values, value);
        return add(name, Parameter.Kind.VECTOR, values, new Shape(n));
    }

    private NDArray add(String name, Parameter.Kind kind, float[] values, Shape shape) {
        if (parameters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name " + name);
        }
        NDArray array = manager.create(values, shape);
        array.setRequiresGradient(true);
        parameters.put(name, new Parameter(name, array, kind));
        return array;
    }

    private float[] gaussian(String name, long count, double std) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter " + name + " too large: " + count);
        }
        long nameHash = 1125899906842597L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            nameHash = 31 * nameHash + b;
        }
        Random random = new Random(seed * 0x9E3779B97F4A7C15L ^ nameHash);
        float[] values = new float[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    public List<Parameter> all() {
        return Collections.unmodifiableList(new ArrayList<>(parameters.values()));
    }

    public Parameter get(String name) {
        Parameter p = parameters.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named " + name);
        }
        return p;
    }

    public long totalSize() {
        return parameters.values().stream().mapToLong(Parameter::size).sum();
    }

    @Override
    public void close() {
        manager.close();
    }
}
