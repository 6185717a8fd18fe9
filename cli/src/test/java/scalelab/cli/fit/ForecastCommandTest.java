package scalelab.cli.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import scalelab.cli.CliRun;
import scalelab.registry.io.DataDirectory;

/** {@code forecast} and {@code backtest} on the published ladders, as a user calls them. */
class ForecastCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static String data(String name) {
        return DataDirectory.dataFile(name).toString();
    }

    @Test
    void forecastPrintsTheContractsJson() throws Exception {
        CliRun.Result r = CliRun.run("forecast", data("chinchilla-isoflops.csv"), "--compute", "5.76e23", "--bootstrap-samples", "20",
                "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode f = JSON.readTree(r.out());
        for (String k : new String[] {"loss", "lo", "hi", "level", "compute", "params", "tokens", "ratio", "method", "panel",
                "leave_one_out", "status", "warnings", "assumptions", "interval", "evidence"}) {
            assertTrue(f.has(k), "missing " + k + " in " + r.out());
        }
        assertTrue(f.get("lo").asDouble() < f.get("loss").asDouble() && f.get("loss").asDouble() < f.get("hi").asDouble());
        assertEquals(0.9, f.get("level").asDouble());
        assertEquals(5.76e23 / 3e21, f.get("ratio").asDouble(), 1e-9);
        assertEquals(9, f.get("leave_one_out").size(), "one refit per budget");
        assertTrue(f.get("panel").size() >= 6);
        assertTrue(f.get("panel").get(0).get("loss").isNumber());
        assertTrue(f.get("params").asDouble() > 1e10, "N* of a 5.76e23 FLOP run");
    }

    /** The text panel says each method's weight: the combined ones' sum to 1, and they are the ones the method line names. */
    @Test
    void theTextPanelShowsWhichMethodsWereCombined() {
        CliRun.Result r = CliRun.run("forecast", data("chinchilla-isoflops.csv"), "--compute", "5.76e23", "--bootstrap-samples", "0");
        assertEquals(0, r.exit(), r.err());
        String methodLine = r.out().lines().filter(l -> l.startsWith("method: ")).findFirst().orElseThrow();
        java.util.Set<String> combined = java.util.Arrays.stream(methodLine.substring("method: ".length()).split(" \\+ "))
                .map(t -> t.substring(t.indexOf('·') + 1)).collect(java.util.stream.Collectors.toSet());
        java.util.List<String> rows = r.out().lines().dropWhile(l -> !l.startsWith("panel ")).skip(1)
                .takeWhile(l -> !l.startsWith("leave one budget out")).toList();
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("panel ") && l.contains("weight")), r.out());
        double sum = 0;
        int scored = 0;
        for (String row : rows) {
            String[] c = row.trim().split("\\s+");
            if (c[4].equals("—")) {
                continue; // not scored for this target
            }
            scored++;
            double w = Double.parseDouble(c[4]);
            sum += w;
            assertEquals(w > 0, combined.contains(c[0]), row + " against " + methodLine);
        }
        assertTrue(scored >= 6, r.out());
        assertEquals(1, sum, 0.02, "weights as printed: " + rows);
    }

    /**
     * Issue 16: the same runs forecast from the CSV and from the registry printed the same interval as [1.8609, 2.0541]
     * and [1.8654, 2.0509] (the fitters sum, and the bootstrap resamples, in input order). Read in one canonical order,
     * they give the very same numbers.
     */
    @Test
    void aFileAndItsImportForecastToTheSameNumbers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String db = dir.resolve("f.duckdb").toString();
        assertEquals(0, CliRun.run("runs", "import", data("chinchilla-isoflops.csv"), "--ladder", "chin", "--db", db).exit());
        CliRun.Result file = CliRun.run("forecast", data("chinchilla-isoflops.csv"), "--compute", "5.76e23", "--bootstrap-samples", "20",
                "--format", "json");
        CliRun.Result registry = CliRun.run("forecast", "--ladder", "chin", "--db", db, "--compute", "5.76e23", "--bootstrap-samples", "20",
                "--format", "json");
        assertEquals(0, file.exit(), file.err());
        assertEquals(0, registry.exit(), registry.err());
        JsonNode a = JSON.readTree(file.out()), b = JSON.readTree(registry.out());
        for (String k : new String[] {"loss", "lo", "hi", "params", "tokens"}) {
            assertEquals(a.get(k).asDouble(), b.get(k).asDouble(), 0.0, k);
        }
        assertEquals(a.get("evidence").get("sha256").asText(), b.get("evidence").get("sha256").asText());
    }

    /** Two data sets' ladders in one file, told apart by a text column, plus a numeric seed and a per-run id. */
    static String twoLadders(boolean withDataset) {
        StringBuilder csv = new StringBuilder(withDataset ? "dataset,seed,run,params,tokens,budget,loss\n" : "seed,run,params,tokens,budget,loss\n");
        scalelab.fitting.LossSurface truth = new scalelab.fitting.LossSurface(1.8, 400, 410, 0.34, 0.28);
        int id = 0;
        for (String set : new String[] {"web", "code"}) {
            for (double c : new double[] {1e18, 3e18, 1e19, 3e19, 1e20}) {
                double nStar = truth.optimalAt(c).params();
                for (double f : new double[] {0.25, 0.5, 1, 2, 4}) {
                    for (int seed = 1; seed <= (withDataset ? 1 : 2); seed++) {
                        double n = nStar * f, d = c / (6 * n);
                        double loss = truth.loss(n, d) + (set.equals("code") ? -0.4 : 0) + 0.001 * seed;
                        csv.append(withDataset ? set + "," : "").append(seed).append(",r").append(id++).append(',')
                                .append(n).append(',').append(d).append(',').append(c).append(',').append(loss).append('\n');
                    }
                }
            }
            if (!withDataset) {
                break;
            }
        }
        return csv.toString();
    }

    @Test
    void aFileHoldingSeveralLaddersIsForecastWithAWarningThatNamesTheColumnToPickOne(@org.junit.jupiter.api.io.TempDir
                                                                                     java.nio.file.Path dir) throws Exception {
        java.nio.file.Path mixed = dir.resolve("mixed.csv"), seeds = dir.resolve("seeds.csv");
        java.nio.file.Files.writeString(mixed, twoLadders(true));
        java.nio.file.Files.writeString(seeds, twoLadders(false));
        CliRun.Result r = CliRun.run("forecast", mixed.toString(), "--compute", "1e21", "--bootstrap-samples", "0", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        String first = JSON.readTree(r.out()).get("warnings").get(0).asText();
        assertTrue(first.contains("column 'dataset' tells apart runs of the same size and budget (code, web)")
                && first.contains("--where dataset=code"), first);
        CliRun.Result one = CliRun.run("forecast", mixed.toString(), "--where", "dataset=web", "--compute", "1e21",
                "--bootstrap-samples", "0", "--format", "json");
        assertEquals(0, one.exit(), one.err());
        assertTrue(!one.out().contains("several ladders"), one.out());
        // replicate seeds (numbers) and per-run ids (one budget each) are one ladder's columns, not several ladders
        CliRun.Result replicates = CliRun.run("forecast", seeds.toString(), "--compute", "1e21", "--bootstrap-samples", "0",
                "--format", "json");
        assertEquals(0, replicates.exit(), replicates.err());
        assertTrue(!replicates.out().contains("several ladders"), replicates.out());
        CliRun.Result backtest = CliRun.run("backtest", mixed.toString(), "--method", "approach2", "--format", "json");
        assertEquals(0, backtest.exit(), backtest.err());
        assertTrue(backtest.err().contains("warning: mixed.csv: column 'dataset'"), backtest.err());
    }

    @Test
    void backtestDefaultsToTheForecasterWithIntervals() throws Exception {
        CliRun.Result r = CliRun.run("backtest", data("chinchilla-isoflops.csv"), "--bootstrap-samples", "10", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = JSON.readTree(r.out());
        assertEquals(7, list.size(), "cuts after 2…8 of 9 budgets, the top one held out");
        for (JsonNode e : list) {
            assertEquals("forecaster", e.get("method").asText());
            for (String k : new String[] {"cut", "target_budget", "ratio", "predicted", "observed", "error_of_prediction_pct",
                    "relative_error_pct", "lo", "hi", "level", "covered"}) {
                assertTrue(e.has(k) && !e.get(k).isNull(), "missing " + k + " in " + e);
            }
            double p = e.get("predicted").asDouble(), o = e.get("observed").asDouble();
            assertEquals(100 * (p - o) / o, e.get("error_of_prediction_pct").asDouble(), 1e-9);
            assertEquals(e.get("error_of_prediction_pct").asDouble(), e.get("relative_error_pct").asDouble(), 0);
            assertEquals(o >= e.get("lo").asDouble() && o <= e.get("hi").asDouble(), e.get("covered").asBoolean());
        }
    }

    @Test
    void backtestSaysWhatTheQualityGateWouldHaveSaidOfEachForecast() throws Exception {
        CliRun.Result r = CliRun.run("backtest", data("chinchilla-isoflops.csv"), "--bootstrap-samples", "10", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = JSON.readTree(r.out());
        // The gate `predict` applies, judged on the budgets up to each cut, as a user holding only those would be told.
        scalelab.registry.io.RunTable table = scalelab.registry.io.RunTableReader.read(java.nio.file.Path.of(data("chinchilla-isoflops.csv")));
        scalelab.fitting.forecast.Ladder ladder = new scalelab.fitting.forecast.Ladder(table.observations(), table.budgetGrouping());
        scalelab.fitting.forecast.Forecaster.Options options = scalelab.fitting.forecast.Forecaster.Options.defaults(null)
                .withBootstrap(10, 1);
        double top = ladder.budget(ladder.budgetCount() - 1);
        for (JsonNode e : list) {
            String verdict = e.get("gate").asText();
            assertTrue(java.util.Set.of("pass", "caveat", "refuse").contains(verdict), e.toString());
            int j = 0;
            while (ladder.budget(j) < e.get("cut").asDouble() * (1 - 1e-9)) {
                j++;
            }
            scalelab.fitting.forecast.Ladder seen = ladder.upTo(j);
            scalelab.fitting.forecast.Forecast f = scalelab.fitting.forecast.Forecaster.forecast(seen,
                    scalelab.fitting.forecast.ForecastTarget.computeOptimal(top), options);
            // the same forecast, to the optimiser's tolerance (the command reads the file through its own run table)
            assertEquals(f.loss(), e.get("predicted").asDouble(), 1e-4 * f.loss(), "the same forecast at cut " + j);
            assertEquals(scalelab.registry.ForecastGate.check(seen, f, options).verdict().name().toLowerCase(java.util.Locale.ROOT),
                    verdict, "the gate's own check of that sub-ladder, at cut " + j);
        }
        // two budgets cannot be backtested: nothing shows the forecaster extrapolates, so the gate refuses
        assertEquals("refuse", list.get(0).get("gate").asText(), list.get(0).toString());
    }

    @Test
    void runsTargetForecastsTheLargeGadreRunsFromTheSmallOnes() throws Exception {
        CliRun.Result r = CliRun.run("backtest", data("gadre-2024.csv"), "--where", "dataset=rpj", "--held-out", "runs",
                "--min-budgets", "4", "--bootstrap-samples", "10", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode list = JSON.readTree(r.out());
        boolean sawLargest = false;
        for (JsonNode e : list) {
            assertTrue(e.has("params") && e.has("tokens"));
            assertTrue(e.get("params").asDouble() > 4.2e8, "held-out runs are larger than the 411M fit set: " + e);
            sawLargest |= e.get("params").asDouble() > 6e9;
        }
        assertTrue(sawLargest, "the 6.9B run is forecast");
    }

    @Test
    void badTargetsAndFiltersAreOneClearLine() {
        CliRun.Result none = CliRun.run("forecast", data("chinchilla-isoflops.csv"));
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("--compute"), none.err());
        CliRun.Result half = CliRun.run("forecast", data("chinchilla-isoflops.csv"), "--params", "1e9");
        assertEquals(2, half.exit());
        assertTrue(half.err().contains("--params and --tokens go together"), half.err());
        CliRun.Result where = CliRun.run("backtest", data("gadre-2024.csv"), "--where", "colour=red");
        assertEquals(2, where.exit());
        assertTrue(where.err().contains("colour"), where.err());
        CliRun.Result method = CliRun.run("backtest", data("chinchilla-isoflops.csv"), "--method", "magic");
        assertEquals(2, method.exit());
        assertTrue(method.err().contains("unknown forecasting method 'magic'"), method.err());
    }
}
