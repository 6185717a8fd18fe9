package scalelab.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Locale;

/**
 * What a {@code bench} command prints: its text lines as the figures come (a long benchmark shows progress), or, with
 * {@code --format json}, one JSON document of the same figures at the end. Every document carries what BENCHMARKS.md
 * must say beside a figure: the date, the cores and the machine's load when the benchmark started.
 */
public final class BenchOutput {
    private final PrintWriter out;
    private final boolean json;
    private final ObjectNode root = JsonOutput.object();

    public BenchOutput(PrintWriter out, String format, String bench) {
        this.out = out;
        this.json = JsonOutput.requested(format);
        root.put("bench", bench);
        root.put("date", Instant.now().toString());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        JsonOutput.putNumber(root, "load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    public boolean json() {
        return json;
    }

    /** The document's top level, for the bench's own fields. */
    public ObjectNode root() {
        return root;
    }

    /** A list at the top level (created on first use). */
    public ArrayNode list(String key) {
        return root.has(key) ? (ArrayNode) root.get(key) : root.putArray(key);
    }

    /** A text line (not in JSON mode, where the same figures are fields). */
    public void text(String format, Object... args) {
        if (!json) {
            out.printf(Locale.ROOT, format, args);
            out.flush();
        }
    }

    /** Ends the output: the JSON document, or nothing more for text. */
    public void finish() {
        if (json) {
            JsonOutput.print(out, root);
        } else {
            out.flush();
        }
    }
}
