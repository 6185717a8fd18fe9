package scalelab.registry;

import java.util.List;

/**
 * The schema, as numbered migrations. A database records the versions applied in {@code schema_version}; opening it
 * applies the missing ones in order, each in its own transaction. Never edit a released migration: add a new one.
 */
final class Migrations {
    private Migrations() {}

    record Migration(int version, String description, List<String> statements) {}

    static final List<Migration> ALL = List.of(
            new Migration(1, "ladders, runs, loss curves, fits, prediction ledger, checks, imports", List.of(
                    "CREATE SEQUENCE ladders_id_seq START 1",
                    """
                    CREATE TABLE ladders (
                      id BIGINT PRIMARY KEY DEFAULT nextval('ladders_id_seq'),
                      name VARCHAR NOT NULL UNIQUE,
                      spec_yaml VARCHAR,
                      created_at TIMESTAMP NOT NULL,
                      updated_at TIMESTAMP NOT NULL)""",
                    "CREATE SEQUENCE runs_id_seq START 1",
                    """
                    CREATE TABLE runs (
                      id BIGINT PRIMARY KEY DEFAULT nextval('runs_id_seq'),
                      ladder VARCHAR,
                      name VARCHAR,
                      spec_hash VARCHAR NOT NULL UNIQUE,
                      spec_json VARCHAR,
                      architecture VARCHAR NOT NULL CHECK (architecture IN ('dense', 'moe')),
                      params DOUBLE NOT NULL,
                      total_params DOUBLE NOT NULL,
                      tokens DOUBLE NOT NULL,
                      budget_flops DOUBLE NOT NULL,
                      planned_flops DOUBLE NOT NULL,
                      counted_flops DOUBLE,
                      hyperparameters_json VARCHAR,
                      status VARCHAR NOT NULL CHECK (status IN ('PLANNED', 'RUNNING', 'FINISHED', 'FAILED')),
                      status_message VARCHAR,
                      final_loss DOUBLE,
                      best_loss DOUBLE,
                      wall_seconds DOUBLE,
                      code_version VARCHAR,
                      created_at TIMESTAMP NOT NULL,
                      updated_at TIMESTAMP NOT NULL)""",
                    // No index: bulk appends stay fast; reads filter by run_id and sort by step.
                    """
                    CREATE TABLE loss_curves (
                      run_id BIGINT NOT NULL,
                      step BIGINT NOT NULL,
                      tokens BIGINT NOT NULL,
                      train_loss DOUBLE NOT NULL,
                      eval_loss DOUBLE)""",
                    "CREATE SEQUENCE fits_id_seq START 1",
                    """
                    CREATE TABLE fits (
                      id BIGINT PRIMARY KEY DEFAULT nextval('fits_id_seq'),
                      method VARCHAR NOT NULL,
                      objective VARCHAR,
                      status VARCHAR NOT NULL,
                      e DOUBLE, a DOUBLE, b DOUBLE, alpha DOUBLE, beta DOUBLE,
                      objective_value DOUBLE,
                      input_hash VARCHAR NOT NULL,
                      run_ids VARCHAR NOT NULL,
                      ladder VARCHAR,
                      result_json VARCHAR,
                      created_at TIMESTAMP NOT NULL)""",
                    """
                    CREATE TABLE fit_bootstrap (
                      fit_id BIGINT NOT NULL,
                      sample INTEGER NOT NULL,
                      e DOUBLE NOT NULL, a DOUBLE NOT NULL, b DOUBLE NOT NULL, alpha DOUBLE NOT NULL, beta DOUBLE NOT NULL)""",
                    // Ids are assigned as max+1 inside the filing transaction (no sequence): the ledger has no gaps.
                    // created_at is the exact ISO-8601 text that was hashed.
                    """
                    CREATE TABLE predictions (
                      id BIGINT PRIMARY KEY,
                      target_name VARCHAR NOT NULL,
                      kind VARCHAR NOT NULL,
                      params DOUBLE NOT NULL,
                      tokens DOUBLE NOT NULL,
                      compute DOUBLE NOT NULL,
                      predicted_loss DOUBLE NOT NULL,
                      interval_low DOUBLE,
                      interval_high DOUBLE,
                      interval_level DOUBLE,
                      interval_note VARCHAR NOT NULL,
                      method VARCHAR NOT NULL,
                      fit_id BIGINT NOT NULL,
                      input_hash VARCHAR NOT NULL,
                      code_version VARCHAR NOT NULL,
                      author VARCHAR NOT NULL,
                      created_at VARCHAR NOT NULL,
                      supersedes BIGINT,
                      previous_hash VARCHAR NOT NULL,
                      entry_hash VARCHAR NOT NULL)""",
                    "CREATE SEQUENCE checks_id_seq START 1",
                    """
                    CREATE TABLE checks (
                      id BIGINT PRIMARY KEY DEFAULT nextval('checks_id_seq'),
                      prediction_id BIGINT NOT NULL,
                      run_id BIGINT,
                      actual_loss DOUBLE NOT NULL,
                      predicted_loss DOUBLE NOT NULL,
                      absolute_error DOUBLE NOT NULL,
                      relative_error DOUBLE NOT NULL,
                      inside_interval BOOLEAN,
                      verdict VARCHAR NOT NULL,
                      checked_at TIMESTAMP NOT NULL)""",
                    "CREATE SEQUENCE imports_id_seq START 1",
                    """
                    CREATE TABLE imports (
                      id BIGINT PRIMARY KEY DEFAULT nextval('imports_id_seq'),
                      content_sha256 VARCHAR NOT NULL UNIQUE,
                      source VARCHAR NOT NULL,
                      ladder VARCHAR,
                      rows_read INTEGER NOT NULL,
                      runs_added INTEGER NOT NULL,
                      imported_at TIMESTAMP NOT NULL)""")),
            // Expert utilisation lives in each MoE run's expert-shares.csv, which the registry's readers (the report)
            // cannot reach: the registry keeps its own copy.
            new Migration(2, "expert shares of MoE runs", List.of(
                    """
                    CREATE TABLE expert_shares (
                      run_id BIGINT NOT NULL,
                      step BIGINT NOT NULL,
                      layer INTEGER NOT NULL,
                      expert INTEGER NOT NULL,
                      share DOUBLE NOT NULL)""")),
            // Predictions and checks become one signed chain ordered by seq. Entries filed before keep their v1
            // content (seq = id: no check was chained then) and verify as unsigned; checks stored before stay outside
            // the chain (seq NULL). created_at of a chained check is the exact ISO-8601 text that was hashed.
            new Migration(3, "signed ledger: predictions and checks in one chain; run start and finish times", List.of(
                    "ALTER TABLE predictions ADD COLUMN seq BIGINT",
                    "ALTER TABLE predictions ADD COLUMN format VARCHAR",
                    "ALTER TABLE predictions ADD COLUMN forecast VARCHAR",
                    "ALTER TABLE predictions ADD COLUMN public_key VARCHAR",
                    "ALTER TABLE predictions ADD COLUMN signature VARCHAR",
                    "UPDATE predictions SET seq = id, format = 'scalelab-prediction-v1', forecast = 'null'",
                    "ALTER TABLE checks ADD COLUMN seq BIGINT",
                    "ALTER TABLE checks ADD COLUMN format VARCHAR",
                    "ALTER TABLE checks ADD COLUMN prediction_hash VARCHAR",
                    "ALTER TABLE checks ADD COLUMN run_spec_hash VARCHAR",
                    "ALTER TABLE checks ADD COLUMN run_started_at VARCHAR",
                    "ALTER TABLE checks ADD COLUMN run_finished_at VARCHAR",
                    "ALTER TABLE checks ADD COLUMN started_after_filing BOOLEAN",
                    "ALTER TABLE checks ADD COLUMN target_match VARCHAR",
                    "ALTER TABLE checks ADD COLUMN mismatch_allowed BOOLEAN",
                    "ALTER TABLE checks ADD COLUMN author VARCHAR",
                    "ALTER TABLE checks ADD COLUMN created_at VARCHAR",
                    "ALTER TABLE checks ADD COLUMN previous_hash VARCHAR",
                    "ALTER TABLE checks ADD COLUMN entry_hash VARCHAR",
                    "ALTER TABLE checks ADD COLUMN public_key VARCHAR",
                    "ALTER TABLE checks ADD COLUMN signature VARCHAR",
                    "ALTER TABLE runs ADD COLUMN started_at TIMESTAMP",
                    "ALTER TABLE runs ADD COLUMN finished_at TIMESTAMP")),
            // The MoE laws need each run's expert configuration. Runs scalelab trained have it in their stored run spec
            // (JSON: model.experts, model.topK, model.dModel, model.dExpert, balance; granularity = 4·d / d_expert, as
            // the ladder's families count it); imported runs get it from their file's columns, from now on.
            new Migration(4, "expert configuration of MoE runs", List.of(
                    "ALTER TABLE runs ADD COLUMN experts INTEGER",
                    "ALTER TABLE runs ADD COLUMN top_k INTEGER",
                    "ALTER TABLE runs ADD COLUMN granularity DOUBLE",
                    "ALTER TABLE runs ADD COLUMN balance VARCHAR",
                    """
                    UPDATE runs SET
                      experts = TRY_CAST(json_extract_string(spec_json, '$.model.experts') AS INTEGER),
                      top_k = TRY_CAST(json_extract_string(spec_json, '$.model.topK') AS INTEGER),
                      granularity = 4.0 * TRY_CAST(json_extract_string(spec_json, '$.model.dModel') AS DOUBLE)
                                    / TRY_CAST(json_extract_string(spec_json, '$.model.dExpert') AS DOUBLE),
                      balance = json_extract_string(spec_json, '$.balance')
                    WHERE architecture = 'moe' AND json_valid(spec_json)
                      AND TRY_CAST(json_extract_string(spec_json, '$.model.experts') AS INTEGER) > 1
                      AND TRY_CAST(json_extract_string(spec_json, '$.model.topK') AS INTEGER)
                          BETWEEN 1 AND TRY_CAST(json_extract_string(spec_json, '$.model.experts') AS INTEGER)
                      AND TRY_CAST(json_extract_string(spec_json, '$.model.dExpert') AS DOUBLE) > 0
                      AND TRY_CAST(json_extract_string(spec_json, '$.model.dModel') AS DOUBLE) > 0
                      AND json_extract_string(spec_json, '$.balance') IN ('quantile', 'aux')""")));

    static int latestVersion() {
        return ALL.get(ALL.size() - 1).version();
    }
}
