package scalelab.training;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Write-then-rename: readers (and a resumed run after SIGKILL) see either the previous file or the complete new one. */
final class AtomicFiles {
    private AtomicFiles() {}

    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    static void write(Path file, byte[] content) throws IOException {
        write(file, out -> out.write(content));
    }

    static void write(Path file, Writer writer) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 20)) {
                writer.writeTo(out);
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
