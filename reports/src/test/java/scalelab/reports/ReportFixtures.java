package scalelab.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Units;
import scalelab.registry.io.DataDirectory;
import scalelab.registry.io.RunTableReader;
import scalelab.reports.model.Allocation;
import scalelab.reports.model.BacktestRow;
import scalelab.reports.model.CurvePoint;
import scalelab.reports.model.FitSummary;
import scalelab.reports.model.Interval;
import scalelab.reports.model.LedgerRow;
import scalelab.reports.model.MoeSection;
import scalelab.reports.model.Parabola;
import scalelab.reports.model.ReportInput;
import scalelab.reports.model.RunRow;

/**
 * A report input with every section filled: the real Chinchilla IsoFLOP runs, the published VPNLS Huber fit (the
 * data directory's README), per-budget parabolas fitted here by least squares, and hand-made targets, ledger,
 * backtests, curves and MoE utilisation so every chart and table is drawn.
 */
final class ReportFixtures {
    private ReportFixtures() {}

    /** The published VPNLS fit of chinchilla-isoflops.csv (Huber δ=1e-3, N/1e6, D/1e9), in raw units. */
    static LossSurface chinchillaVpnls() {
        return new LossSurface(1.8626, 4.1739, 1.0559, 0.3621, 0.3995).fromUnits(Units.MILLIONS_BILLIONS);
    }

    static List<RunRow> chinchillaRuns() {
        return RunRows.fromTable(RunTableReader.read(DataDirectory.dataFile("chinchilla-isoflops.csv")));
    }

    static scalelab.fitting.forecast.Ladder chinchillaLadder() {
        var table = RunTableReader.read(DataDirectory.dataFile("chinchilla-isoflops.csv"));
        return new scalelab.fitting.forecast.Ladder(table.observations(), table.budgetGrouping());
    }

    static ReportInput full() {
        List<RunRow> runs = chinchillaRuns();
        LossSurface f = chinchillaVpnls();
        FitSummary vpnls = FitSummary.ofSurface("3", "vpnls", "CONVERGED", "", List.of(), f, 1.6248e-3, runs.size(),
                "9f2c4e1ab0d35e7788c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3");
        FitSummary a3 = FitSummary.ofSurface("4", "approach3", "EXPONENT_ON_GRID_EDGE", "β on the upper edge of its grid",
                List.of("fixture: a second surface so the side-by-side table has two columns"),
                new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28), 1.0e-3, runs.size(), "");
        List<Parabola> ps = parabolas(runs);
        FitSummary a2 = new FitSummary("5", "approach2", "CONVERGED", "",
                List.of("grids are off-centre at 2 budgets: vertex exponent a may be biased"), null, Double.NaN,
                0.49, 0.51, ps, runs.size(), "", null);
        List<Allocation> allocs = new ArrayList<>();
        for (double c : new double[] {1e22, 1e23}) {
            ComputeOptimal o = f.optimalAt(c);
            allocs.add(new Allocation("target-" + ScalelabFormat.sci(c), "vpnls", c, o.params(), o.tokens(), o.loss(),
                    new Interval(o.params() * 0.8, o.params() * 1.25), new Interval(o.tokens() * 0.8, o.tokens() * 1.25),
                    new Interval(o.loss() - 0.02, o.loss() + 0.02)));
        }
        ComputeOptimal t = f.optimalAt(1e22);
        List<LedgerRow> ledger = List.of(
                new LedgerRow("1", "dense N=" + ScalelabFormat.sci(t.params()) + " D=" + ScalelabFormat.sci(t.tokens()), 1e22,
                        t.loss(), new Interval(t.loss() - 0.02, t.loss() + 0.02), "vpnls", "3",
                        "4be1f0c3a1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6", "inside interval", t.loss() + 0.008,
                        100 * (t.loss() - (t.loss() + 0.008)) / (t.loss() + 0.008)),
                new LedgerRow("2", "target-1e23", 1e23, f.optimalAt(1e23).loss(), null, "vpnls", "3",
                        "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "pending", Double.NaN, Double.NaN));
        List<BacktestRow> bt = new ArrayList<>();
        double[] cuts = {3e19, 1e20, 3e20, 1e21};
        for (int i = 0; i < cuts.length; i++) {
            bt.add(new BacktestRow("vpnls", cuts[i], 3e21, 3e21 / cuts[i], 1.95, 1.94, 0.5 * (cuts.length - i)));
            bt.add(new BacktestRow("approach2", cuts[i], 3e21, 3e21 / cuts[i], 1.97, 1.94, -1.2 * (cuts.length - i)));
        }
        Map<String, List<CurvePoint>> curves = new LinkedHashMap<>();
        for (int r = 0; r < 3; r++) {
            List<CurvePoint> pts = new ArrayList<>();
            for (int s = 1; s <= 40; s++) {
                double tokens = s * 2.5e7 * (r + 1);
                pts.add(new CurvePoint(s * 100L, tokens, 2.2 + 40 * Math.pow(tokens, -0.2) + 0.01 * Math.sin(s), Double.NaN));
            }
            curves.put(runs.get(r).name(), pts);
        }
        Map<String, List<MoeSection.ExpertLoad>> util = new TreeMap<>();
        for (String run : List.of("moe-aux-loss", "moe-loss-free")) {
            List<MoeSection.ExpertLoad> loads = new ArrayList<>();
            for (int s = 0; s <= 20; s++) {
                double skew = (run.contains("aux") ? 0.6 : 0.2) * Math.exp(-s / 8.0);
                List<Double> fr = new ArrayList<>();
                double sum = 0;
                for (int e = 0; e < 4; e++) {
                    double v = 1 + skew * (e - 1.5);
                    fr.add(v);
                    sum += v;
                }
                final double total = sum;
                loads.add(new MoeSection.ExpertLoad(s * 50L, fr.stream().map(v -> v / total).toList()));
            }
            util.put(run, loads);
        }
        MoeSection moe = new MoeSection(util, List.of(
                new MoeSection.BalancingRow("aux-loss", "moe-aux-loss", 3.41, 1.35, ""),
                new MoeSection.BalancingRow("loss-free bias", "moe-loss-free", 3.39, 1.12, "fixture values")));
        return new ReportInput("Chinchilla IsoFLOP fit report", "chinchilla-isoflops", runs, "", List.of(vpnls, a3, a2),
                allocs, ledger, bt, curves, moe, ForecastSection.of(chinchillaLadder(),
                        Map.of("target-1e23", 1e23)));
    }

    /** Least-squares parabola loss = p0 + p1·x + p2·x² in x = ln N at each budget (Approach 2's first step). */
    static List<Parabola> parabolas(List<RunRow> runs) {
        TreeMap<Double, List<RunRow>> by = new TreeMap<>();
        runs.forEach(r -> by.computeIfAbsent(r.budget(), k -> new ArrayList<>()).add(r));
        List<Parabola> out = new ArrayList<>();
        for (var e : by.entrySet()) {
            List<RunRow> rs = e.getValue();
            if (rs.size() < 3) {
                continue;
            }
            double[][] m = new double[3][4];
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (RunRow r : rs) {
                double x = Math.log(r.params());
                double[] phi = {1, x, x * x};
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        m[i][j] += phi[i] * phi[j];
                    }
                    m[i][3] += phi[i] * r.loss();
                }
                lo = Math.min(lo, r.params());
                hi = Math.max(hi, r.params());
            }
            double[] p = solve3(m);
            double vertex = p[2] > 0 ? Math.exp(-p[1] / (2 * p[2])) : Double.NaN;
            List<String> diag = new ArrayList<>();
            if (!(vertex >= lo && vertex <= hi)) {
                diag.add("vertex outside sampled range");
            }
            out.add(new Parabola(e.getKey(), p[0], p[1], p[2], vertex, lo, hi, diag));
        }
        return out;
    }

    private static double[] solve3(double[][] a) {
        for (int c = 0; c < 3; c++) {
            int piv = c;
            for (int r = c + 1; r < 3; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] tmp = a[c];
            a[c] = a[piv];
            a[piv] = tmp;
            for (int r = 0; r < 3; r++) {
                if (r != c) {
                    double f = a[r][c] / a[c][c];
                    for (int k = c; k < 4; k++) {
                        a[r][k] -= f * a[c][k];
                    }
                }
            }
        }
        return new double[] {a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]};
    }

    /** Short scientific notation for names in the fixture. */
    static final class ScalelabFormat {
        static String sci(double v) {
            return scalelab.reports.charts.ChartStyle.compact(v);
        }
    }
}
