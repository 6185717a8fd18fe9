package scalelab.cli.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import scalelab.registry.Registry;

/**
 * The rule for every {@code --out}: never the open database, and never an existing file scalelab did not write unless
 * {@code --force}.
 */
public final class OutputFile {
    private OutputFile() {
    }

    /** Refuses {@code out} before anything is written; {@code registry} is the database the command has open. */
    public static void requireWritable(Path out, boolean force, Registry registry) {
        if (registry.isOwnFile(out)) {
            throw new IllegalArgumentException("refusing to write --out " + out + ": it is the database " + registry.file()
                    + " this command reads; nothing written");
        }
        if (Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " is a directory; give a file name");
        }
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException("--out " + out + " already exists; nothing written: pass --force to overwrite it");
        }
    }

    /**
     * Refuses an output folder where writing {@code names} would replace files scalelab did not write (text without
     * {@code marker}), unless {@code force}; a folder scalelab wrote before is rewritten (reruns refresh their report).
     */
    public static void requireOwnFolder(Path dir, java.util.List<String> names, String marker, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a folder; nothing written");
        }
        if (force) {
            return;
        }
        for (String name : names) {
            Path f = dir.resolve(name);
            if (!Files.exists(f)) {
                continue;
            }
            String text;
            try {
                text = Files.readString(f);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                text = "";
            }
            if (!text.contains(marker)) {
                throw new IllegalArgumentException("--out " + dir + " holds " + name + ", which scalelab did not write; nothing"
                        + " written: give another folder, or pass --force to overwrite it");
            }
        }
    }
}
