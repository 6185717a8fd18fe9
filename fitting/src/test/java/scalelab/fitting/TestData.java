package scalelab.fitting;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the bundled published data for the fitting tests. The fitting module cannot depend on the registry (it is
 * below it), so the tests parse these three well-formed files here; user input goes through RunTableReader.
 */
final class TestData {
    private TestData() {}

    static Path file(String name) {
        String root = System.getProperty("scalelab.repoRoot", "..");
        return Path.of(root, "examples", "data", name);
    }

    static List<Observation> load(String name) {
        try {
            List<String> lines = Files.readAllLines(file(name));
            List<String> header = Arrays.asList(lines.get(0).split(","));
            int ip = header.indexOf("params"), it = header.indexOf("tokens"), il = header.indexOf("loss");
            int ib = header.contains("budget") ? header.indexOf("budget") : header.indexOf("flops");
            List<Observation> out = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (line.isBlank()) {
                    continue;
                }
                String[] c = line.split(",");
                out.add(Observation.inBudget(Double.parseDouble(c[ip]), Double.parseDouble(c[it]),
                        Double.parseDouble(c[ib]), Double.parseDouble(c[il])));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
