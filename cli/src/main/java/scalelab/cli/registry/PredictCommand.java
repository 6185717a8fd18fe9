package scalelab.cli.registry;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import scalelab.cli.fit.ForecastCommand;
import scalelab.fitting.forecast.Forecast;
import scalelab.fitting.forecast.ForecastTarget;
import scalelab.fitting.forecast.Forecaster;
import scalelab.fitting.forecast.Ladder;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import scalelab.cli.JsonOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scalelab.registry.FitRecord;
import scalelab.registry.ForecastGate;
import scalelab.registry.LedgerExport;
import scalelab.registry.MoePredictions;
import scalelab.registry.Prediction;
import scalelab.registry.Predictions;
import scalelab.registry.Provenance;
import scalelab.registry.Registry;
import scalelab.registry.io.ForecastJson;
import scalelab.fitting.moe.MoeTarget;

/** {@code scalelab predict}: files a preregistered prediction in the ledger from a stored fit. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"File a preregistered prediction (append-only, hash-chained, signed ledger) from a stored fit.",
                "Target: --params N --tokens D, or --compute C alone for the compute-optimal allocation at C.",
                "A prediction's C lies above the largest budget of the runs fitted; a target inside the data is a",
                "projection: answered, not filed (exit 0). Implausible targets are refused (exit 2).",
                "MoE target: --target moe:experts=E,top_k=K,active=N_act,tokens=D[,granularity=G] fits the MoE laws to the",
                "ladder's finished dense + MoE runs, keeps the law the data support, and files its prediction."})
public final class PredictCommand implements Callable<Integer> {
    @Mixin
    DbOption db;

    @Option(names = "--fit", paramLabel = "ID", description = "Stored fit to predict from (default: the latest fit of the ladder).")
    Long fitId;

    @Option(names = "--ladder", paramLabel = "NAME",
            description = "Without --fit: the latest fit of this ladder (may be left out only when the registry holds one ladder).")
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

    @Option(names = "--level", paramLabel = "P", defaultValue = "0.9",
            description = "Interval level: the forecaster's (default), or over the bootstrap surfaces of --fit (default: ${DEFAULT-VALUE}).")
    double level;

    @Option(names = "--supersedes", paramLabel = "ID", description = "Id of an earlier prediction this one replaces (both stay).")
    Long supersedes;

    @Option(names = "--target", paramLabel = "moe:experts=E,top_k=K,active=N,tokens=D",
            description = "MoE target (fits dense + MoE runs of --ladder; no --fit/--params/--tokens/--compute).")
    String target;

    @Option(names = "--balance", paramLabel = "NAME", defaultValue = "quantile",
            description = "With --target: the MoE runs fitted are those of this balancing method; when the ladder's runs"
                    + " record none (imported without a balance column), all of them (default: ${DEFAULT-VALUE}).")
    String balance;

    // No picocli defaultValue: it would be applied after the hidden alias below and undo it.
    @Option(names = "--bootstrap-samples", paramLabel = "N",
            description = "With --target: bootstrap resamples of the interval (default: 200).")
    int samples = 200;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--samples", hidden = true, paramLabel = "N")
    void legacySamples(int n) {
        samples = n;
    }

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "With --target: bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--allow-unconverged",
            description = "File even when the fit ended on a grid edge, with a clamped coefficient or UNRELIABLE (the entry records"
                    + " the status). A FAILED fit is always refused.")
    boolean allowUnconverged;

    @Option(names = "--allow-projection",
            description = "File even a target whose C is not above the largest budget fitted (a projection); the entry records it.")
    boolean allowProjection;

    @Option(names = "--allow-implausible",
            description = "File even a target outside the plausibility bounds (tokens per parameter in [0.1, 1e4], C within 5%%"
                    + " of 6·N·D, C at most 1e4× the largest budget fitted); the entry records which and why.")
    boolean allowImplausible;

    @Option(names = "--because", paramLabel = "TEXT", description = "The reason for an --allow-* override, recorded with it.")
    String because;

    @Option(names = "--force",
            description = "File even when the quality gate refuses (a ladder that cannot support the extrapolation); the"
                    + " entry records the verdict and its reasons.")
    boolean force;

    @Option(names = "--dry-run", description = "Print exactly the entry that would be filed, and file nothing.")
    boolean dryRun;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: {\"status\": filed|dry_run|projection, \"message\", \"prediction\": the entry's"
                    + " fields (typed), \"forecast\"} (default: ${DEFAULT-VALUE}).")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The JSON answer: status, message, the entry (filed, previewed or the projection's draft) and its forecast. */
    private static ObjectNode json(String status, String message, Prediction entry, Forecast f) {
        ObjectNode o = JsonOutput.object();
        o.put("status", status);
        o.put("message", message);
        o.set("prediction", LedgerExport.entryJson(entry));
        if (f != null) {
            o.set("forecast", ForecastJson.object(JsonOutput.MAPPER, f));
        } else {
            o.putNull("forecast");
        }
        return o;
    }

    private Predictions.Overrides overrides() {
        return new Predictions.Overrides(allowProjection, allowImplausible, because);
    }

    @Override
    public Integer call() throws Exception {
        if (!"dense".equals(kind) && !"moe".equals(kind)) {
            throw new IllegalArgumentException("--kind must be dense or moe, got " + kind);
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean json = JsonOutput.requested(format);
        if (target != null) {
            return predictMoe(out, json);
        }
        try (Registry r = db.open()) {
            FitRecord fit;
            String lad = null;
            if (fitId != null) {
                fit = r.fit(fitId).orElseThrow(() -> new IllegalArgumentException("no fit with id " + fitId + " in " + r.file()));
            } else {
                lad = LadderChoice.require(r, ladder, "predict without --fit");
                String named = lad;
                fit = r.latestFit(lad).orElseThrow(() -> new IllegalArgumentException("no stored fit"
                        + (named == null ? "" : " for ladder " + named) + " in " + r.file() + ": run `scalelab fit --save` first"));
            }
            // draft() refuses a FAILED fit, and an unconverged one without the flag, before anything is written.
            Prediction unvetted = Predictions.draft(fit, new Predictions.Target(name, kind, params, tokens, compute), level,
                    supersedes, allowUnconverged, Provenance.codeVersion(), Provenance.author(), Instant.now());
            Forecast f = null;
            ForecastGate.Result gate = null;
            if (fitId == null && lad != null
                    && Predictions.vet(unvetted, r.dataRange(fit), overrides()).status() != Predictions.Status.PROJECTION) {
                // The number filed is the forecaster's, from the same runs the stored fit used (fit id and input hash
                // point at them); --fit ID files that one fit's own surface instead. A projection is answered below
                // from the fit alone, as before: nothing is filed for it.
                Ladder runs = ForecastCommand.registryLadder(r, lad);
                Forecaster.Options options = Forecaster.Options.defaults(null).withLevel(level);
                f = forecast(runs, unvetted, options);
                // The quality gate: its interval and verdict are filed with the entry (a refusal is enforced below).
                gate = ForecastGate.check(runs, f, options);
                unvetted = Predictions.withGatedForecast(unvetted, f, gate, force, ForecastJson.line(f, gate, force));
            }
            Predictions.Vetting vetting = Predictions.vet(unvetted, r.dataRange(fit), overrides());
            if (vetting.status() == Predictions.Status.PROJECTION) {
                if (json) {
                    // The projection's draft (never filed): its loss is the answer.
                    JsonOutput.print(out, json("projection", vetting.describe(),
                            vetting.draft() != null ? vetting.draft() : unvetted, f));
                    return 0;
                }
                out.println(vetting.describe());
                out.flush();
                return 0;
            }
            Predictions.requireFileable(vetting);
            if (gate != null && gate.verdict() == ForecastGate.Verdict.REFUSE && !force && !dryRun) {
                // a ladder that cannot support the extrapolation: nothing is filed unless --force
                printForecast(out, f);
                printGate(out, gate);
                throw new IllegalArgumentException("the quality gate refuses to file this forecast: ladder " + lad
                        + " cannot support it (" + String.join("; ", gate.reasons()) + "); nothing filed"
                        + " (--force files it with the verdict recorded)");
            }
            Prediction draft = vetting.draft();
            if (dryRun) {
                Prediction preview = r.previewPrediction(draft);
                if (json) {
                    JsonOutput.print(out, json("dry_run", "nothing filed; this entry would be filed (then hashed and signed)",
                            preview, f));
                    return 0;
                }
                printDryRun(out, preview);
                printForecast(out, f);
                printGate(out, gate);
                if (gate != null && gate.verdict() == ForecastGate.Verdict.REFUSE && !force) {
                    out.println("without --dry-run this would be refused (exit 2) unless --force");
                }
                out.flush();
                return 0;
            }
            Prediction p = r.filePrediction(draft);
            if (json) {
                ObjectNode o = json("filed", LedgerExport.summary(p), p, f);
                o.put("fit_status", fit.status());
                JsonOutput.print(out, o);
                if (!"CONVERGED".equals(fit.status())) {
                    spec.commandLine().getErr().println("warning: fit " + fit.id() + " ended with status " + fit.status()
                            + " (filed with --allow-unconverged; the entry records it)");
                    spec.commandLine().getErr().flush();
                }
                return 0;
            }
            out.println("filed prediction " + p.id() + ": " + p.targetName());
            if (!"CONVERGED".equals(fit.status())) {
                out.println("warning: fit " + fit.id() + " ended with status " + fit.status() + " (filed with --allow-unconverged;"
                        + " the entry records it): read its report before trusting this prediction");
            }
            out.println(LedgerExport.summary(p));
            out.println("entry hash " + p.entryHash());
            out.println("previous   " + p.previousHash());
            printForecast(out, f);
            printGate(out, gate);
            out.flush();
        }
        return 0;
    }

    private static void printGate(PrintWriter out, ForecastGate.Result gate) {
        if (gate != null) {
            gate.describe().forEach(out::println);
            out.flush();
        }
    }

    /** The forecast behind a filed (or dry-run) entry: its method, status, leave-one-out spread and warnings. */
    private static void printForecast(PrintWriter out, Forecast f) {
        if (f == null) {
            return;
        }
        out.println("forecast: " + f.method() + " (" + f.status().name().toLowerCase(Locale.ROOT) + "); leave one budget out "
                + "moves it by up to " + (Double.isNaN(f.looSpreadPct()) ? "–" : String.format(Locale.ROOT, "%.2f%%", f.looSpreadPct())));
        f.warnings().forEach(w -> out.println("warning: " + w));
        out.flush();
    }

    /** The entry as it would be filed: every hashed field, exactly as the hash and signature would cover them. */
    static void printDryRun(PrintWriter out, Prediction preview) {
        out.println("dry run: nothing filed; this entry would be filed (then hashed and signed):");
        out.println("format=" + preview.format());
        preview.canonicalFields().forEach((k, v) -> out.println(k + "=" + ("public_key".equals(k) && preview.publicKey() == null
                ? "(the key of " + preview.author() + ", created on first filing)"
                : "fit_id".equals(k) && preview.fitId() == 0 ? "(the id of its law fit, stored first on filing)" : v)));
        out.println(LedgerExport.summary(preview));
        out.flush();
    }

    /** The default forecaster at the draft's target, from the ladder's finished dense runs. */
    private Forecast forecast(Ladder runs, Prediction draft, Forecaster.Options options) {
        ForecastTarget t = params == null ? ForecastTarget.computeOptimal(draft.compute())
                : compute == null ? ForecastTarget.run(draft.params(), draft.tokens())
                : new ForecastTarget(draft.compute(), draft.params(), draft.tokens());
        return Forecaster.forecast(runs, t, options);
    }

    private int predictMoe(PrintWriter out, boolean json) {
        if (fitId != null || params != null || tokens != null || compute != null || supersedes != null) {
            throw new IllegalArgumentException("--target takes its N_act and D from the target string and fits the ladder's"
                    + " runs itself: drop --fit, --params, --tokens, --compute and --supersedes");
        }
        if ("dense".equals(kind) && spec.commandLine().getParseResult().hasMatchedOption("--kind")) {
            throw new IllegalArgumentException("--target files a prediction of kind moe: drop --kind dense");
        }
        MoeTarget moeTarget = MoeTarget.parse(target);
        try (Registry r = db.open()) {
            String lad = LadderChoice.require(r, ladder, "predict --target");
            MoePredictions.Filed filed;
            try {
                MoePredictions.Prepared prepared = MoePredictions.prepare(r, lad, moeTarget, balance, samples, seed, name,
                        level, allowUnconverged, overrides(), force);
                if (dryRun) {
                    Prediction preview = r.previewPrediction(prepared.draft());
                    if (json) {
                        JsonOutput.print(out, json("dry_run", "nothing filed; this entry would be filed (then hashed and"
                                + " signed), pointing at its law fit, stored first", preview, prepared.forecast()));
                        return 0;
                    }
                    out.println(prepared.comparison().describe());
                    out.println(prepared.moePrediction().describe());
                    printDryRun(out, preview);
                    printForecast(out, prepared.forecast());
                    printGate(out, prepared.gate());
                    if (prepared.refused()) {
                        out.println("without --dry-run this would be refused (exit 2) unless --force");
                    }
                    out.flush();
                    return 0;
                }
                filed = MoePredictions.file(r, prepared);
            } catch (MoePredictions.GateRefused refused) {
                // a ladder that cannot support the extrapolation: nothing is filed unless --force
                printForecast(out, refused.forecast());
                printGate(out, refused.gate());
                throw refused;
            } catch (Predictions.NotFiled projection) {
                if (json) {
                    ObjectNode o = JsonOutput.object();
                    o.put("status", "projection");
                    o.put("message", projection.getMessage());
                    o.putNull("prediction");
                    o.putNull("forecast");
                    JsonOutput.print(out, o);
                    return 0;
                }
                out.println(projection.getMessage());
                out.flush();
                return 0;
            }
            Prediction p = filed.prediction();
            if (json) {
                ObjectNode o = json("filed", LedgerExport.summary(p), p, filed.forecast());
                o.put("fit_id", filed.fitId());
                o.put("law", filed.comparison().describe());
                JsonOutput.print(out, o);
                return 0;
            }
            out.println(filed.comparison().describe());
            out.println(filed.moePrediction().describe());
            out.println("filed prediction " + p.id() + ": " + p.targetName() + " (fit " + filed.fitId() + ")");
            out.println(LedgerExport.summary(p));
            out.println("entry hash " + p.entryHash());
            out.println("previous   " + p.previousHash());
            printForecast(out, filed.forecast());
            printGate(out, filed.gate());
            out.flush();
        }
        return 0;
    }
}
