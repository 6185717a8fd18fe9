package scalelab.training.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of UTF-8 text files, one document per file (searched recursively; hidden files skipped), split at document
 * level into training and validation by a hash of each document's relative path. The split does not depend on the
 * run seed, so every run of a ladder on the same corpus is evaluated on the same held-out documents.
 */
public record Corpus(Path root, List<Document> train, List<Document> validation) {

    /** Share of documents held out for evaluation. */
    public static final double VALIDATION_FRACTION = 0.1;

    public record Document(String id, byte[] utf8) {}

    /** Throws, naming the folder (and bin/fetch-corpus for the default one), unless {@code root} is a directory. */
    public static void requireFolder(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("corpus folder " + root + " does not exist"
                    + (root.endsWith(Path.of("data", "corpus")) ? " (run bin/fetch-corpus to fetch the default corpus)" : ""));
        }
    }

    public static Corpus load(Path root) {
        requireFolder(root);
        List<Path> files;
        // links followed: a corpus folder (or a file in it) may be a symbolic link to the text
        try (Stream<Path> walk = Files.walk(root, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !hidden(root.relativize(p)))
                    .sorted(Comparator.comparing(p -> root.relativize(p).toString()))
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("cannot list corpus folder " + root + ": " + e.getMessage(), e);
        }
        List<Document> train = new ArrayList<>();
        List<Document> validation = new ArrayList<>();
        Document smallestHashDoc = null;
        double smallestHash = 2;
        for (Path file : files) {
            String id = root.relativize(file).toString().replace('\\', '/');
            byte[] bytes = read(file);
            if (bytes.length == 0) {
                continue;
            }
            Document doc = new Document(id, bytes);
            double u = unitHash(id);
            (u < VALIDATION_FRACTION ? validation : train).add(doc);
            if (u < smallestHash) {
                smallestHash = u;
                smallestHashDoc = doc;
            }
        }
        if (train.isEmpty() && validation.isEmpty()) {
            throw new IllegalArgumentException("corpus folder " + root + " holds no non-empty text files");
        }
        if (validation.isEmpty() || train.isEmpty()) {
            // few documents: hold out exactly the one whose hash is smallest (still seed-independent)
            train.addAll(validation);
            validation.clear();
            train.remove(smallestHashDoc);
            validation.add(smallestHashDoc);
            if (train.isEmpty()) {
                throw new IllegalArgumentException("corpus folder " + root
                        + " has a single document; a document-level train/validation split needs at least two");
            }
        }
        return new Corpus(root, List.copyOf(train), List.copyOf(validation));
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("corpus file " + file + " is not valid UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read corpus file " + file + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 of the id mapped to [0, 1). */
    static double unitHash(String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 7; i++) {
                bits = (bits << 8) | (h[i] & 0xFF);
            }
            return bits / (double) (1L << 56);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long trainBytes() {
        return train.stream().mapToLong(d -> d.utf8().length).sum();
    }

    public long validationBytes() {
        return validation.stream().mapToLong(d -> d.utf8().length).sum();
    }
}
