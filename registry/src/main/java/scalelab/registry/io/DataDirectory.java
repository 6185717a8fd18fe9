package scalelab.registry.io;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one folder the published data sets are read from (tests, notebooks, {@code scalelab bench fit}). The data belong
 * to other projects and are not copied into this repository; their provenance is in that folder's README.
 *
 * <p>Resolved as: environment variable {@value #ENV}, else system property {@value #PROPERTY}, else {@value #DEFAULT}
 * beside the repository root. The repository root is system property {@code scalelab.home} (set by the
 * {@code ./scalelab} launcher), else {@code scalelab.repoRoot} (set by the Maven build for tests), else the working
 * directory. A relative value is taken from the repository root too, not the working directory: Maven runs each
 * module's tests in that module's folder, and the CLI and the tests must find the same files.
 *
 * @param path   the data directory (absolute, normalised; not checked until {@link #require()} or {@link #file})
 * @param origin where the path came from, for error messages (e.g. "$SCALELAB_DATA")
 */
public record DataDirectory(Path path, String origin) {
    public static final String ENV = "SCALELAB_DATA";
    public static final String PROPERTY = "scalelab.data";
    /** Relative to the repository root. */
    public static final String DEFAULT = "../shared/data";

    public DataDirectory {
        if (path == null || origin == null) {
            throw new IllegalArgumentException("a data directory needs a path and an origin");
        }
    }

    /** The data directory of this process (environment and system properties). */
    public static DataDirectory resolve() {
        return resolve(System.getenv(ENV), System.getProperty(PROPERTY), repoRoot());
    }

    /**
     * The data directory given the environment variable's and system property's values (null or blank: unset) and the
     * repository root.
     */
    public static DataDirectory resolve(String env, String property, Path repoRoot) {
        Path root = repoRoot.toAbsolutePath().normalize();
        if (env != null && !env.isBlank()) {
            return new DataDirectory(root.resolve(env.trim()).normalize(), "$" + ENV);
        }
        if (property != null && !property.isBlank()) {
            return new DataDirectory(root.resolve(property.trim()).normalize(), "-D" + PROPERTY);
        }
        return new DataDirectory(root.resolve(DEFAULT).normalize(), "the default " + DEFAULT + " beside the repository " + root);
    }

    /** The repository root: {@code scalelab.home}, else {@code scalelab.repoRoot}, else the working directory. */
    public static Path repoRoot() {
        for (String prop : new String[] {"scalelab.home", "scalelab.repoRoot"}) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) {
                return Path.of(v);
            }
        }
        return Path.of("");
    }

    /** The published data file {@code name} in this process's data directory; see {@link #file}. */
    public static Path dataFile(String name) {
        return resolve().file(name);
    }

    /**
     * The directory, checked to exist.
     *
     * @throws IllegalStateException naming the path, where it came from and the variable to set
     */
    public Path require() {
        if (!Files.isDirectory(path)) {
            throw new IllegalStateException("the data directory " + path + " (from " + origin + ") does not exist"
                    + (Files.exists(path) ? " as a folder" : "") + hint());
        }
        return path;
    }

    /**
     * The file {@code name} in the directory, checked to exist.
     *
     * @throws IllegalStateException naming the missing directory or file and the variable to set
     */
    public Path file(String name) {
        Path f = require().resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new IllegalStateException("no data file " + name + " in the data directory " + path + " (from " + origin
                    + ")" + hint());
        }
        return f;
    }

    private static String hint() {
        return ": set " + ENV + " (or -D" + PROPERTY + ") to the folder of published data sets, the copy of shared/data "
                + "whose README gives their provenance";
    }
}
