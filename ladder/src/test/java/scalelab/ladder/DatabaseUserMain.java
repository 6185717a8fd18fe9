package scalelab.ladder;

import java.nio.file.Path;
import java.time.Duration;
import scalelab.registry.Registry;

/**
 * Test-only second process using a ladder's database the way a user at another terminal would: until stdin closes it
 * opens the registry for writing (as `predict` does, waiting for the lock), reads its runs, holds it HOLD_MILLIS ms and
 * closes it, over and over. Prints USING after the first use and "USES n" at the end. Args: DB HOLD_MILLIS.
 */
public final class DatabaseUserMain {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        long holdMillis = Long.parseLong(args[1]);
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
            try (Registry r = Registry.open(db, Registry.Access.READ_WRITE, Duration.ofSeconds(60))) {
                r.runs(null);
                if (++uses == 1) {
                    System.out.println("USING"); // said while the database is held
                    System.out.flush();
                }
                Thread.sleep(holdMillis);
            }
            Thread.sleep(50);
        }
        System.out.println("USES " + uses);
        System.out.flush();
    }
}
