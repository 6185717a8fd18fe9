package scalelab.registry;

import static scalelab.registry.Database.getDouble;
import static scalelab.registry.Database.instant;
import static scalelab.registry.Database.setDouble;
import static scalelab.registry.Database.ts;

import java.math.BigDecimal;
import java.math.MathContext;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.duckdb.DuckDBConnection;
import scalelab.fitting.FlopConvention;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Observation;

/**
 * Fits and their inputs: finished runs as fitter observations (with the input hash a fit records), saved fits with
 * their bootstrap surfaces, and the data range a fit covers. Through {@link Registry}.
 */
final class FitStore {
    private final Database db;
    private final DuckDBConnection conn;

    FitStore(Database db) {
        this.db = db;
        this.conn = db.connection();
    }

    // ---------------------------------------------------------------- observations for fits

    /**
     * Finished runs of a ladder (all ladders when null) as fitter observations, with their ids and the input hash a
     * saved fit records, restricted to one architecture ("dense" or "moe"; null: both). A dense law fitted
     * on a dense + MoE ladder must see only the dense runs: MoE runs at the same active N and D reach other losses.
     */
    ObservationSet observationSet(String ladderOrNull, String architectureOrNull) {
        if (architectureOrNull != null && !"dense".equals(architectureOrNull) && !"moe".equals(architectureOrNull)) {
            throw new IllegalArgumentException("architecture must be dense or moe, got " + architectureOrNull);
        }
        return db.sql(() -> {
            String q = "SELECT id, params, tokens, budget_flops, final_loss FROM runs"
                    + " WHERE status = 'FINISHED' AND final_loss IS NOT NULL" + (ladderOrNull == null ? "" : " AND ladder = ?")
                    + (architectureOrNull == null ? "" : " AND architecture = ?")
                    + " ORDER BY budget_flops, params, id";
            List<Observation> obs = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(q)) {
                int k = 1;
                if (ladderOrNull != null) {
                    ps.setString(k++, ladderOrNull);
                }
                if (architectureOrNull != null) {
                    ps.setString(k, architectureOrNull);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        double n = rs.getDouble(2), d = rs.getDouble(3), c = rs.getDouble(4), loss = rs.getDouble(5);
                        ids.add(rs.getLong(1));
                        obs.add(new Observation(n, d, c, loss, budgetLabel(c), 1.0));
                    }
                }
            }
            // the canonical hash and order of these runs, whatever their source (ObservationSet)
            return new ObservationSet(obs, ids).canonicalOrder();
        });
    }

    /** A budget's group label: 4 significant digits, e.g. 1e18, 3e20, 6.25e19. */
    static String budgetLabel(double flops) {
        BigDecimal v = new BigDecimal(flops).round(new MathContext(4)).stripTrailingZeros();
        int exp = v.precision() - v.scale() - 1;
        BigDecimal mantissa = v.movePointLeft(exp).stripTrailingZeros();
        return mantissa.toPlainString() + "e" + exp;
    }

    // ---------------------------------------------------------------- fits

    long saveFit(FitRecord fit) {
        return db.transaction(() -> {
            long id;
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO fits (method, objective, status, e, a, b, alpha, beta,"
                    + " objective_value, input_hash, run_ids, ladder, result_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
                LossSurface s = fit.surface();
                ps.setString(1, fit.method());
                ps.setString(2, fit.objective());
                ps.setString(3, fit.status());
                setDouble(ps, 4, s == null ? null : s.E());
                setDouble(ps, 5, s == null ? null : s.A());
                setDouble(ps, 6, s == null ? null : s.B());
                setDouble(ps, 7, s == null ? null : s.alpha());
                setDouble(ps, 8, s == null ? null : s.beta());
                setDouble(ps, 9, Double.isFinite(fit.objectiveValue()) ? fit.objectiveValue() : null);
                ps.setString(10, fit.inputHash());
                ps.setString(11, String.join(",", fit.runIds().stream().map(String::valueOf).toList()));
                ps.setString(12, fit.ladder());
                ps.setString(13, fit.resultJson());
                ps.setObject(14, ts(fit.createdAt() == null ? Instant.now() : fit.createdAt()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    id = rs.getLong(1);
                }
            }
            // Multi-row INSERTs, not the appender: they join this transaction with the fits row (all or none).
            List<LossSurface> boot = fit.bootstrapSurfaces();
            for (int from = 0; from < boot.size(); from += 500) {
                int to = Math.min(boot.size(), from + 500);
                String values = String.join(", ", java.util.Collections.nCopies(to - from, "(?, ?, ?, ?, ?, ?, ?)"));
                try (PreparedStatement ps = conn.prepareStatement("INSERT INTO fit_bootstrap VALUES " + values)) {
                    int c = 1;
                    for (int k = from; k < to; k++) {
                        LossSurface b = boot.get(k);
                        ps.setLong(c++, id);
                        ps.setInt(c++, k);
                        ps.setDouble(c++, b.E());
                        ps.setDouble(c++, b.A());
                        ps.setDouble(c++, b.B());
                        ps.setDouble(c++, b.alpha());
                        ps.setDouble(c++, b.beta());
                    }
                    ps.executeUpdate();
                }
            }
            return id;
        });
    }

    Optional<FitRecord> fit(long id) {
        List<FitRecord> l = queryFits("WHERE id = ?", id);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** The most recently saved fit (of a ladder, or of any when null). */
    Optional<FitRecord> latestFit(String ladderOrNull) {
        List<FitRecord> l = ladderOrNull == null ? queryFits("ORDER BY id DESC LIMIT 1")
                : queryFits("WHERE ladder = ? ORDER BY id DESC LIMIT 1", ladderOrNull);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    /** All fits (of a ladder, or all when null), oldest first. */
    List<FitRecord> fits(String ladderOrNull) {
        return ladderOrNull == null ? queryFits("ORDER BY id") : queryFits("WHERE ladder = ? ORDER BY id", ladderOrNull);
    }

    private List<FitRecord> queryFits(String tail, Object... args) {
        return db.sql(() -> {
            List<FitRecord> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT id, method, objective, status, e, a, b, alpha, beta,"
                    + " objective_value, input_hash, run_ids, ladder, result_json, created_at FROM fits " + tail)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        Double e = getDouble(rs, 5);
                        LossSurface surface = e == null ? null
                                : new LossSurface(e, rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9));
                        Double obj = getDouble(rs, 10);
                        String runIds = rs.getString(12);
                        List<Long> ids = runIds.isEmpty() ? List.of() : Arrays.stream(runIds.split(",")).map(Long::valueOf).toList();
                        out.add(new FitRecord(id, rs.getString(2), rs.getString(3), rs.getString(4), surface,
                                obj == null ? Double.NaN : obj, rs.getString(11), ids, rs.getString(13), rs.getString(14),
                                bootstrapSurfaces(id), instant(rs, 15)));
                    }
                }
            }
            return out;
        });
    }

    private List<LossSurface> bootstrapSurfaces(long fitId) throws SQLException {
        List<LossSurface> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT e, a, b, alpha, beta FROM fit_bootstrap WHERE fit_id = ? ORDER BY sample")) {
            ps.setLong(1, fitId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LossSurface(rs.getDouble(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4), rs.getDouble(5)));
                }
            }
        }
        return out;
    }

    /**
     * What a fit's data cover: its runs this registry holds, and their largest budget; null when it records none
     * (then no target can be shown to lie beyond its data).
     */
    Predictions.DataRange dataRange(FitRecord fit) {
        if (fit.runIds().isEmpty()) {
            return null;
        }
        return db.sql(() -> {
            String ids = String.join(", ", fit.runIds().stream().map(String::valueOf).toList());
            List<Observation> runs = new ArrayList<>();
            double maxBudget = 0;
            try (Statement s = conn.createStatement();
                 ResultSet rs = s.executeQuery("SELECT params, tokens, budget_flops FROM runs WHERE id IN (" + ids + ")")) {
                while (rs.next()) {
                    double c = rs.getDouble(3);
                    runs.add(Observation.inBudget(rs.getDouble(1), rs.getDouble(2), c, 1.0));
                    maxBudget = Math.max(maxBudget, c);
                }
            }
            return runs.isEmpty() ? null : new Predictions.DataRange(runs.size(), maxBudget, FlopConvention.measure(runs));
        });
    }
}
