package scalelab.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * This machine's fp32 matrix-multiply peak through the same engine the trainer uses: the denominator of MFU.
 * Measured as the best median over square matmuls of a few sizes; cached in a properties file keyed by CPU model and
 * engine threads, so runs do not re-measure (`bench train` always re-measures).
 */
public final class PeakFlops {
    private static final int[] SIZES = {512, 1024, 2048};
    private static final int REPEATS = 7;

    private PeakFlops() {}

    /** Measures now: best over sizes of the median FLOP/s of {@value #REPEATS} timed n×n·n×n products. */
    public static double measure() {
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int n : SIZES) {
                try (NDManager sub = manager.newSubManager()) {
                    NDArray a = sub.randomUniform(-1, 1, new Shape(n, n));
                    NDArray b = sub.randomUniform(-1, 1, new Shape(n, n));
                    a.matMul(b).close(); // warm-up
                    double[] rates = new double[REPEATS];
                    for (int r = 0; r < REPEATS; r++) {
                        long t0 = System.nanoTime();
                        try (NDArray c = a.matMul(b)) {
                            c.getFloat(0, 0); // force completion
                        }
                        rates[r] = 2.0 * n * n * (double) n / ((System.nanoTime() - t0) / 1e9);
                    }
                    Arrays.sort(rates);
                    best = Math.max(best, rates[REPEATS / 2]);
                }
            }
        }
        return best;
    }

    /** The cached peak for this CPU and thread count, measuring (and caching) it if absent. */
    public static double cachedOrMeasure() {
        Path file = cacheFile();
        String key = cacheKey();
        Properties props = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                props.load(in);
                String value = props.getProperty(key);
                if (value != null && Double.parseDouble(value) > 0) {
                    return Double.parseDouble(value);
                }
            } catch (IOException | NumberFormatException e) {
                props.clear(); // unreadable cache: re-measure and overwrite
            }
        }
        double peak = measure();
        store(peak);
        return peak;
    }

    /** Records a fresh measurement in the cache. */
    public static void store(double peak) {
        Path file = cacheFile();
        Properties props = new Properties();
        try {
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    props.load(in);
                }
            }
            props.setProperty(cacheKey(), Double.toString(peak));
            AtomicFiles.write(file, (OutputStream out) -> props.store(out, "fp32 matmul peak FLOP/s per CPU model and engine threads"));
        } catch (IOException | IllegalArgumentException e) {
            // a cache we cannot write only costs a re-measurement next time
        }
    }

    /** Intra-op threads the PyTorch engine uses (its default is the number of cores). */
    public static int engineThreads() {
        return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    }

    static Path cacheFile() {
        String djlCache = System.getenv("DJL_CACHE_DIR");
        if (djlCache == null || djlCache.isBlank()) {
            djlCache = System.getProperty("DJL_CACHE_DIR");
        }
        Path dir = djlCache != null && !djlCache.isBlank()
                ? Path.of(djlCache) : Path.of(System.getProperty("user.home"), ".cache", "scalelab");
        return dir.resolve("scalelab-peak-flops.properties");
    }

    private static String cacheKey() {
        String cpu = "unknown-cpu";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: key by thread count only
        }
        return (cpu + "|threads=" + engineThreads()).replaceAll("[^A-Za-z0-9|=@._-]", "_");
    }
}
