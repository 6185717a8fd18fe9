package scalelab.cli.fit;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.io.DataDirectory;

/** The fit commands run in-process, as a user would call them. */
class FitCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();



    static String chinchilla() {
        return DataDirectory.dataFile("chinchilla-isoflops.csv").toString();
    }

    @Test
    void fitJsonThenAllocate(@TempDir Path tmp) throws Exception {
        Result fit = run("fit", chinchilla(), "--method", "vpnls", "--objective", "huber", "--delta", "1e-3", "--format", "json");
        assertEquals(0, fit.exit(), fit.err());
        JsonNode o = JSON.readTree(fit.out());
        assertEquals("vpnls", o.get("method").asText());
        assertEquals(124, o.get("n").asInt());
        assertEquals(0.3621, o.get("alpha").asDouble(), 1e-3);
        assertEquals(0.3995, o.get("beta").asDouble(), 1e-3);
        assertEquals(1.6248e-3, o.get("objective").asDouble(), 1.6248e-6);
        assertEquals("N/1e6, D/1e9", o.get("units").get("description").asText());
        assertTrue(o.get("optimal").has("a") && o.get("optimal").has("b"));

        Path f = tmp.resolve("fit.json");
        Files.writeString(f, fit.out());
        Result alloc = run("allocate", "--fit-file", f.toString(), "--compute", "5.76e23", "--format", "json");
        assertEquals(0, alloc.exit(), alloc.err());
        JsonNode a = JSON.readTree(alloc.out());
        assertEquals(5.76e23, a.get("compute").asDouble());
        // the file carries how Chinchilla's labels count FLOPs (~1.03·6·N·D), and the allocation spends C so
        JsonNode count = o.get("flops");
        double n = a.get("params").asDouble();
        double kappa = Math.exp(count.get("log_kappa_ref").asDouble()
                + count.get("slope").asDouble() * (Math.log(n) - count.get("log_params_ref").asDouble()));
        assertEquals(1.03, Math.exp(count.get("log_kappa_ref").asDouble()), 0.02);
        assertEquals(5.76e23, kappa * 6 * n * a.get("tokens").asDouble(), 1e-6 * 5.76e23);
        assertTrue(a.get("flops").asText().startsWith("FLOP labels are 1.03"), a.get("flops").asText());
        assertTrue(a.get("loss").asDouble() > 1.8 && a.get("loss").asDouble() < 2.1);

        Result text = run("allocate", "--fit-file", f.toString(), "--compute", "1e22");
        assertEquals(0, text.exit());
        assertTrue(text.out().contains("N* =") && text.out().contains("L* ="), text.out());
    }

    @Test
    void fitDefaultsToLeastSquaresAndHonoursMaxBudget() throws Exception {
        JsonNode all = JSON.readTree(run("fit", chinchilla(), "--format", "json").out());
        assertEquals("sum of squares", all.get("objective_name").asText(), "named for what the value is: Σ r², not a mean");
        assertEquals(0.3885, all.get("alpha").asDouble(), 1e-3);
        JsonNode cut = JSON.readTree(run("fit", chinchilla(), "--max-budget", "1e20", "--format", "json").out());
        assertTrue(cut.get("n").asInt() < 124);
    }

    @Test
    void approach2TextShowsDiagnostics() {
        Result r = run("fit", chinchilla(), "--method", "approach2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("vertex N*") && r.out().contains("off-centre") && r.out().contains("likely biased"), r.out());
    }

    @Test
    void noBudgetColumnIsGroupedAndReported(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("runs.csv");
        StringBuilder sb = new StringBuilder("loss,params,tokens\n");
        for (String line : Files.readAllLines(DataDirectory.dataFile("chinchilla-isoflops.csv")).subList(1, 125)) {
            String[] c = line.split(",");
            sb.append(c[3]).append(',').append(c[0]).append(',').append(c[1]).append('\n');
        }
        Files.writeString(f, sb.toString());
        Result r = run("fit", f.toString(), "--method", "approach2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("clustered log10(C)"), r.out());
        assertEquals(9, r.out().lines().filter(l -> l.startsWith("  C = ")).count(), r.out());
    }

    @Test
    void backtestJsonListsEveryCut() throws Exception {
        Result r = run("backtest", chinchilla(), "--method", "vpnls-mse,approach2", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = JSON.readTree(r.out());
        assertTrue(list.isArray());
        assertEquals(14, list.size());
        for (JsonNode e : list) {
            for (String k : new String[] {"cut", "target_budget", "ratio", "predicted", "observed", "error_of_prediction_pct", "method"}) {
                assertTrue(e.has(k), k);
            }
            assertEquals(3e21, e.get("target_budget").asDouble());
        }
        Result text = run("backtest", chinchilla(), "--bootstrap-samples", "10");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("forecaster") && text.out().contains("coverage"), text.out());
    }

    @Test
    void panelMethodsBacktestAsAPlainRefitDoes() throws Exception {
        // The rolling backtest of a panel method is the plain one: fit up to the cut, forecast the next budget.
        Result r = run("backtest", chinchilla(), "--method", "vpnls-mse,asymptote-fitted", "--held-out", "next", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        // In the canonical order the CLI reads runs in (issue 16: one order, so one set of numbers).
        java.util.List<scalelab.fitting.Observation> obs = scalelab.registry.io.RunTableReader.read(Path.of(chinchilla())).observations()
                .stream().sorted(scalelab.fitting.Observation.CANONICAL_ORDER).toList();
        scalelab.fitting.forecast.Ladder ladder = new scalelab.fitting.forecast.Ladder(obs, scalelab.fitting.BudgetGrouping.byLabel(obs));
        JsonNode list = JSON.readTree(r.out());
        assertEquals(2 * (ladder.budgetCount() - 2), list.size(), "two methods, cuts at budgets 2 … 8 of 9");
        int refitted = 0, refused = 0;
        for (JsonNode x : list) {
            int cut = java.util.stream.IntStream.range(0, ladder.budgetCount()).filter(b -> ladder.budget(b) == x.get("cut").asDouble())
                    .findFirst().orElseThrow();
            assertEquals(ladder.budget(cut + 1), x.get("target_budget").asDouble(), x.toString());
            scalelab.fitting.forecast.Ladder fitOn = ladder.upTo(cut);
            if (x.get("method").asText().equals("vpnls-mse")) {
                // the surface's optimum along the ladder's own FLOP labels (Chinchilla's: ≈ 1.04·6·N·D)
                double direct = scalelab.fitting.FlopConvention.measure(fitOn.observations()).optimalAt(scalelab.fitting.Vpnls
                        .fit(fitOn.observations(), scalelab.fitting.Vpnls.Options.defaults()).surface(), ladder.budget(cut + 1)).loss();
                assertEquals(direct, x.get("predicted").asDouble(), 1e-12, x.toString());
                refitted++;
            } else if (cut + 1 < 3) {
                assertTrue(x.get("predicted").isNull(), "3 parameters from 2 budgets' vertices: no forecast: " + x);
                refused++;
            }
        }
        assertEquals(7, refitted);
        assertEquals(1, refused);
        Result all = run("backtest", chinchilla(), "--method", "all", "--held-out", "next", "--bootstrap-samples", "10");
        assertEquals(0, all.exit(), all.err());
        for (String m : new String[] {"forecaster", "vpnls-mse", "vpnls-huber", "vpnls-near2", "vpnls-near3", "approach2-drift",
                "asymptote-fitted"}) {
            assertTrue(all.out().contains("\n" + m + " "), m + " in the summary: " + all.out());
        }
    }

    @Test
    void bootstrapIsReproducible() throws Exception {
        String[] args = {"bootstrap", chinchilla(), "--bootstrap-samples", "40", "--seed", "5", "--format", "json"};
        JsonNode a = JSON.readTree(run(args).out()), b = JSON.readTree(run(args).out());
        assertEquals(a.get("intervals"), b.get("intervals"));
        assertEquals(40 - a.get("failures").asInt(), a.get("surfaces").size());
        Result budgets = run("bootstrap", chinchilla(), "--bootstrap-samples", "20", "--resample", "budgets");
        assertEquals(0, budgets.exit(), budgets.err());
        assertTrue(budgets.out().contains("loss_opt"), budgets.out());
    }

    @Test
    void benchFitPrintsFigures() {
        Result r = run("bench", "fit", "--data", chinchilla(), "--repeats", "1", "--bootstrap-samples", "20");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("0.001") && r.out().contains("bootstrap refits"), r.out());
    }

    static Result bad(Path dir, String name, String content, String... extra) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        String[] args = new String[2 + extra.length];
        args[0] = "fit";
        args[1] = f.toString();
        System.arraycopy(extra, 0, args, 2, extra.length);
        return run(args);
    }

    /** Exit 2 and every fragment in the error output. */
    private static void assertRefused(Result r, String... fragments) {
        assertEquals(2, r.exit(), r.out() + r.err());
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
        }
    }

    @Test
    void badInputExitsNonZeroWithFileLineAndProblem(@TempDir Path tmp) throws Exception {
        assertRefused(bad(tmp, "missing.csv", "params,loss\n1e8,3.0\n"), "missing.csv:1", "'tokens'", "missing required column");
        assertRefused(bad(tmp, "nc.csv", "params,budget,loss\n1e8,1e18,3.0\n"), "nc.csv:1", "'tokens'", "tokens = C / (6·params)");
        assertRefused(bad(tmp, "runs.json", "[{\"parameters\": 1e8, \"compute_budget\": 1e18, \"final_loss\": 3.1}]\n"),
                "runs.json:1", "this looks like JSON", "JSON Lines");
        assertRefused(bad(tmp, "text.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,1e9,abc\n"), "text.csv:3", "not a number: 'abc'");
        assertRefused(bad(tmp, "neg.csv", "params,tokens,loss\n1e8,-2e9,3.1\n"), "neg.csv:2", "must be positive");
        assertRefused(bad(tmp, "nan.csv", "params,tokens,loss\n1e8,2e9,NaN\n"), "nan.csv:2", "NaN");
        assertRefused(bad(tmp, "few.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,1e9,3.0\n4e8,5e8,3.05\n"), "few.csv", "fewer points than parameters");
        assertRefused(bad(tmp, "thin.csv", "params,tokens,budget,loss\n1e8,1.667e9,1e18,3.1\n2e8,8.33e8,1e18,3.0\n4e8,4.17e8,1e18,3.05\n"
                + "1e8,1.667e10,1e19,2.9\n2e8,8.33e9,1e19,2.8\n", "--method", "approach2"), "thin.csv:5", "parabola needs at least 3");
        assertRefused(bad(tmp, "dup.csv", "params,tokens,loss,loss\n1e8,2e9,3.1,3.0\n"), "dup.csv:1", "columns 3 and 4 are both named 'loss'");
        assertRefused(bad(tmp, "javaism.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,1d,3.0\n"), "javaism.csv:3", "not a number: '1d'");

        for (String box : new String[] {"a,1.5", "0.01,1.5x", "0x1p-3,1.5"}) {
            Result r = run("fit", chinchilla(), "--box", box);
            assertRefused(r, "--box must be MIN,MAX, two numbers, got '" + box + "': not a number");
            assertEquals(1, r.err().strip().lines().count(), "one line, not a stack trace: " + r.err());
        }
        Result inverted = run("fit", chinchilla(), "--box", "1.5,0.01");
        assertEquals(2, inverted.exit());
        assertTrue(inverted.err().contains("--box must be MIN,MAX with 0 < MIN < MAX, got '1.5,0.01'"), inverted.err());

        Result method = run("fit", chinchilla(), "--method", "nope");
        assertEquals(2, method.exit());
        assertTrue(method.err().contains("unknown fit method"), method.err());
    }
}
