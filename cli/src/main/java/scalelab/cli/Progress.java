package scalelab.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of a command that can run for seconds, on standard error (standard output stays the result, e.g. JSON).
 * Silent for work that ends within {@link #QUIET_SECONDS}: a step still running after that is named, and again every
 * {@link #EVERY_SECONDS}, so a long job is never silent and a short one never noisy.
 */
public final class Progress implements AutoCloseable {
    public static final double QUIET_SECONDS = 2;
    static final long EVERY_SECONDS = 10;

    private final PrintWriter err;
    private final String command;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private volatile String step = "working";
    private volatile long stepStarted = System.nanoTime();
    private volatile boolean spoke;

    public Progress(PrintWriter err, String command) {
        this(err, command, (long) (QUIET_SECONDS * 1000), EVERY_SECONDS * 1000);
    }

    /** With other timings (tests). */
    Progress(PrintWriter err, String command, long quietMillis, long everyMillis) {
        this.err = err;
        this.command = command;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, command + "-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::tick, quietMillis, everyMillis, TimeUnit.MILLISECONDS);
    }

    /** The step now running; said at once when the command has already been talking, else after the quiet time. */
    public void step(String what) {
        step = what;
        stepStarted = System.nanoTime();
        if (spoke) {
            say(what + "…");
        }
    }

    private void tick() {
        say(String.format(Locale.ROOT, "%s… (%.0f s)", step, seconds(stepStarted)));
    }

    private synchronized void say(String line) {
        spoke = true;
        err.println(command + ": " + line);
        err.flush();
    }

    /** Stops the ticker; says how long it took when it said anything before. */
    public void done() {
        ticker.shutdownNow();
        if (spoke) {
            say(String.format(Locale.ROOT, "done in %.1f s", seconds(started)));
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
