package scalelab.cli.forecast;

import java.nio.file.Path;

/** Where the published data sets are read from. */
final class DataSets {
    private DataSets() {}

    static Path directory() {
        String env = System.getenv("SCALELAB_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("scalelab.home", "."), "..", "shared", "data").normalize();
    }
}
