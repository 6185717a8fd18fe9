package scalelab.cli.fit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.IsoFlopSimulator;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;
import scalelab.registry.io.Decimals;

/**
 * {@code scalelab simulate --out FILE}: a synthetic IsoFLOP ladder sampled from a known loss surface, as a runs CSV the
 * fit, backtest, bootstrap and import commands read. The project's own ladder to try them on (the published data sets
 * belong to other projects and live in the data directory), and a check of a fitter against the truth it should find.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Write a synthetic IsoFLOP ladder (CSV: params,tokens,budget,loss) sampled from a known surface",
                "L = E + A·N^-α + B·D^-β: at each budget, sizes log-spaced over N*/width … N*·width around the surface's",
                "compute-optimal N*, D = C/(6N), plus Gaussian loss noise. Prints the surface and its true optimum per budget."})
public final class SimulateCommand implements Callable<Integer> {
    /** Chinchilla's published Approach 3 fit (Hoffmann et al. 2022), raw N and D: E, A, B, α, β. */
    static final String CHINCHILLA_SURFACE = "1.69,406.4,410.7,0.34,0.28";

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "CSV to write (refused if it exists, unless --force)")
    Path out;

    @Option(names = "--force", description = "overwrite --out if it exists")
    boolean force;

    @Option(names = "--budgets", defaultValue = "1e18,3e18,1e19,3e19,1e20,3e20,1e21", paramLabel = "C,C,…",
            description = "compute budgets in FLOPs, at least 2 (default: ${DEFAULT-VALUE})")
    String budgets;

    @Option(names = "--sizes-per-budget", defaultValue = "9", paramLabel = "K",
            description = "model sizes per budget, at least 3 (default: ${DEFAULT-VALUE})")
    int sizesPerBudget;

    @Option(names = "--width", defaultValue = "8", paramLabel = "W",
            description = "grid half-width factor: sizes span N*/W … N*·W (default: ${DEFAULT-VALUE})")
    double width;

    @Option(names = "--noise", defaultValue = "0.005", paramLabel = "SD",
            description = "standard deviation of additive Gaussian loss noise, nats; 0 for exact losses (default: ${DEFAULT-VALUE})")
    double noise;

    @Option(names = "--seed", defaultValue = "1", description = "noise seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--surface", defaultValue = CHINCHILLA_SURFACE, paramLabel = "E,A,B,α,β",
            description = "the true surface, raw N and D (default: Chinchilla's published Approach 3 fit, ${DEFAULT-VALUE})")
    String surface;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Formats.check(format);
        LossSurface truth = parseSurface(surface);
        double[] cs = parseBudgets(budgets);
        if (sizesPerBudget < 3) {
            throw new IllegalArgumentException("--sizes-per-budget must be at least 3 (a parabola per budget), got " + sizesPerBudget);
        }
        if (!(width > 1) || !Double.isFinite(width)) {
            throw new IllegalArgumentException("--width must be a finite factor above 1, got " + width);
        }
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("--noise must be a finite standard deviation ≥ 0, got " + noise);
        }
        if (Files.exists(out) && !force) {
            throw new IllegalArgumentException(out + " exists: give --force to overwrite it");
        }
        List<Observation> runs = IsoFlopSimulator.sample(truth,
                new IsoFlopSimulator.Design(cs, sizesPerBudget, width, 0, 0, noise, seed));
        StringBuilder csv = new StringBuilder("params,tokens,budget,loss\n");
        for (Observation r : runs) {
            csv.append(String.format(Locale.ROOT, "%.9e,%.9e,%s,%.9f\n", r.params(), r.tokens(), compact(r.flops()), r.loss()));
        }
        write(csv.toString());
        print(truth, cs, runs.size());
        return 0;
    }

    /** Write-then-rename, so a reader never sees half a ladder; without --force an existing file is never replaced. */
    private void write(String content) throws IOException {
        Path target = out.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            if (force) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(tmp, target);
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(out + " exists: give --force to overwrite it");
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void print(LossSurface truth, double[] cs, int rows) {
        PrintWriter o = spec.commandLine().getOut();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode n = json.createObjectNode();
            n.put("file", out.toString());
            n.put("rows", rows);
            ArrayNode b = n.putArray("budgets");
            Arrays.stream(cs).forEach(b::add);
            n.put("sizes_per_budget", sizesPerBudget);
            n.put("width", width);
            n.put("noise_sd", noise);
            n.put("seed", seed);
            ObjectNode s = n.putObject("surface");
            s.put("E", truth.E());
            s.put("A", truth.A());
            s.put("B", truth.B());
            s.put("alpha", truth.alpha());
            s.put("beta", truth.beta());
            ArrayNode opt = n.putArray("optimal");
            for (double c : cs) {
                ComputeOptimal co = truth.optimalAt(c);
                ObjectNode x = opt.addObject();
                x.put("budget", c);
                x.put("params", co.params());
                x.put("tokens", co.tokens());
                x.put("loss", co.loss());
            }
            try {
                o.println(json.writeValueAsString(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            o.printf(Locale.ROOT, "wrote %s: %d runs, %d budgets %.2e–%.2e FLOPs, %d sizes per budget over N*/%s … N*·%s, "
                            + "noise sd %s (seed %d)%n", out, rows, cs.length, cs[0], cs[cs.length - 1], sizesPerBudget,
                    compact(width), compact(width), compact(noise), seed);
            o.printf(Locale.ROOT, "true surface: L = %s + %s·N^-%s + %s·D^-%s (raw N, D)%n", compact(truth.E()), compact(truth.A()),
                    compact(truth.alpha()), compact(truth.B()), compact(truth.beta()));
            o.println("true compute-optimal allocation per budget:");
            o.printf(Locale.ROOT, "  %-10s %-11s %-11s %s%n", "budget", "N*", "D*", "L*");
            for (double c : cs) {
                ComputeOptimal co = truth.optimalAt(c);
                o.printf(Locale.ROOT, "  %-10.2e %-11.4e %-11.4e %.4f%n", c, co.params(), co.tokens(), co.loss());
            }
        }
        o.flush();
    }

    static LossSurface parseSurface(String text) {
        double[] v = numbers("--surface", text);
        if (v.length != 5) {
            throw new IllegalArgumentException("--surface must be E,A,B,alpha,beta (5 numbers), got '" + text + "'");
        }
        LossSurface s = new LossSurface(v[0], v[1], v[2], v[3], v[4]);
        // A grid is centred on the surface's compute optimum, which needs both power-law terms decaying.
        if (!(s.E() >= 0) || !s.hasComputeOptimum()) {
            throw new IllegalArgumentException("--surface needs E ≥ 0 and A, B, alpha, beta > 0 (a compute optimum to centre "
                    + "the grid on), got '" + text + "'");
        }
        return s;
    }

    static double[] parseBudgets(String text) {
        double[] cs = numbers("--budgets", text);
        for (double c : cs) {
            if (!(c > 0)) {
                throw new IllegalArgumentException("--budgets must be positive FLOP counts, got " + compact(c) + " in '" + text + "'");
            }
        }
        Arrays.sort(cs);
        for (int i = 1; i < cs.length; i++) {
            if (cs[i] == cs[i - 1]) {
                throw new IllegalArgumentException("--budgets lists " + compact(cs[i]) + " twice: '" + text + "'");
            }
        }
        if (cs.length < 2) {
            throw new IllegalArgumentException("--budgets needs at least 2 budgets (a fit needs more than one), got '" + text + "'");
        }
        return cs;
    }

    private static double[] numbers(String option, String text) {
        String[] parts = text.split(",", -1);
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Decimals.parse(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " is a comma-separated list of numbers; item " + (i + 1) + " of '"
                        + text + "': " + e.getMessage());
            }
        }
        return v;
    }

    /** Shortest decimal of v ("1e18", "0.005", "406.4", "16"), for budgets in the CSV and values in messages. */
    static String compact(double v) {
        BigDecimal d = BigDecimal.valueOf(v).stripTrailingZeros();
        double a = Math.abs(v);
        String s = a == 0 || (a >= 1e-4 && a < 1e7) ? d.toPlainString() : d.toString();
        return s.replace("E+", "e").replace("E-", "e-");
    }
}
