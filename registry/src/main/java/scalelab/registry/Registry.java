package scalelab.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import scalelab.fitting.Observation;
import scalelab.registry.io.RunTable;

/**
 * The scalelab database: one embedded DuckDB file holding ladders, runs, loss curves, fits, the append-only
 * prediction ledger and its checks. Every module stores and reads through this class, a facade over parts a reader
 * can take one at a time, all on one connection and one migration history ({@link Database}): {@link RunStore}
 * (ladders and runs), {@link CurveStore} (loss curves, expert shares), {@link FitStore} (observations and fits),
 * {@link Ledger} (predictions and checks: the ledger's rules), {@link Checks} (which run checks which prediction) and
 * {@link RunTransfer} (import and export).
 *
 * <p>DuckDB lets one process hold a database file for writing, or any number of processes read it
 * ({@link Access#READ_ONLY}); a process that finds it locked retries for the wait it was opened with, then gets an
 * {@link IllegalStateException} naming the PID that holds it. Within a process, methods are synchronized (one JDBC
 * connection).
 */
public final class Registry implements AutoCloseable {
    /** Environment variable naming the database file when no {@code --db} is given. */
    public static final String DB_ENV = "SCALELAB_DB";
    public static final String DEFAULT_FILE = "scalelab.duckdb";

    /** The migration that made the ledger one signed chain of predictions and checks. */
    private static final int SIGNED_LEDGER_VERSION = 3;

    private final Database db;
    private final RunStore runs;
    private final CurveStore curves;
    private final FitStore fits;
    private final Ledger ledger;
    private final Checks checks;
    private final RunTransfer transfer;

    private Registry(Database db, LedgerKeys keys) {
        this.db = db;
        this.runs = new RunStore(db);
        this.curves = new CurveStore(db, runs);
        this.fits = new FitStore(db);
        this.ledger = new Ledger(db, keys);
        this.checks = new Checks(runs, ledger);
        this.transfer = new RunTransfer(db, runs);
    }

    // ---------------------------------------------------------------- opening

    /** --db option if given, else $SCALELAB_DB, else ./scalelab.duckdb. */
    public static Path resolvePath(String dbOption) {
        return resolvePath(dbOption, System.getenv());
    }

    static Path resolvePath(String dbOption, Map<String, String> env) {
        if (dbOption != null && !dbOption.isBlank()) {
            return Path.of(dbOption);
        }
        String fromEnv = env.get(DB_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return Path.of(DEFAULT_FILE);
    }

    /** How a command uses the database: readers open it read-only, so they share it and work on read-only media. */
    public enum Access { READ_WRITE, READ_ONLY }

    /** How long a command waits for another process's lock on the database before giving up (retrying with backoff). */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(60);

    /** How long recording a trained run's result waits for the lock: hours of training must not fail on a busy database. */
    public static final Duration RESULT_LOCK_WAIT = Duration.ofMinutes(10);

    /**
     * Opens (creating if needed) the database file for writing and brings its schema up to date; ledger keys and head
     * records in {@link LedgerKeys#defaults()}. Fails at once if another process holds the file.
     */
    public static Registry open(Path db) {
        return open(db, LedgerKeys.defaults(), Access.READ_WRITE, Duration.ZERO);
    }

    /** {@link #open(Path)} with the ledger's keys and head records in {@code keys}. */
    public static Registry open(Path db, LedgerKeys keys) {
        return open(db, keys, Access.READ_WRITE, Duration.ZERO);
    }

    /**
     * Opens the database with {@code access}, retrying with backoff for up to {@code lockWait} while another process
     * holds a conflicting lock (DuckDB locks the file across processes: one writer, or any number of readers).
     * READ_ONLY needs an existing database and never writes to it; an out-of-date schema is first upgraded by a brief
     * read-write open (refused, with a clear message, on read-only media).
     */
    public static Registry open(Path db, Access access, Duration lockWait) {
        return open(db, LedgerKeys.defaults(), access, lockWait, message -> { });
    }

    /** {@link #open(Path, Access, Duration)} telling {@code onWait} once if it has to wait for another process. */
    public static Registry open(Path db, Access access, Duration lockWait, Consumer<String> onWait) {
        return open(db, LedgerKeys.defaults(), access, lockWait, onWait);
    }

    /** {@link #open(Path, Access, Duration)} with the ledger's keys and head records in {@code keys}. */
    public static Registry open(Path db, LedgerKeys keys, Access access, Duration lockWait) {
        return open(db, keys, access, lockWait, message -> { });
    }

    private static Registry open(Path db, LedgerKeys keys, Access access, Duration lockWait, Consumer<String> onWait) {
        Path abs = db.toAbsolutePath().normalize();
        boolean exists = DatabaseFile.check(abs, access);
        if (access == Access.READ_ONLY) {
            Registry r = new Registry(Database.connect(abs, access, lockWait, onWait), keys);
            int version;
            try {
                version = r.schemaVersion();
            } catch (RuntimeException e) {
                r.close();
                throw new IllegalStateException("database " + abs + " is a DuckDB file but not a scalelab registry (no schema_version table)", e);
            }
            if (version == Migrations.latestVersion()) {
                return r;
            }
            r.close();
            if (version > Migrations.latestVersion()) {
                throw new IllegalStateException("database " + abs + " has schema version " + version
                        + ", newer than this scalelab understands (" + Migrations.latestVersion() + "): update scalelab");
            }
            try {
                open(abs, keys, Access.READ_WRITE, lockWait, onWait).close();
            } catch (IllegalStateException e) {
                throw new IllegalStateException("database " + abs + " has schema version " + version + " and must be upgraded to "
                        + Migrations.latestVersion() + " before it can be read, which needs write access: " + e.getMessage(), e);
            }
            return new Registry(Database.connect(abs, access, lockWait, onWait), keys);
        }
        if (!exists) {
            try {
                if (abs.getParent() != null) {
                    Files.createDirectories(abs.getParent());
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot create the directory of database " + abs + ": " + e.getMessage(), e);
            }
        }
        Registry r = new Registry(Database.connect(abs, access, lockWait, onWait), keys);
        try {
            if (r.db.migrate().contains(SIGNED_LEDGER_VERSION)) {
                // Entries filed before signing are protected by the chain alone: remember the head this machine saw,
                // so that unsigned entries appended or removed later behind scalelab's back are caught here.
                r.ledger.recordHeadOfUpgradedLedger();
            }
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    public Path file() {
        return db.file();
    }

    /** True if writing {@code p} would write over this database: its file or its write-ahead log, by any name. */
    public boolean isOwnFile(Path p) {
        return db.isOwnFile(p);
    }

    /** The schema version this database is at. */
    public synchronized int schemaVersion() {
        return db.schemaVersion();
    }

    @Override
    public synchronized void close() {
        db.close();
    }

    // ---------------------------------------------------------------- ladders and runs (RunStore)

    /** Creates or updates a ladder's spec; returns its id. */
    public synchronized long upsertLadder(String name, String specYaml) {
        return runs.upsertLadder(name, specYaml);
    }

    /** The ladder's spec YAML; empty if there is no such ladder (a ladder created by an import has a null spec). */
    public synchronized Optional<String> ladderSpec(String name) {
        return runs.ladderSpec(name);
    }

    public synchronized List<String> ladders() {
        return runs.ladders();
    }

    /** Every ladder name the registry knows: ladders with a spec or an import, and ladders its runs are filed under. */
    public synchronized List<String> ladderNames() {
        return runs.ladderNames();
    }

    /**
     * Stores a run keyed by its spec hash and returns its id. Idempotent: if a run with this spec hash exists, it is
     * left as it is (status and results included) and its id returned.
     */
    public synchronized long upsertRun(RunRecord run) {
        return runs.upsertRuns(List.of(run)).get(0);
    }

    /** {@link #upsertRun} for many runs in one transaction (all or none); ids in the same order. */
    public synchronized List<Long> upsertRuns(List<RunRecord> records) {
        return runs.upsertRuns(records);
    }

    public synchronized Optional<RunRecord> runBySpecHash(String specHash) {
        return runs.runBySpecHash(specHash);
    }

    public synchronized Optional<RunRecord> run(long id) {
        return runs.run(id);
    }

    /** Runs with this name, newest first (names are not unique: a ladder may be planned again). */
    public synchronized List<RunRecord> runsNamed(String name) {
        return runs.runsNamed(name);
    }

    /** All runs of a ladder (all runs when null), by id. */
    public synchronized List<RunRecord> runs(String ladderOrNull) {
        return runs.runs(ladderOrNull);
    }

    /**
     * Marks the run as training. The first time records its start (UTC, now): a retry or resume keeps the first start,
     * so a run begun before a prediction was filed never counts as preregistered.
     */
    public synchronized void markRunning(long id) {
        runs.markRunning(id);
    }

    /** {@link #finishRun(long, double, double, double, double, java.time.Instant)} finishing now. */
    public synchronized void finishRun(long id, double finalLoss, double bestLoss, double countedFlops, double wallSeconds) {
        runs.finishRun(id, finalLoss, bestLoss, countedFlops, wallSeconds, java.time.Instant.now());
    }

    /** Records the run's results and when it finished ({@code finishedAt}, UTC). */
    public synchronized void finishRun(long id, double finalLoss, double bestLoss, double countedFlops, double wallSeconds,
                                       java.time.Instant finishedAt) {
        runs.finishRun(id, finalLoss, bestLoss, countedFlops, wallSeconds, finishedAt);
    }

    public synchronized void failRun(long id, String message) {
        runs.failRun(id, message);
    }

    // ---------------------------------------------------------------- loss curves and expert shares (CurveStore)

    /** Appends points to a run's loss curve in bulk (DuckDB appender, one transaction). */
    public synchronized void appendCurve(long runId, List<CurvePoint> points) {
        curves.appendCurve(runId, points);
    }

    /** A run's loss curve ordered by step (eval loss NaN where not evaluated). */
    public synchronized List<CurvePoint> curve(long runId) {
        return curves.curve(runId);
    }

    /** Appends an MoE run's expert shares in bulk (one transaction). */
    public synchronized void appendExpertShares(long runId, List<ExpertShare> shares) {
        curves.appendExpertShares(runId, shares);
    }

    /** A run's expert shares ordered by step, layer, expert (empty for dense runs and runs recorded without them). */
    public synchronized List<ExpertShare> expertShares(long runId) {
        return curves.expertShares(runId);
    }

    // ---------------------------------------------------------------- observations and fits (FitStore)

    /** Finished runs of a ladder (all ladders when null) as fitter observations, grouped by budget label. */
    public synchronized List<Observation> observations(String ladderOrNull) {
        return fits.observationSet(ladderOrNull, null).observations();
    }

    /** {@link #observations} with the run ids and the input content hash a saved fit should record. */
    public synchronized ObservationSet observationSet(String ladderOrNull) {
        return fits.observationSet(ladderOrNull, null);
    }

    /**
     * {@link #observationSet(String)} restricted to one architecture ("dense" or "moe"; null: both). A dense law fitted
     * on a dense + MoE ladder must see only the dense runs: MoE runs at the same active N and D reach other losses.
     */
    public synchronized ObservationSet observationSet(String ladderOrNull, String architectureOrNull) {
        return fits.observationSet(ladderOrNull, architectureOrNull);
    }

    /** A budget's group label: 4 significant digits, e.g. 1e18, 3e20, 6.25e19. */
    public static String budgetLabel(double flops) {
        return FitStore.budgetLabel(flops);
    }

    public synchronized long saveFit(FitRecord fit) {
        return fits.saveFit(fit);
    }

    public synchronized Optional<FitRecord> fit(long id) {
        return fits.fit(id);
    }

    /** The most recently saved fit (of a ladder, or of any when null). */
    public synchronized Optional<FitRecord> latestFit(String ladderOrNull) {
        return fits.latestFit(ladderOrNull);
    }

    /** All fits (of a ladder, or all when null), oldest first. */
    public synchronized List<FitRecord> fits(String ladderOrNull) {
        return fits.fits(ladderOrNull);
    }

    /**
     * What a fit's data cover: its runs this registry holds, and their largest budget; null when it records none
     * (then no target can be shown to lie beyond its data).
     */
    public synchronized Predictions.DataRange dataRange(FitRecord fit) {
        return fits.dataRange(fit);
    }

    // ---------------------------------------------------------------- prediction ledger (Ledger)

    /** Where this registry's signing keys and head records live (outside the database). */
    public LedgerKeys keys() {
        return ledger.keys();
    }

    /**
     * Appends a prediction to the ledger: assigns the next id and chain position, links it to the previous entry's
     * hash, hashes it and signs it with the author's key (kept outside the database; created on first filing). The
     * draft must not carry an id (a filed entry cannot be filed again); {@code supersedes}, when set, must name an
     * existing entry, which stays in the ledger unchanged. Refused, with nothing written, when the ledger does not
     * verify or the draft's filing time is before the last entry's.
     */
    public synchronized Prediction filePrediction(Prediction draft) {
        return ledger.filePrediction(draft);
    }

    /**
     * What {@link #filePrediction} would file now (for {@code predict --dry-run}): nothing is written and no key is
     * created; the hash and signature are left out (they are computed when filed, over these fields).
     */
    public synchronized Prediction previewPrediction(Prediction draft) {
        return ledger.preview(draft);
    }

    /** Always refused: a filed prediction is never edited. File a new one that supersedes it. */
    public Prediction updatePrediction(Prediction changed) {
        return ledger.update(changed);
    }

    /** Always refused: a filed prediction is never deleted. */
    public void deletePrediction(long id) {
        ledger.delete(id);
    }

    /**
     * The entry as stored. Throws if the row no longer forms a valid prediction (altered by SQL):
     * {@link #verifyLedger()} says which entry and why.
     */
    public synchronized Optional<Prediction> prediction(long id) {
        return ledger.prediction(id);
    }

    /** The predictions in order. Throws on a row altered into an invalid prediction (see {@link #verifyLedger()}). */
    public synchronized List<Prediction> predictions() {
        return ledger.predictions("");
    }

    /** Every chained entry (predictions and checks) in chain order, as the export publishes them. */
    public synchronized List<LedgerEntry> ledgerEntries() {
        return ledger.entries();
    }

    /** Ids of the predictions that supersede {@code id} (empty if it is current). */
    public synchronized List<Long> supersededBy(long id) {
        return ledger.supersededBy(id);
    }

    /**
     * Verifies the ledger from its first entry: chain links and hashes, every signature, filing times never going
     * backwards, and the last head this machine recorded for this database; reports the first entry that fails, and
     * the signing keys this machine does not vouch for.
     */
    public synchronized LedgerVerification verifyLedger() {
        return ledger.verify(Map.of());
    }

    /** {@link #verifyLedger()} also trusting {@code publicKeys} (Base64 key → author), e.g. those of a public copy. */
    public synchronized LedgerVerification verifyLedger(Map<String, String> publicKeys) {
        return ledger.verify(publicKeys);
    }

    // ---------------------------------------------------------------- checks (Checks)

    /** {@link #checkAgainstRun(long, long, boolean)} refusing a run that does not match the target. */
    public synchronized PredictionCheck checkAgainstRun(long predictionId, long runId) {
        return checks.checkAgainstRun(predictionId, runId, false);
    }

    /**
     * Checks prediction {@code predictionId} against finished run {@code runId} and files the check in the ledger
     * (a new entry: an earlier check of the same prediction stays). The run must match the target (see
     * {@link PredictionCheck#match}) unless {@code allowMismatch}, which the entry records.
     */
    public synchronized PredictionCheck checkAgainstRun(long predictionId, long runId, boolean allowMismatch) {
        return checks.checkAgainstRun(predictionId, runId, allowMismatch);
    }

    /** Checks a prediction against a loss measured elsewhere (a run trained outside this registry). */
    public synchronized PredictionCheck checkAgainstLoss(long predictionId, double actualLoss) {
        return checks.checkAgainstLoss(predictionId, actualLoss);
    }

    /**
     * Checks every prediction whose target run (a run named like the target, or with the target as spec hash) has
     * finished, matches the target, and was not yet checked against that prediction. Returns the new checks.
     */
    public synchronized List<PredictionCheck> checkAll() {
        return checks.checkAll();
    }

    /** The runs a prediction's target names: runs of that name, and the run with it as spec hash. */
    public synchronized List<RunRecord> targetRuns(Prediction p) {
        return checks.targetRuns(p);
    }

    /** Checks of one prediction, oldest first: the whole history (chained checks, and any stored before chaining). */
    public synchronized List<PredictionCheck> checks(long predictionId) {
        return ledger.checks("WHERE prediction_id = " + predictionId);
    }

    public synchronized List<PredictionCheck> checks() {
        return ledger.checks("");
    }

    // ---------------------------------------------------------------- import / export (RunTransfer)

    /**
     * What an import did.
     *
     * @param alreadyImported true when a file with the same content was imported before (then nothing was added)
     * @param runsAdded       new runs stored
     * @param runsPresent     rows that matched a run already in the registry (same identity), left unchanged
     */
    public record ImportResult(Long importId, Path source, String contentSha256, String ladder, int rowsRead, int runsAdded,
                               int runsPresent, boolean alreadyImported) {}

    /**
     * Imports finished runs trained elsewhere, in one transaction: either every row is stored or none. A file whose
     * content (SHA-256) was imported before adds nothing. Optional columns besides those of {@code fit}:
     * {@code architecture} (dense|moe), {@code hyperparameters} (a JSON object), {@code total_params}, and an MoE row's
     * {@code experts}, {@code top_k}, {@code granularity}, {@code balance} ({@link scalelab.registry.io.MoeColumns}),
     * stored as the run's {@link MoeConfig}.
     *
     * @param ladder the ladder to file the runs under (created if missing)
     */
    public ImportResult importRuns(RunTable table, String ladder) {
        return importRuns(table, ladder, row -> { });
    }

    /** {@link #importRuns(RunTable, String)} calling {@code afterEachRow} with the row index after storing it (tests crash there). */
    synchronized ImportResult importRuns(RunTable table, String ladder, IntConsumer afterEachRow) {
        return transfer.importRuns(table, ladder, afterEachRow);
    }

    /** Writes all runs (of a ladder, or all when null) to a file with DuckDB COPY; format "csv" or "parquet". */
    public synchronized void copyRunsTo(Path out, String format, String ladderOrNull) {
        transfer.copyRunsTo(out, format, ladderOrNull);
    }

    /**
     * Columns of a run export, named so that a CSV export can be imported again: params, tokens, loss, budget, name,
     * architecture, hyperparameters (the rest are kept as extra columns).
     */
    public static final String EXPORT_COLUMNS = RunTransfer.EXPORT_COLUMNS;
}
