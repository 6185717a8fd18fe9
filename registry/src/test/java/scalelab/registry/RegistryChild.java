package scalelab.registry;

import java.nio.file.Path;
import scalelab.registry.io.RunTableReader;

/**
 * A second JVM for the concurrency and crash tests. Modes:
 * {@code hold DB}: opens the registry, prints READY, holds it until stdin closes;
 * {@code import-and-hang DB FILE}: imports FILE but stops inside the transaction after 5 rows, prints MID and waits
 * to be killed;
 * {@code hold-ro DB}: as {@code hold}, read-only;
 * {@code use DB rw|ro MILLIS}: until stdin closes, opens the registry (waiting for the lock), reads its runs, holds it
 * MILLIS ms and closes it, again and again (a user running `predict` or `runs list` in a loop); prints USING after the
 * first use and "USES n" at the end.
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
            case "hold-ro" -> {
                try (Registry r = Registry.open(db, Registry.Access.READ_ONLY, java.time.Duration.ZERO)) {
                    System.out.println("READY");
                    System.out.flush();
                    System.in.read();
                }
            }
            case "use" -> {
                Registry.Access access = args[2].equals("ro") ? Registry.Access.READ_ONLY : Registry.Access.READ_WRITE;
                long holdMillis = Long.parseLong(args[3]);
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                Thread stdin = new Thread(() -> {
                    try {
                        System.in.read();
                    } catch (java.io.IOException e) {
                        // a closed pipe means stop as well
                    }
                    stop.set(true);
                });
                stdin.setDaemon(true);
                stdin.start();
                int uses = 0;
                while (!stop.get()) {
                    try (Registry r = Registry.open(db, access, java.time.Duration.ofSeconds(30))) {
                        r.runs(null);
                        if (++uses == 1) {
                            // said while the database is held, so the parent's first open meets the lock
                            System.out.println("USING");
                            System.out.flush();
                        }
                        Thread.sleep(holdMillis);
                    }
                    Thread.sleep(50);
                }
                System.out.println("USES " + uses);
                System.out.flush();
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
        awaitPrefix(p, marker, true);
    }

    /** Blocks until the child prints a line starting with {@code prefix}; returns that line. */
    static String awaitPrefix(Process p, String prefix) throws java.io.IOException {
        return awaitPrefix(p, prefix, false);
    }

    private static String awaitPrefix(Process p, String marker, boolean exact) throws java.io.IOException {
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        for (String line; (line = in.readLine()) != null; ) {
            if (exact ? line.equals(marker) : line.startsWith(marker)) {
                return line;
            }
        }
        throw new IllegalStateException("child exited before printing " + marker);
    }
}
