package scalelab.cli.report;

import static scalelab.cli.CliRun.run;

import scalelab.cli.CliRun.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.io.DataDirectory;

class ReportCommandTest {
    static Path repo() {
        return Path.of(System.getProperty("scalelab.repoRoot", ".."));
    }



    @Test
    void reportFromCsvWritesSelfContainedHtmlAndMarkdown(@TempDir Path dir) throws Exception {
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        Result r = run("report", "--from-csv", csv.toString(), "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("report: " + dir.resolve("report.html").toAbsolutePath().normalize()), r.out());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("124 runs (124 with a loss) in 9 budgets from 6e18 to 3e21 FLOPs"), "summary line");
        assertTrue(html.contains("src=\"data:image/png;base64,"), "inline IsoFLOP chart");
        assertFalse(html.contains("http"), "no URL in the page");
        assertTrue(Files.size(dir.resolve("figures/isoflop.png")) > 10_000);
        assertTrue(Files.readString(dir.resolve("report.md")).contains("![IsoFLOP curves](figures/isoflop.png)"));
    }

    @Test
    void badCsvFailsWithFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "params,tokens,loss\n1e8,2e9,3.1\n1e8,-5,3.0\n");
        Result r = run("report", "--from-csv", csv.toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.csv:3") && r.err().contains("tokens") && r.err().contains("must be positive"), r.err());
        assertFalse(Files.exists(dir.resolve("out/report.html")), "nothing written for bad input");
    }

    @Test
    void aMissingDatabaseIsNamedNotCreated(@TempDir Path dir) {
        Path db = dir.resolve("typo.duckdb");
        Result r = run("report", "--db", db.toString(), "--out", dir.resolve("out").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no registry database at") && r.err().contains("--from-csv"), r.err());
        assertFalse(Files.exists(db), "a report must not create a database");
    }

    @Test
    void reportFromTheRegistryAfterFitPredictAndCheck(@TempDir Path dir) throws Exception {
        String db = dir.resolve("r.duckdb").toString();
        Path csv = DataDirectory.dataFile("chinchilla-isoflops.csv");
        assertEquals(0, run("runs", "import", csv.toString(), "--ladder", "chin", "--db", db).exit());
        Result fit = run("fit", "--from-db", "--ladder", "chin", "--save", "--bootstrap-samples", "50", "--db", db);
        assertEquals(0, fit.exit(), fit.err());
        // 3e21 is the ladder's own top budget: a projection, answered and not filed (issue 15); 3e22 lies beyond it.
        Result inside = run("predict", "--compute", "3e21", "--name", "top-budget", "--db", db);
        assertEquals(0, inside.exit(), inside.err());
        assertTrue(inside.out().startsWith("projection (not filed)"), inside.out());
        assertEquals(0, run("predict", "--compute", "3e22", "--name", "top-budget", "--db", db).exit());
        Result check = run("check", "--prediction", "1", "--loss", "2.2057", "--db", db);
        assertEquals(0, check.exit(), check.err());
        // One sign (issue 16): check printed "+0.5423 (21.13%)" where the report said −21.13% for the same check. The
        // error of the prediction is 100·(predicted − actual)/actual everywhere, so both print the same signed number.
        Matcher m = Pattern.compile("predicted (\\d\\.\\d{4}), actual 2\\.2057 .*error of the prediction ([+-]\\d\\.\\d{4}) \\(([+-]\\d+\\.\\d{2}%)\\)")
                .matcher(check.out());
        assertTrue(m.find(), check.out());
        double predicted = Double.parseDouble(m.group(1));
        assertEquals(predicted - 2.2057, Double.parseDouble(m.group(2)), 1e-4, "predicted − actual");
        String pct = m.group(3);
        assertEquals(predicted > 2.2057, pct.startsWith("+"), "positive when the forecast was too high: " + check.out());

        Path out = dir.resolve("out");
        Result r = run("report", "--ladder", "chin", "--db", db, "--out", out.toString(), "--no-backtest");
        assertEquals(0, r.exit(), r.err());
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(html.contains("http"), "no URL in the page");
        for (String s : new String[] {"Ladder chin", "vpnls #1", "approach2", "approach3", "top-budget", "2.2057",
                "error of the prediction", pct}) {
            assertTrue(html.contains(s), "HTML lacks " + s);
        }
        Result ledger = run("ledger", "export", "--format", "markdown", "--db", db);
        assertTrue(ledger.out().contains("error of the prediction " + pct), ledger.out());
        for (String f : new String[] {"isoflop", "frontier", "loss-frontier", "residuals"}) {
            assertTrue(Files.size(out.resolve("figures/" + f + ".png")) > 10_000, f);
        }
        assertFalse(Files.exists(out.resolve("figures/backtest.png")), "--no-backtest");
        // The report's forecast at the prediction's target is the filed number, not a recomputation that differs in the
        // 4th digit (issue 16: the same interval printed as [1.9871, 2.0529] and [1.9874, 2.0531]).
        try (scalelab.registry.Registry reg = scalelab.registry.Registry.open(Path.of(db))) {
            scalelab.registry.Prediction filed = reg.predictions().get(0);
            var view = scalelab.reports.RegistryReport.load(reg, "chin").forecasts().stream()
                    .filter(f -> f.compute() == filed.compute()).findFirst().orElseThrow();
            assertEquals(filed.predictedLoss(), view.loss(), 0.0);
            assertEquals(filed.intervalLow(), view.lo(), 0.0);
            assertEquals(filed.intervalHigh(), view.hi(), 0.0);
        }
    }
}
