package scalelab.ladder;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ladder's state on disk: ROOT/NAME/runs/SPEC_HASH/ per run (see {@link RunDir}) and ROOT/NAME/centres.json (the N*
 * each budget was centred on under --adaptive, so a restart re-plans the same runs).
 */
public record LadderWorkDir(Path root, String ladderName) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Path path() {
        return root.resolve(ladderName);
    }

    public RunDir run(String specHash) {
        return new RunDir(path().resolve("runs").resolve(specHash));
    }

    /** Every run directory with a spec, in name order. */
    public List<RunDir> runs() {
        Path runs = path().resolve("runs");
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(p -> Files.isRegularFile(p.resolve(RunDir.SPEC))).sorted().map(RunDir::new).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, Map<Double, Double>> readCentres() {
        Path f = path().resolve("centres.json");
        if (!Files.isRegularFile(f)) {
            return new LinkedHashMap<>();
        }
        try {
            Map<String, Map<String, Double>> raw = JSON.readValue(f.toFile(), new TypeReference<>() {});
            Map<String, Map<Double, Double>> out = new LinkedHashMap<>();
            raw.forEach((family, m) -> {
                Map<Double, Double> byBudget = new LinkedHashMap<>();
                m.forEach((b, n) -> byBudget.put(Double.parseDouble(b), n));
                out.put(family, byBudget);
            });
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(f + ": unreadable adaptive centres: " + e.getMessage(), e);
        }
    }

    public void writeCentres(Map<String, Map<Double, Double>> centres) {
        Map<String, Map<String, Double>> raw = new LinkedHashMap<>();
        centres.forEach((family, m) -> {
            Map<String, Double> byBudget = new LinkedHashMap<>();
            m.forEach((b, n) -> byBudget.put(Double.toString(b), n));
            raw.put(family, byBudget);
        });
        try {
            Files.createDirectories(path());
            Path tmp = Files.createTempFile(path(), ".centres", ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), raw);
            Files.move(tmp, path().resolve("centres.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
