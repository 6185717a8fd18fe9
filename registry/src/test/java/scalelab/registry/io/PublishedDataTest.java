package scalelab.registry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The published data sets are read from the data directory (../shared/data by default), whole, and no copy of them is
 * kept in this repository.
 */
class PublishedDataTest {
    /**
     * Row counts as the data directory's README gives them, except porian-rw-kaplan.csv: the README says 132, the file
     * (2026-12-02) holds 131 runs over its 12 budgets. Pinned at 131 so that a change to the file is noticed.
     */
    private static final Map<String, Integer> ROWS = Map.of(
            "chinchilla-isoflops.csv", 124, "chinchilla-raw-with-outliers.csv", 245, "fineweb-c4-isoflops.csv", 176,
            "porian-rw-cosine.csv", 88, "porian-rw-tuned-const.csv", 121, "porian-rw-kaplan.csv", 131,
            "gadre-2024.csv", 104);

    /** Folders of the checkout that hold build output or local work, not committed files. */
    private static final Set<String> NOT_COMMITTED = Set.of("target", ".git", "node_modules", "reports-out", "runs", "ladder-work");

    @Test
    void everyPublishedDataSetIsReadWhole() {
        for (var e : ROWS.entrySet()) {
            assertEquals(e.getValue(), RunTableReader.read(DataDirectory.dataFile(e.getKey())).rows().size(), e.getKey());
        }
    }

    @Test
    void theRepositoryHoldsNoCopyOfThePublishedData() throws IOException {
        Path repo = DataDirectory.repoRoot().toAbsolutePath().normalize();
        Path data = DataDirectory.resolve().require();
        List<byte[]> published = new ArrayList<>();
        try (Stream<Path> files = Files.list(data)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                published.add(Files.readAllBytes(f));
            }
        }
        assertTrue(published.size() >= ROWS.size(), "expected the published data sets in " + data);
        // The root's data/ holds the downloaded corpus and tokenizer files (ignored by git), not run tables.
        Path corpus = repo.resolve("data");
        List<Path> copies = new ArrayList<>();
        Files.walkFileTree(repo, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
                boolean skip = !dir.equals(repo) && (NOT_COMMITTED.contains(dir.getFileName().toString()) || dir.equals(corpus)
                        || dir.startsWith(data));
                return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                for (byte[] p : published) {
                    if (a.size() == p.length && Arrays.equals(p, read(f))) {
                        copies.add(repo.relativize(f));
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        assertEquals(List.of(), copies, "copies of the published data sets in the repository (read them from " + data + ")");
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
