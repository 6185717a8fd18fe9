package scalelab.cli.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.LossSurface;
import scalelab.registry.io.RunTable;
import scalelab.registry.io.RunTableReader;

/** {@code scalelab simulate}: a synthetic ladder the fit commands read, from which they recover the true surface. */
class SimulateCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void noiseFreeLadderIsReadAndFitBackToItsSurface(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("ladder.csv");
        Result sim = run("simulate", "--out", csv.toString(), "--noise", "0", "--surface", "1.8,500,2000,0.35,0.37",
                "--format", "json");
        assertEquals(0, sim.exit(), sim.err());
        JsonNode o = JSON.readTree(sim.out());
        assertEquals(63, o.get("rows").asInt());
        assertEquals(7, o.get("budgets").size());
        LossSurface truth = new LossSurface(1.8, 500, 2000, 0.35, 0.37);
        for (JsonNode opt : o.get("optimal")) {
            ComputeOptimal want = truth.optimalAt(opt.get("budget").asDouble());
            assertEquals(want.loss(), opt.get("loss").asDouble(), 1e-12);
            assertEquals(want.params(), opt.get("params").asDouble(), 1e-9 * want.params());
        }

        RunTable table = RunTableReader.read(csv);
        assertEquals(63, table.rows().size());
        assertEquals("params,tokens,budget,loss", Files.readAllLines(csv).get(0));
        assertEquals(7, table.budgetGrouping().budgets().size(), table.budgetGrouping().describe());

        JsonNode fit = JSON.readTree(run("fit", csv.toString(), "--format", "json").out());
        assertEquals("converged", fit.get("status").asText(), fit.toString());
        assertEquals(0.35, fit.get("alpha").asDouble(), 1e-3);
        assertEquals(0.37, fit.get("beta").asDouble(), 1e-3);
        assertEquals(1.8, fit.get("E").asDouble(), 1e-3);
    }

    @Test
    void defaultsAreChinchillasSurfaceWithSeededNoise(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a.csv"), b = tmp.resolve("b.csv"), c = tmp.resolve("c.csv");
        Result text = run("simulate", "--out", a.toString());
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("63 runs, 7 budgets") && text.out().contains("L = 1.69 + 406.4·N^-0.34 + 410.7·D^-0.28")
                && text.out().contains("noise sd 0.005 (seed 1)"), text.out());
        assertEquals(0, run("simulate", "--out", b.toString()).exit());
        assertEquals(0, run("simulate", "--out", c.toString(), "--seed", "2").exit());
        assertEquals(Files.readString(a), Files.readString(b));
        assertNotEquals(Files.readString(a), Files.readString(c));

        // The noise is there, and of the size asked for: residuals against the true surface have sd ≈ 0.005.
        LossSurface chinchilla = new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28);
        List<double[]> rows = Files.readAllLines(a).stream().skip(1)
                .map(l -> java.util.Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
        double ss = 0;
        for (double[] r : rows) {
            double e = r[3] - chinchilla.loss(r[0], r[1]);
            ss += e * e;
        }
        double sd = Math.sqrt(ss / rows.size());
        assertTrue(sd > 0.0035 && sd < 0.0065, "residual sd " + sd);
    }

    @Test
    void anExistingFileIsKeptUnlessForced(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("ladder.csv");
        Files.writeString(csv, "mine\n");
        Result refused = run("simulate", "--out", csv.toString());
        assertEquals(2, refused.exit());
        assertTrue(refused.err().contains(csv + " exists: give --force to overwrite it"), refused.err());
        assertEquals("mine\n", Files.readString(csv));

        Result forced = run("simulate", "--out", csv.toString(), "--force", "--budgets", "1e19,1e20", "--sizes-per-budget", "5");
        assertEquals(0, forced.exit(), forced.err());
        assertEquals(11, Files.readAllLines(csv).size());
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(csv), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path tmp) {
        Path csv = tmp.resolve("x.csv");
        String[][] cases = {
            {"--surface", "1.69,406.4,410.7,0.34", "5 numbers"},
            {"--surface", "1.69,406.4,0,0.34,0.28", "A, B, alpha, beta > 0"},
            {"--budgets", "1e18", "at least 2 budgets"},
            {"--budgets", "1e18,abc", "item 2"},
            {"--budgets", "1e18,1e18", "twice"},
            {"--budgets", "1e18,-1e19", "positive"},
            {"--width", "1", "--width"},
            {"--noise", "-0.1", "--noise"},
            {"--sizes-per-budget", "2", "at least 3"},
            {"--format", "yaml", "--format"},
            {"--noise", "5", "lower the noise"},
        };
        for (String[] c : cases) {
            Result r = run("simulate", "--out", csv.toString(), c[0], c[1]);
            assertEquals(2, r.exit(), String.join(" ", c));
            assertTrue(r.err().contains(c[2]) && r.err().trim().lines().count() == 1, String.join(" ", c) + " → " + r.err());
            assertFalse(Files.exists(csv), "nothing written for " + String.join(" ", c));
        }
    }
}
