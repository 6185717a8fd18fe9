package scalelab.registry;

import static scalelab.registry.Database.getDouble;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** What a run records as it trains: its loss curve and, for MoE runs, its expert shares. Through {@link Registry}. */
final class CurveStore {
    private final Database db;
    private final DuckDBConnection conn;
    private final RunStore runs;

    CurveStore(Database db, RunStore runs) {
        this.db = db;
        this.conn = db.connection();
        this.runs = runs;
    }

    // ---------------------------------------------------------------- loss curves

    /** Appends points to a run's loss curve in bulk (DuckDB appender, one transaction). */
    void appendCurve(long runId, List<CurvePoint> points) {
        if (points.isEmpty()) {
            return;
        }
        db.transaction(() -> {
            runs.requireRun(runId, "a loss curve");
            try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "loss_curves")) {
                for (CurvePoint p : points) {
                    app.beginRow();
                    app.append(runId);
                    app.append(p.step());
                    app.append(p.tokens());
                    app.append(p.trainLoss());
                    if (p.evaluated()) {
                        app.append(p.evalLoss());
                    } else {
                        app.appendNull();
                    }
                    app.endRow();
                }
            }
            return null;
        });
    }

    /** A run's loss curve ordered by step (eval loss NaN where not evaluated). */
    List<CurvePoint> curve(long runId) {
        return db.sql(() -> {
            List<CurvePoint> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT step, tokens, train_loss, eval_loss FROM loss_curves WHERE run_id = ? ORDER BY step")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Double eval = getDouble(rs, 4);
                        out.add(new CurvePoint(rs.getLong(1), rs.getLong(2), rs.getDouble(3), eval == null ? Double.NaN : eval));
                    }
                }
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- expert shares of MoE runs

    /** Appends an MoE run's expert shares in bulk (one transaction). */
    void appendExpertShares(long runId, List<ExpertShare> shares) {
        db.transaction(() -> {
            runs.requireRun(runId, "expert shares");
            try (DuckDBAppender app = conn.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "expert_shares")) {
                for (ExpertShare e : shares) {
                    app.beginRow();
                    app.append(runId);
                    app.append(e.step());
                    app.append(e.layer());
                    app.append(e.expert());
                    app.append(e.share());
                    app.endRow();
                }
            }
            return null;
        });
    }

    /** A run's expert shares ordered by step, layer, expert (empty for dense runs and runs recorded without them). */
    List<ExpertShare> expertShares(long runId) {
        return db.sql(() -> {
            List<ExpertShare> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT step, layer, expert, share FROM expert_shares WHERE run_id = ? ORDER BY step, layer, expert")) {
                ps.setLong(1, runId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ExpertShare(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getDouble(4)));
                    }
                }
            }
            return out;
        });
    }
}
