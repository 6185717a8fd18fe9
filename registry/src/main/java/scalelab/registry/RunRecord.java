package scalelab.registry;

import java.time.Instant;

/**
 * One training run as stored in the registry.
 *
 * @param id                  database id, null before the run is stored
 * @param ladder              ladder name, or null for a run outside any ladder
 * @param name                human-readable run name (predictions target runs by this name), or null
 * @param specHash            content hash of the run spec: the run's identity (upserts are keyed by it)
 * @param specJson            the full run spec as JSON
 * @param architecture        "dense" or "moe"
 * @param params              N: non-embedding parameters, or active parameters per token for MoE
 * @param totalParams         all parameters (equals params for dense runs)
 * @param tokens              D: training tokens
 * @param budgetFlops         the IsoFLOP budget this run belongs to (its group label)
 * @param plannedFlops        compute the spec plans by the project's counting convention
 * @param countedFlops        compute counted while training, null until known
 * @param hyperparametersJson hyperparameters as JSON, or null
 * @param status              PLANNED, RUNNING, FINISHED or FAILED
 * @param statusMessage       why a run failed (or other status detail), or null
 * @param finalLoss           final held-out loss, null unless finished
 * @param bestLoss            best held-out loss seen, null unless known
 * @param wallSeconds         training wall time, null unless known
 * @param codeVersion         git commit (or "unknown") of the code that planned or trained the run
 * @param startedAt           UTC time the registry was first told the run started training, null when unknown
 *                            (imported runs, runs recorded only once finished): a check compares it with the
 *                            prediction's filing time
 * @param finishedAt          UTC time the run finished (its result.json's time when recorded from a run directory),
 *                            null when unknown
 * @param moe                 an MoE run's expert configuration (experts, top-k, granularity, balancing); null for a dense
 *                            run, and for an MoE run whose configuration was never recorded (imported without the
 *                            columns): such a run cannot be forecast by the MoE laws
 */
public record RunRecord(Long id, String ladder, String name, String specHash, String specJson, String architecture,
                        double params, double totalParams, double tokens, double budgetFlops, double plannedFlops,
                        Double countedFlops, String hyperparametersJson, RunStatus status, String statusMessage,
                        Double finalLoss, Double bestLoss, Double wallSeconds, String codeVersion, Instant createdAt,
                        Instant updatedAt, Instant startedAt, Instant finishedAt, MoeConfig moe) {

    /** A run record without an expert configuration (a dense run, or an MoE run whose configuration is unknown). */
    public RunRecord(Long id, String ladder, String name, String specHash, String specJson, String architecture,
                     double params, double totalParams, double tokens, double budgetFlops, double plannedFlops,
                     Double countedFlops, String hyperparametersJson, RunStatus status, String statusMessage,
                     Double finalLoss, Double bestLoss, Double wallSeconds, String codeVersion, Instant createdAt,
                     Instant updatedAt, Instant startedAt, Instant finishedAt) {
        this(id, ladder, name, specHash, specJson, architecture, params, totalParams, tokens, budgetFlops, plannedFlops,
                countedFlops, hyperparametersJson, status, statusMessage, finalLoss, bestLoss, wallSeconds, codeVersion,
                createdAt, updatedAt, startedAt, finishedAt, null);
    }

    /** A run record without start and finish times (what the registry stored before it kept them). */
    public RunRecord(Long id, String ladder, String name, String specHash, String specJson, String architecture,
                     double params, double totalParams, double tokens, double budgetFlops, double plannedFlops,
                     Double countedFlops, String hyperparametersJson, RunStatus status, String statusMessage,
                     Double finalLoss, Double bestLoss, Double wallSeconds, String codeVersion, Instant createdAt,
                     Instant updatedAt) {
        this(id, ladder, name, specHash, specJson, architecture, params, totalParams, tokens, budgetFlops, plannedFlops,
                countedFlops, hyperparametersJson, status, statusMessage, finalLoss, bestLoss, wallSeconds, codeVersion,
                createdAt, updatedAt, null, null);
    }

    public RunRecord {
        if (specHash == null || specHash.isBlank()) {
            throw new IllegalArgumentException("a run needs a spec hash (its identity in the registry)");
        }
        if (!"dense".equals(architecture) && !"moe".equals(architecture)) {
            throw new IllegalArgumentException("architecture must be \"dense\" or \"moe\", got " + architecture);
        }
        requirePositive("params", params);
        requirePositive("totalParams", totalParams);
        requirePositive("tokens", tokens);
        requirePositive("budgetFlops", budgetFlops);
        requirePositive("plannedFlops", plannedFlops);
        if (totalParams < params) {
            throw new IllegalArgumentException("totalParams " + totalParams + " is below params " + params);
        }
        if (moe != null && !"moe".equals(architecture)) {
            throw new IllegalArgumentException("a dense run has no expert configuration, got " + moe);
        }
        if (status == null) {
            throw new IllegalArgumentException("a run needs a status");
        }
        if (countedFlops != null) {
            requirePositive("countedFlops", countedFlops);
        }
        if (finalLoss != null) {
            requirePositive("finalLoss", finalLoss);
        }
        if (bestLoss != null) {
            requirePositive("bestLoss", bestLoss);
        }
        if (wallSeconds != null && (!Double.isFinite(wallSeconds) || wallSeconds < 0)) {
            throw new IllegalArgumentException("wallSeconds must be finite and non-negative, got " + wallSeconds);
        }
        if (status == RunStatus.FINISHED && finalLoss == null) {
            throw new IllegalArgumentException("a FINISHED run needs a final loss");
        }
    }

    /** This run with its expert configuration (an MoE run's; null: none recorded). */
    public RunRecord withMoe(MoeConfig config) {
        return new RunRecord(id, ladder, name, specHash, specJson, architecture, params, totalParams, tokens, budgetFlops,
                plannedFlops, countedFlops, hyperparametersJson, status, statusMessage, finalLoss, bestLoss, wallSeconds,
                codeVersion, createdAt, updatedAt, startedAt, finishedAt, config);
    }

    /** A run about to be trained: status PLANNED, no results yet; id and timestamps are filled in by the registry. */
    public static RunRecord planned(String ladder, String name, String specHash, String specJson, String architecture,
                                    double params, double totalParams, double tokens, double budgetFlops,
                                    double plannedFlops, String hyperparametersJson, String codeVersion) {
        return new RunRecord(null, ladder, name, specHash, specJson, architecture, params, totalParams, tokens,
                budgetFlops, plannedFlops, null, hyperparametersJson, RunStatus.PLANNED, null, null, null, null,
                codeVersion, null, null);
    }

    private static void requirePositive(String field, double v) {
        if (!Double.isFinite(v) || v <= 0) {
            throw new IllegalArgumentException(field + " must be a finite positive number, got " + v);
        }
    }
}
