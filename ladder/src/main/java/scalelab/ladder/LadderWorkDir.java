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

    /** Held while a `ladder run` works on this ladder; released by the OS if that process dies. */
    public interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    /** Takes the ladder's lock, or fails at once naming the holder: two executors on one ladder would race. */
    public Lock lock() {
        try {
            Files.createDirectories(path());
            Path file = path().resolve(".lock");
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.READ);
            java.nio.channels.FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                String holder = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8).strip();
                ch.close();
                throw new IllegalStateException("ladder " + ladderName + " is already being run (" + holder + "); wait for it or stop it first");
            }
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " since " + java.time.Instant.now())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.nio.channels.FileLock held = l;
            return () -> {
                try {
                    held.release();
                    ch.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + path(), e);
        }
    }
}
