package scalelab.registry;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A prediction checked against an actual loss. Since checks joined the ledger, each is an append-only, hashed and
 * signed entry of the same chain as the predictions: a second check of a prediction adds a verdict, never replaces one.
 * Checks stored before that ({@link #chained()} false) stay readable but are outside the chain.
 *
 * @param runId              the registry run the actual loss came from, or null for a loss given by hand ({@code --loss})
 * @param absoluteError      |actual − predicted|
 * @param relativeError      |actual − predicted| / actual, as hashed into the entry; what every output shows is the
 *                           signed {@link #errorOfPrediction()}, whose magnitude this is
 * @param insideInterval     whether actual lies in [intervalLow, intervalHigh]; null when the prediction has no interval
 * @param checkedAt          UTC filing time of the check (microseconds)
 * @param seq                chain position; null for a draft and for a check stored before checks were chained
 * @param format             {@link #FORMAT}; null for an unchained (legacy) check
 * @param predictionHash     entry hash of the prediction checked (binds the verdict to exactly that entry)
 * @param runSpecHash        the run's spec hash, null for {@code --loss}
 * @param runStartedAt       when the run started training as the registry recorded it, null when unknown
 * @param runFinishedAt      when it finished, null when unknown
 * @param startedAfterFiling whether the run started after the prediction was filed; null when the start is unknown
 * @param targetMatch        how the run matched the prediction's target (kind, N, D, C and the tolerances), or why
 *                           there was nothing to match
 * @param mismatchAllowed    true when the run did not match and the check was filed with {@code --allow-mismatch}
 * @param author             who filed the check
 */
public record PredictionCheck(Long id, long predictionId, Long runId, double actualLoss, double predictedLoss,
                              double absoluteError, double relativeError, Boolean insideInterval, Verdict verdict,
                              Instant checkedAt, Long seq, String format, String predictionHash, String runSpecHash,
                              Instant runStartedAt, Instant runFinishedAt, Boolean startedAfterFiling, String targetMatch,
                              boolean mismatchAllowed, String author, String previousHash, String entryHash,
                              String publicKey, String signature) implements LedgerEntry {

    /** First line of a check entry's canonical content. */
    public static final String FORMAT = "scalelab-check-v1";
    /** Relative tolerance on N (or N_active), D and C when matching a run to a prediction's target. */
    public static final double MATCH_TOLERANCE = 0.01;

    public enum Verdict {
        /** The actual loss lies inside the preregistered interval. */
        WITHIN_INTERVAL,
        /** The actual loss lies outside the preregistered interval: the prediction missed. */
        OUTSIDE_INTERVAL,
        /** The prediction had no interval: only the point error can be judged. */
        NO_INTERVAL
    }

    public PredictionCheck {
        checkedAt = checkedAt == null ? null : checkedAt.truncatedTo(ChronoUnit.MICROS);
        runStartedAt = runStartedAt == null ? null : runStartedAt.truncatedTo(ChronoUnit.MICROS);
        runFinishedAt = runFinishedAt == null ? null : runFinishedAt.truncatedTo(ChronoUnit.MICROS);
        if (format != null && !FORMAT.equals(format)) {
            throw new IllegalArgumentException("check format must be " + FORMAT + ", got " + format);
        }
    }

    /** A check stored before checks were chained (no hash, no signature). */
    public static PredictionCheck legacy(Long id, long predictionId, Long runId, double actualLoss, double predictedLoss,
                                         double absoluteError, double relativeError, Boolean insideInterval, Verdict verdict,
                                         Instant checkedAt) {
        return new PredictionCheck(id, predictionId, runId, actualLoss, predictedLoss, absoluteError, relativeError,
                insideInterval, verdict, checkedAt, null, null, null, null, null, null, null, null, false, null, null, null,
                null, null);
    }

    /** How a run compares with a prediction's target. */
    public record TargetMatch(boolean matches, String description) {}

    /**
     * Compares the run with the prediction's target: the same kind; N (N_active for MoE), D within
     * {@link #MATCH_TOLERANCE} relative. C follows from N and D under whatever count the run's labels use, and a
     * prediction's C may be counted another way (6·N·D, or the fitted runs' measured count, a power law in N that fits a
     * ladder's labels to a few percent): C off the run's planned FLOPs, its budget and 6·N·D of the run by more than
     * the tolerance is said in the description, not a mismatch.
     */
    public static TargetMatch match(Prediction p, RunRecord run) {
        List<String> bad = new ArrayList<>();
        if (!p.kind().equals(run.architecture())) {
            bad.add("kind " + run.architecture() + " ≠ " + p.kind());
        }
        String n = "moe".equals(p.kind()) ? "N_active" : "N";
        if (rel(run.params(), p.params()) > MATCH_TOLERANCE) {
            bad.add(String.format(Locale.ROOT, "%s %.4g vs %.4g (%.1f%% off)", n, run.params(), p.params(), 100 * rel(run.params(), p.params())));
        }
        if (rel(run.tokens(), p.tokens()) > MATCH_TOLERANCE) {
            bad.add(String.format(Locale.ROOT, "D %.4g vs %.4g (%.1f%% off)", run.tokens(), p.tokens(), 100 * rel(run.tokens(), p.tokens())));
        }
        double cOff = Math.min(Math.min(rel(run.plannedFlops(), p.compute()), rel(run.budgetFlops(), p.compute())),
                rel(6 * run.params() * run.tokens(), p.compute()));
        String countedOtherwise = cOff <= MATCH_TOLERANCE ? "" : String.format(Locale.ROOT, "; the prediction counts C as "
                + "%.4g, %.1f%% off the run's %.4g (budget %.4g): FLOPs counted another way", p.compute(), 100 * cOff,
                run.plannedFlops(), run.budgetFlops());
        String tol = String.format(Locale.ROOT, "within %.0f%%", 100 * MATCH_TOLERANCE);
        if (bad.isEmpty()) {
            return new TargetMatch(true, String.format(Locale.ROOT, "run %d matches the target: kind %s, %s %.4g, D %.4g, C %.4g (%s)%s",
                    run.id(), run.architecture(), n, run.params(), run.tokens(), run.plannedFlops(), tol, countedOtherwise));
        }
        return new TargetMatch(false, "run " + run.id() + " does not match the target (" + tol + "): " + String.join("; ", bad));
    }

    private static double rel(double actual, double target) {
        return Math.abs(actual - target) / Math.abs(target);
    }

    /** Whether {@code actual} lies within {@link #MATCH_TOLERANCE} (relative) of {@code target}: the check's match rule. */
    public static boolean withinTolerance(double actual, double target) {
        return rel(actual, target) <= MATCH_TOLERANCE;
    }

    /**
     * A draft check of {@code p} (not yet filed: id, seq, hashes and signature null). {@code run} is null for a loss
     * given by hand; {@code match} says how the run matched; {@code mismatchAllowed} records an override.
     */
    public static PredictionCheck draft(Prediction p, RunRecord run, double actualLoss, String match, boolean mismatchAllowed,
                                        String author) {
        if (!Double.isFinite(actualLoss) || actualLoss <= 0) {
            throw new IllegalArgumentException("actual loss must be a finite positive number, got " + actualLoss);
        }
        double abs = Math.abs(actualLoss - p.predictedLoss());
        Boolean inside = p.hasInterval() ? actualLoss >= p.intervalLow() && actualLoss <= p.intervalHigh() : null;
        Verdict v = inside == null ? Verdict.NO_INTERVAL : inside ? Verdict.WITHIN_INTERVAL : Verdict.OUTSIDE_INTERVAL;
        Instant started = run == null ? null : run.startedAt();
        Boolean after = started == null ? null : started.isAfter(p.createdAt());
        return new PredictionCheck(null, p.id(), run == null ? null : run.id(), actualLoss, p.predictedLoss(), abs,
                abs / actualLoss, inside, v, null, null, FORMAT, p.entryHash(), run == null ? null : run.specHash(), started,
                run == null ? null : run.finishedAt(), after, oneLine(match), mismatchAllowed, author, null, null, null, null);
    }

    /** This draft as the signed entry {@code newId} at chain position {@code newSeq}, filed at {@code now}. */
    PredictionCheck asEntry(long newSeq, long newId, String prevHash, Instant now, LedgerKeys.Signer signer) {
        PredictionCheck unsigned = new PredictionCheck(newId, predictionId, runId, actualLoss, predictedLoss, absoluteError,
                relativeError, insideInterval, verdict, now, newSeq, FORMAT, predictionHash, runSpecHash, runStartedAt,
                runFinishedAt, startedAfterFiling, targetMatch, mismatchAllowed, author, prevHash, null, signer.publicKey(), null);
        String content = unsigned.canonicalContent();
        return new PredictionCheck(newId, predictionId, runId, actualLoss, predictedLoss, absoluteError, relativeError,
                insideInterval, verdict, unsigned.checkedAt(), newSeq, FORMAT, predictionHash, runSpecHash, runStartedAt,
                runFinishedAt, startedAfterFiling, targetMatch, mismatchAllowed, author, prevHash, Prediction.sha256(content),
                signer.publicKey(), signer.sign(content));
    }

    /**
     * The error of the prediction, the project's one sign convention: (predicted − actual) / actual, positive when the
     * forecast was too high (pessimistic), negative when it was too low. A fraction; {@link #errorOfPredictionPct()} in
     * percent. Computed from the two stored losses, so every output of one check prints the same number.
     */
    public double errorOfPrediction() {
        return (predictedLoss - actualLoss) / actualLoss;
    }

    /** {@link #errorOfPrediction()} in percent: 100·(predicted − actual)/actual. */
    public double errorOfPredictionPct() {
        return 100 * errorOfPrediction();
    }

    /** Whether this check is an entry of the hash chain (false for checks stored before checks were chained). */
    public boolean chained() {
        return format != null;
    }

    /** True only when the run is known to have started after the prediction was filed. */
    public boolean preregistered() {
        return Boolean.TRUE.equals(startedAfterFiling);
    }

    /** The fields the entry hash covers, in order, as text (doubles by {@link Double#toString}, absent as "null"). */
    public Map<String, String> canonicalFields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("seq", String.valueOf(seq));
        f.put("id", String.valueOf(id));
        f.put("prediction_id", Long.toString(predictionId));
        f.put("prediction_hash", String.valueOf(predictionHash));
        f.put("run_id", String.valueOf(runId));
        f.put("run_spec_hash", String.valueOf(runSpecHash));
        f.put("run_started_at", String.valueOf(runStartedAt));
        f.put("run_finished_at", String.valueOf(runFinishedAt));
        f.put("started_after_filing", String.valueOf(startedAfterFiling));
        f.put("actual_loss", Double.toString(actualLoss));
        f.put("predicted_loss", Double.toString(predictedLoss));
        f.put("absolute_error", Double.toString(absoluteError));
        f.put("relative_error", Double.toString(relativeError));
        f.put("inside_interval", String.valueOf(insideInterval));
        f.put("verdict", verdict.name());
        f.put("target_match", String.valueOf(targetMatch));
        f.put("mismatch_allowed", Boolean.toString(mismatchAllowed));
        f.put("author", String.valueOf(author));
        f.put("created_at", String.valueOf(checkedAt));
        f.put("public_key", String.valueOf(publicKey));
        f.put("previous_hash", String.valueOf(previousHash));
        return f;
    }

    @Override
    public String canonicalContent() {
        return Prediction.canonicalContent(FORMAT, canonicalFields());
    }

    @Override
    public Instant filedAt() {
        return checkedAt;
    }

    @Override
    public String kindOfEntry() {
        return "check";
    }

    @Override
    public String label() {
        return "entry " + seq + " (check " + id + " of prediction " + predictionId + ")";
    }

    private static String oneLine(String s) {
        return s == null ? "null" : s.strip().replaceAll("\\p{Cntrl}+", " ");
    }
}
