package scalelab.registry;

import static scalelab.registry.Database.ts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import org.duckdb.DuckDBConnection;
import scalelab.fitting.Observation;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.MoeColumns;
import scalelab.registry.io.RunTable;

/**
 * Runs in and out of the registry: imports of runs trained elsewhere (CSV/JSONL, all or none, once per content) and
 * exports with DuckDB COPY. Through {@link Registry}.
 */
final class RunTransfer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hyperparameter cells are input: a repeated key or trailing text is refused, as in every reader. */
    private static final ObjectMapper STRICT_JSON = scalelab.registry.io.StrictInput.json();

    private final Database db;
    private final DuckDBConnection conn;
    private final RunStore runs;

    RunTransfer(Database db, RunStore runs) {
        this.db = db;
        this.conn = db.connection();
        this.runs = runs;
    }

    /** {@link Registry#importRuns(RunTable, String)}, calling {@code afterEachRow} with the row index after storing it. */
    Registry.ImportResult importRuns(RunTable table, String ladder, IntConsumer afterEachRow) {
        Database.requireName("ladder name", ladder);
        List<RunRecord> records = importRecords(table, ladder);
        return db.transaction(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT id, ladder FROM imports WHERE content_sha256 = ?")) {
                ps.setString(1, table.contentSha256());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Registry.ImportResult(rs.getLong(1), table.source(), table.contentSha256(), rs.getString(2),
                                table.rows().size(), 0, 0, true);
                    }
                }
            }
            Instant now = Instant.now();
            if (runs.ladderId(ladder).isEmpty()) {
                runs.insertLadder(ladder, null, now);
            }
            int added = (int) runs.upsertRunsInTx(records, now, afterEachRow).stream().filter(RunStore.Upserted::inserted).count();
            long importId;
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO imports (content_sha256, source, ladder, rows_read,"
                    + " runs_added, imported_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")) {
                ps.setString(1, table.contentSha256());
                ps.setString(2, String.valueOf(table.source()));
                ps.setString(3, ladder);
                ps.setInt(4, records.size());
                ps.setInt(5, added);
                ps.setObject(6, ts(now));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    importId = rs.getLong(1);
                }
            }
            return new Registry.ImportResult(importId, table.source(), table.contentSha256(), ladder, records.size(), added,
                    records.size() - added, false);
        });
    }

    /** Validates every row into a run record before anything touches the database. */
    private static List<RunRecord> importRecords(RunTable table, String ladder) {
        List<RunRecord> out = new ArrayList<>();
        Path file = table.source();
        for (RunTable.Row row : table.rows()) {
            Observation o = row.observation();
            Map<String, String> extra = new TreeMap<>(row.extra());
            MoeConfig moe = MoeColumns.read(file, row);
            String arch = extra.getOrDefault("architecture", "");
            arch = arch.isBlank() ? (moe == null ? "dense" : "moe") : arch.trim().toLowerCase(Locale.ROOT);
            if (!arch.equals("dense") && !arch.equals("moe")) {
                throw new InputFormatException(file, row.line(), "architecture", "must be dense or moe, got '" + extra.get("architecture") + "'");
            }
            if (arch.equals("dense") && moe != null) {
                throw new InputFormatException(file, row.line(), "architecture", "says dense, but the row has "
                        + moe.experts() + " experts (leave architecture empty, or write moe)");
            }
            double totalParams = MoeColumns.totalParams(file, row);
            String hyper = extra.get("hyperparameters");
            if (hyper != null && !hyper.isBlank()) {
                try {
                    JsonNode n = STRICT_JSON.readTree(hyper);
                    if (n == null || !n.isObject()) {
                        throw new InputFormatException(file, row.line(), "hyperparameters", "must be a JSON object, got: " + hyper);
                    }
                    hyper = n.toString();
                } catch (IOException e) {
                    throw new InputFormatException(file, row.line(), "hyperparameters", "not valid JSON: " + hyper);
                }
            } else {
                hyper = null;
            }
            ObjectNode spec = JSON.createObjectNode();
            spec.put("source", "import");
            spec.put("name", row.name());
            spec.put("architecture", arch);
            spec.put("params", o.params());
            spec.put("total_params", totalParams);
            spec.put("tokens", o.tokens());
            spec.put("budget_flops", o.flops());
            spec.put("loss", o.loss());
            ObjectNode cols = spec.putObject("columns");
            extra.forEach(cols::put);
            // Identity of an imported run: its ladder and everything the file says about it.
            String specHash = Prediction.sha256("imported-run-v1\n" + ladder + "\n" + spec);
            out.add(new RunRecord(null, ladder, row.name(), specHash, spec.toString(), arch, o.params(), totalParams,
                    o.tokens(), o.flops(), 6.0 * o.params() * o.tokens(), null, hyper, RunStatus.FINISHED, null, o.loss(),
                    o.loss(), null, "external (imported from " + file.getFileName() + ")", null, null).withMoe(moe));
        }
        return out;
    }

    /** Writes all runs (of a ladder, or all when null) to a file with DuckDB COPY; format "csv" or "parquet". */
    void copyRunsTo(Path out, String format, String ladderOrNull) {
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!fmt.equals("csv") && !fmt.equals("parquet")) {
            throw new IllegalArgumentException("export format must be csv or parquet, got " + format);
        }
        if (db.isOwnFile(out)) {
            throw new IllegalArgumentException("refusing to export onto " + out + ": it is the database being read; nothing written");
        }
        String where = ladderOrNull == null ? "" : " WHERE ladder = '" + ladderOrNull.replace("'", "''") + "'";
        String target = out.toAbsolutePath().toString().replace("'", "''");
        db.sql(() -> {
            try (Statement s = conn.createStatement()) {
                s.execute("COPY (SELECT " + EXPORT_COLUMNS + " FROM runs" + where + " ORDER BY id) TO '" + target + "' (FORMAT "
                        + fmt + (fmt.equals("csv") ? ", HEADER true" : "") + ")");
            }
            return null;
        });
    }

    /**
     * Columns of a run export, named so that a CSV export can be imported again: params, tokens, loss, budget, name,
     * architecture, hyperparameters, and an MoE run's experts, top_k, granularity, balance (the rest are kept as extra
     * columns).
     */
    static final String EXPORT_COLUMNS = "id, ladder, name, architecture, params, total_params, experts, top_k, granularity,"
            + " balance, tokens, budget_flops AS budget,"
            + " planned_flops, counted_flops, final_loss AS loss, best_loss, status, status_message, wall_seconds,"
            + " hyperparameters_json AS hyperparameters, code_version, spec_hash, created_at, updated_at";
}
