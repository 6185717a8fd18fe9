package scalelab.cli.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import scalelab.registry.Registry;

/** The rule for every {@code --out FILE}: never the open database, and never an existing file unless {@code --force}. */
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
}
