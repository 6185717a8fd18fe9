package scalelab.cli.registry;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scalelab.registry.FitRecord;
import scalelab.registry.LedgerExport;
import scalelab.registry.Prediction;
import scalelab.registry.Predictions;
import scalelab.registry.Provenance;
import scalelab.registry.Registry;

/** {@code scalelab predict}: files a preregistered prediction in the ledger from a stored fit. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"File a preregistered prediction (append-only, hash-chained ledger) from a stored fit.",
                "Target: --params N --tokens D, or --compute C alone for the compute-optimal allocation at C."})
public final class PredictCommand implements Callable<Integer> {
    @Mixin
    DbOption db;

    @Option(names = "--fit", paramLabel = "ID", description = "Stored fit to predict from (default: the latest fit).")
    Long fitId;

    @Option(names = "--ladder", paramLabel = "NAME", description = "Without --fit: the latest fit of this ladder.")
    String ladder;

    @Option(names = "--compute", paramLabel = "C", description = "Target compute in FLOPs.")
    Double compute;

    @Option(names = "--params", paramLabel = "N", description = "Target parameters (N_active for MoE).")
    Double params;

    @Option(names = "--tokens", paramLabel = "D", description = "Target training tokens.")
    Double tokens;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Target run name; `check --all` matches finished runs by it (default: derived from kind, N, D).")
    String name;

    @Option(names = "--kind", paramLabel = "dense|moe", defaultValue = "dense", description = "Target architecture (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--level", paramLabel = "P", defaultValue = "0.95",
            description = "Interval level over the fit's bootstrap surfaces (default: ${DEFAULT-VALUE}).")
    double level;

    @Option(names = "--supersedes", paramLabel = "ID", description = "Id of an earlier prediction this one replaces (both stay).")
    Long supersedes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!"dense".equals(kind) && !"moe".equals(kind)) {
            throw new IllegalArgumentException("--kind must be dense or moe, got " + kind);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Registry r = db.open()) {
            FitRecord fit = fitId != null
                    ? r.fit(fitId).orElseThrow(() -> new IllegalArgumentException("no fit with id " + fitId + " in " + r.file()))
                    : r.latestFit(ladder).orElseThrow(() -> new IllegalArgumentException("no stored fit"
                    + (ladder == null ? "" : " for ladder " + ladder) + " in " + r.file() + ": run `scalelab fit --save` first"));
            Prediction draft = Predictions.draft(fit, new Predictions.Target(name, kind, params, tokens, compute), level,
                    supersedes, Provenance.codeVersion(), Provenance.author(), Instant.now());
            Prediction p = r.filePrediction(draft);
            if (!"CONVERGED".equals(fit.status())) {
                out.println("warning: fit " + fit.id() + " ended with status " + fit.status() + ": read its report before trusting this prediction");
            }
            out.println("filed prediction " + p.id() + ": " + p.targetName());
            out.println(LedgerExport.summary(p));
            out.println("entry hash " + p.entryHash());
            out.println("previous   " + p.previousHash());
            out.flush();
        }
        return 0;
    }
}
