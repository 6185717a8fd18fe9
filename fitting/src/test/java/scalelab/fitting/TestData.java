package scalelab.fitting;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the published data sets for the fitting tests from the data directory, resolved as
 * scalelab.registry.io.DataDirectory resolves it (env SCALELAB_DATA, else -Dscalelab.data, else ../shared/data; relative
 * values from the repository root). The fitting module cannot depend on the registry (it is below it), so the rule is
 * repeated here and these well-formed files are parsed here; user input goes through RunTableReader. A missing
 * directory or file fails the test: the published numbers are what these tests check, and a skip would hide that.
 */
public final class TestData {
    static final String ENV = "SCALELAB_DATA";
    static final String PROPERTY = "scalelab.data";

    private TestData() {}

    /** The data directory, checked to exist. */
    public static Path directory() {
        String root = System.getProperty("scalelab.home", System.getProperty("scalelab.repoRoot", ""));
        Path repo = Path.of(root).toAbsolutePath().normalize();
        String env = System.getenv(ENV), prop = System.getProperty(PROPERTY);
        String value, origin;
        if (env != null && !env.isBlank()) {
            value = env.trim();
            origin = "$" + ENV;
        } else if (prop != null && !prop.isBlank()) {
            value = prop.trim();
            origin = "-D" + PROPERTY;
        } else {
            value = "../shared/data";
            origin = "the default ../shared/data beside the repository " + repo;
        }
        Path dir = repo.resolve(value).normalize();
        if (!Files.isDirectory(dir)) {
            fail("the data directory " + dir + " (from " + origin + ") does not exist: set " + ENV + " (or -D" + PROPERTY
                    + ") to the folder of published data sets, the copy of shared/data whose README gives their provenance");
        }
        return dir;
    }

    /** The published data file {@code name}, checked to exist. */
    public static Path file(String name) {
        Path dir = directory();
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            fail("no data file " + name + " in the data directory " + dir + ": set " + ENV + " (or -D" + PROPERTY
                    + ") to the folder of published data sets");
        }
        return f;
    }

    public static List<Observation> load(String name) {
        return parse(name, null, null);
    }

    /** The rows whose column {@code column} equals {@code value} (e.g. one data set of gadre-2024.csv). */
    public static List<Observation> loadWhere(String name, String column, String value) {
        return parse(name, column, value);
    }

    private static List<Observation> parse(String name, String column, String value) {
        try {
            List<String> lines = Files.readAllLines(file(name));
            List<String> header = Arrays.asList(lines.get(0).split(","));
            int ic = column == null ? -1 : header.indexOf(column);
            if (column != null && ic < 0) {
                throw new IllegalArgumentException(name + " has no column " + column);
            }
            int ip = header.indexOf("params"), it = header.indexOf("tokens"), il = header.indexOf("loss");
            int ib = header.contains("budget") ? header.indexOf("budget") : header.indexOf("flops");
            List<Observation> out = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] c = line.split(",");
                if (column == null || c[ic].equals(value)) {
                    out.add(Observation.inBudget(Double.parseDouble(c[ip]), Double.parseDouble(c[it]),
                            Double.parseDouble(c[ib]), Double.parseDouble(c[il])));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
