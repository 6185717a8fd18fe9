package scalelab.training;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a run needs to continue exactly where it stopped: parameters, AdamW moments and step count, the training
 * step (which fixes the data position: batches are a pure function of seed and step), the data-order seed, the loss
 * history and the accumulated counters, and named non-trainable buffers (MoE quantile balancing's routing biases β, the
 * per-step expert shares) kept in double precision so a resumed run routes bit-identically. One binary file, written atomically (temp file, fsync, rename).
 */
public record Checkpoint(String specHash, long step, long dataSeed, long optimizerSteps, double countedFlops,
                         double trainSeconds, double wallSeconds, List<NamedTensor> parameters,
                         List<float[]> firstMoments, List<float[]> secondMoments, float[] trainLosses,
                         List<EvalPoint> evals, List<NamedBuffer> buffers) {

    public static final String FILE_NAME = "checkpoint.bin";
    private static final String MAGIC = "scalelab-checkpoint";
    /** 2 added the buffers; version 1 files (dense runs) still read, with no buffers. */
    private static final int VERSION = 2;

    public record NamedTensor(String name, long[] shape, float[] values) {}

    /** Non-trainable state saved exactly (not touched by the optimiser). */
    public record NamedBuffer(String name, double[] values) {}

    public Checkpoint {
        buffers = List.copyOf(buffers);
    }

    /** A checkpoint without buffers (dense models). */
    public Checkpoint(String specHash, long step, long dataSeed, long optimizerSteps, double countedFlops,
                      double trainSeconds, double wallSeconds, List<NamedTensor> parameters,
                      List<float[]> firstMoments, List<float[]> secondMoments, float[] trainLosses, List<EvalPoint> evals) {
        this(specHash, step, dataSeed, optimizerSteps, countedFlops, trainSeconds, wallSeconds, parameters, firstMoments,
                secondMoments, trainLosses, evals, List.of());
    }

    /** The buffer called {@code name}, or null. */
    public double[] buffer(String name) {
        for (NamedBuffer b : buffers) {
            if (b.name().equals(name)) {
                return b.values().clone();
            }
        }
        return null;
    }

    /** A held-out evaluation: after {@code step} steps, loss in nats/token and bits/byte. */
    public record EvalPoint(long step, double lossNats, double bitsPerByte) {}

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(specHash);
            out.writeLong(step);
            out.writeLong(dataSeed);
            out.writeLong(optimizerSteps);
            out.writeDouble(countedFlops);
            out.writeDouble(trainSeconds);
            out.writeDouble(wallSeconds);
            out.writeInt(parameters.size());
            for (int i = 0; i < parameters.size(); i++) {
                NamedTensor p = parameters.get(i);
                out.writeUTF(p.name());
                out.writeInt(p.shape().length);
                for (long s : p.shape()) {
                    out.writeLong(s);
                }
                writeFloats(out, p.values());
                writeFloats(out, firstMoments.get(i));
                writeFloats(out, secondMoments.get(i));
            }
            writeFloats(out, trainLosses);
            out.writeInt(evals.size());
            for (EvalPoint e : evals) {
                out.writeLong(e.step());
                out.writeDouble(e.lossNats());
                out.writeDouble(e.bitsPerByte());
            }
            out.writeInt(buffers.size());
            for (NamedBuffer b : buffers) {
                out.writeUTF(b.name());
                out.writeInt(b.values().length);
                for (double v : b.values()) {
                    out.writeDouble(v);
                }
            }
            out.writeUTF(MAGIC); // trailer: a truncated file fails to read instead of loading half a model
            out.flush();
        });
    }

    public static Checkpoint read(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            if (!MAGIC.equals(in.readUTF())) {
                throw new IllegalArgumentException(file + " is not a scalelab checkpoint");
            }
            int version = in.readInt();
            if (version != 1 && version != VERSION) {
                throw new IllegalArgumentException(file + " is a checkpoint of version " + version + ", this build reads 1 and " + VERSION);
            }
            String hash = in.readUTF();
            long step = in.readLong();
            long dataSeed = in.readLong();
            long optimizerSteps = in.readLong();
            double flops = in.readDouble();
            double trainSeconds = in.readDouble();
            double wallSeconds = in.readDouble();
            int n = in.readInt();
            List<NamedTensor> params = new ArrayList<>(n);
            List<float[]> m = new ArrayList<>(n);
            List<float[]> v = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                params.add(new NamedTensor(name, shape, readFloats(in)));
                m.add(readFloats(in));
                v.add(readFloats(in));
            }
            float[] losses = readFloats(in);
            int evalCount = in.readInt();
            List<EvalPoint> evals = new ArrayList<>(evalCount);
            for (int i = 0; i < evalCount; i++) {
                evals.add(new EvalPoint(in.readLong(), in.readDouble(), in.readDouble()));
            }
            List<NamedBuffer> buffers = new ArrayList<>();
            if (version >= 2) {
                int bufferCount = in.readInt();
                for (int i = 0; i < bufferCount; i++) {
                    String name = in.readUTF();
                    double[] values = new double[in.readInt()];
                    for (int j = 0; j < values.length; j++) {
                        values[j] = in.readDouble();
                    }
                    buffers.add(new NamedBuffer(name, values));
                }
            }
            if (!MAGIC.equals(in.readUTF())) {
                throw new IllegalArgumentException(file + ": checkpoint trailer missing (corrupt file)");
            }
            return new Checkpoint(hash, step, dataSeed, optimizerSteps, flops, trainSeconds, wallSeconds, params, m, v, losses, evals, buffers);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": checkpoint is truncated", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        byte[] buffer = new byte[values.length * 4];
        java.nio.ByteBuffer.wrap(buffer).asFloatBuffer().put(values);
        out.write(buffer);
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        byte[] buffer = new byte[n * 4];
        in.readFully(buffer);
        float[] values = new float[n];
        java.nio.ByteBuffer.wrap(buffer).asFloatBuffer().get(values);
        return values;
    }
}
