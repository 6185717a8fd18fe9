package scalelab.training;

import java.nio.file.Path;

/** Resolves a spec's corpus field: "default" is data/corpus/ under the scalelab home (filled by bin/fetch-corpus). */
public final class CorpusLocation {
    public static final String DEFAULT = "default";

    private CorpusLocation() {}

    public static Path resolve(String corpus) {
        if (!DEFAULT.equals(corpus)) {
            return Path.of(corpus);
        }
        String home = System.getProperty("scalelab.home", System.getProperty("scalelab.repoRoot", "."));
        return Path.of(home, "data", "corpus");
    }
}
