package scalelab.registry;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Who and which code: the code version and author every prediction records. */
public final class Provenance {
    public static final String AUTHOR_ENV = "SCALELAB_AUTHOR";

    private Provenance() {}

    /**
     * The git commit of the scalelab checkout ({@code git rev-parse HEAD} in {@code scalelab.home}, else the working
     * directory), with "-dirty" when tracked files have uncommitted changes; "unknown" when git or the repository is
     * not available.
     */
    public static String codeVersion() {
        File dir = new File(System.getProperty("scalelab.home", System.getProperty("user.dir")));
        String head = git(dir, "rev-parse", "HEAD");
        if (head == null || !head.matches("[0-9a-f]{40}")) {
            return "unknown";
        }
        String status = git(dir, "status", "--porcelain", "--untracked-files=no");
        return status == null || status.isEmpty() ? head : head + "-dirty";
    }

    /** $SCALELAB_AUTHOR, else the system user name. */
    public static String author() {
        String a = System.getenv(AUTHOR_ENV);
        if (a != null && !a.isBlank()) {
            return a.trim();
        }
        String u = System.getProperty("user.name");
        return u == null || u.isBlank() ? "unknown" : u;
    }

    private static String git(File dir, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.getPath()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).trim() : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
