// Notebook 3: a ladder in the registry, through a preregistered prediction and its check.
// Run: ./scalelab notebook registry-loop   (OUT = folder for figures, REPO = repository root; both predefined)
//
// "The ladder" is Chinchilla's IsoFLOP runs up to 3e20 FLOPs (6 budgets). We import it, fit it and store the fit with
// 1000 bootstrap surfaces, file a preregistered prediction of the compute-optimal loss at 3e21 FLOPs — 10× beyond the
// ladder — then check it against the best loss Chinchilla observed at 3e21, verify the hash-chained ledger and write
// the report. Each step is the `scalelab` command a user would type (run in-process), checked through the registry API.

import java.io.*;
import java.nio.file.*;
import java.util.*;
import scalelab.cli.Main;
import scalelab.registry.*;
import scalelab.registry.io.*;

Path db = OUT.resolve("registry-loop.duckdb");
Files.deleteIfExists(db);
Files.deleteIfExists(OUT.resolve("registry-loop.duckdb.wal"));
String ladder = "chinchilla-le3e20";
double target = 3e21;

/** Runs a scalelab command in this JVM, echoes its output, and fails the notebook if it fails. */
String scalelab(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    System.out.println("$ scalelab " + String.join(" ", args));
    System.out.print(out);
    System.out.print(err);
    if (exit != 0) throw new AssertionError("scalelab " + args[0] + " exited " + exit + ": " + err);
    return out.toString();
}

// 1. The ladder: the runs at or below 3e20 FLOPs, written as a CSV and imported (one transaction, idempotent).
RunTable all = RunTableReader.read(DataDirectory.dataFile("chinchilla-isoflops.csv"));
Path ladderCsv = OUT.resolve(ladder + ".csv");
StringBuilder csv = new StringBuilder("params,tokens,budget,loss\n");
double bestAtTarget = Double.POSITIVE_INFINITY;
for (RunTable.Row r : all.rows()) {
    var o = r.observation();
    if (o.flops() <= 3e20) csv.append(o.params()).append(',').append(o.tokens()).append(',').append(o.flops()).append(',').append(o.loss()).append('\n');
    if (o.flops() == target) bestAtTarget = Math.min(bestAtTarget, o.loss());
}
Files.writeString(ladderCsv, csv);
scalelab("runs", "import", ladderCsv.toString(), "--ladder", ladder, "--db", db.toString());
String again = scalelab("runs", "import", ladderCsv.toString(), "--ladder", ladder, "--db", db.toString());
if (!again.contains("nothing added")) throw new AssertionError("re-import must add nothing");

// 2. Fit the ladder's finished runs and store the fit with its bootstrap surfaces.
String fitOut = scalelab("fit", "--from-db", "--ladder", ladder, "--save", "--db", db.toString());
long fitId = Long.parseLong(fitOut.replaceAll("(?s).*saved fit (\\d+).*", "$1"));

// 3. Preregister: the compute-optimal loss at 3e21 FLOPs, with its 95% bootstrap interval, in the hash-chained ledger.
scalelab("predict", "--fit", Long.toString(fitId), "--compute", "3e21", "--name", "chinchilla-3e21", "--db", db.toString());

// 4. "Train" the target: Chinchilla did; its best run at 3e21 is the actual. Check the prediction against it.
System.out.printf(Locale.ROOT, "best observed loss at C = 3e21: %.4f%n", bestAtTarget);
scalelab("check", "--prediction", "1", "--loss", Double.toString(bestAtTarget), "--db", db.toString());
scalelab("ledger", "verify", "--db", db.toString());
scalelab("ledger", "export", "--format", "markdown", "--db", db.toString());

// What the registry now holds, checked.
try (Registry r = Registry.open(db)) {
    FitRecord fit = r.fit(fitId).orElseThrow();
    if (fit.runIds().size() != r.runs(ladder).size() || fit.bootstrapSurfaces().size() < 900)
        throw new AssertionError("fit " + fitId + " lacks its runs or bootstrap surfaces");
    Prediction p = r.prediction(1).orElseThrow();
    if (!p.hasInterval() || !(p.intervalLow() < p.predictedLoss() && p.predictedLoss() < p.intervalHigh()))
        throw new AssertionError("the prediction needs a bootstrap interval around its point");
    if (p.fitId() != fitId || !p.inputHash().equals(fit.inputHash())) throw new AssertionError("prediction not tied to its fit");
    PredictionCheck c = r.checks(1).get(0);
    if (Math.abs(c.relativeError() - Math.abs(p.predictedLoss() - bestAtTarget) / bestAtTarget) > 1e-12) throw new AssertionError("check error");
    if (!r.verifyLedger().intact()) throw new AssertionError("ledger broken");
    System.out.printf(Locale.ROOT, "%nprediction %.4f [%.4f, %.4f] vs actual %.4f: error %+.2f%%, verdict %s%n", p.predictedLoss(),
            p.intervalLow(), p.intervalHigh(), bestAtTarget, 100 * (p.predictedLoss() - bestAtTarget) / bestAtTarget, c.verdict());
    // The prediction is of the compute-optimal loss; the best of a handful of sampled sizes can only lie above the
    // true minimum, so a prediction far above the best observed run would be a real miss. Say which side it fell on.
    System.out.println(p.predictedLoss() <= bestAtTarget ? "predicted at or below the best observed run (as a minimum should be)"
            : "predicted above the best observed run: the ladder's law is pessimistic at 10× extrapolation");
}

// 5. The report: runs, every fit method side by side (Approach 2 and 3 fitted for the report), the allocation at the
// target with its bootstrap band, the ledger with its verdict, and a backtest over the ladder's six budgets.
String rep = scalelab("report", "--ladder", ladder, "--db", db.toString(), "--out", OUT.resolve("report").toString());
for (String f : List.of("isoflop", "frontier", "loss-frontier", "residuals", "backtest"))
    if (!Files.exists(OUT.resolve("report/figures/" + f + ".png"))) throw new AssertionError("report lacks figure " + f);
String html = Files.readString(OUT.resolve("report/report.html"));
if (!html.contains("chinchilla-3e21") || html.contains("http")) throw new AssertionError("report lacks the prediction or is not self-contained");
// Copies of the headline figures at the top of OUT, where the notebook runner looks for them.
for (String f : List.of("loss-frontier", "isoflop"))
    for (String ext : List.of(".png", ".svg"))
        Files.copy(OUT.resolve("report/figures/" + f + ext), OUT.resolve("registry-loop-" + f + ext), StandardCopyOption.REPLACE_EXISTING);
