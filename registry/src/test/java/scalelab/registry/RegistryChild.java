package scalelab.registry;

import java.nio.file.Path;
import scalelab.registry.io.RunTableReader;

/**
 * A second JVM for the concurrency and crash tests. Modes:
 * {@code hold DB}: opens the registry, prints READY, holds it until stdin closes;
 * {@code import-and-hang DB FILE}: imports FILE but stops inside the transaction after 5 rows, prints MID and waits
 * to be killed.
 */
public final class RegistryChild {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                try (Registry r = Registry.open(db)) {
                    System.out.println("READY");
                    System.out.flush();
                    System.in.read();
                }
            }
            case "import-and-hang" -> {
                Registry r = Registry.open(db);
                r.importRuns(RunTableReader.read(Path.of(args[2])), "crash", row -> {
                    if (row == 5) {
                        System.out.println("MID");
                        System.out.flush();
                        try {
                            Thread.sleep(120_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Starts this class in a new JVM with the test classpath. */
    static Process start(String... args) throws java.io.IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), RegistryChild.class.getName()));
        cmd.addAll(java.util.List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Blocks until the child prints {@code marker} (or fails if it exits first). */
    static void await(Process p, String marker) throws java.io.IOException {
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals(marker)) {
                return;
            }
        }
        throw new IllegalStateException("child exited before printing " + marker);
    }
}
