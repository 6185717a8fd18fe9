package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Units;

/**
 * Fits {@link JointMoeLaw} by variable projection: for fixed exponents θ = (α, β, γ, δ, ζ, ω) the law is linear in
 * (c, a, b) ≥ 0, solved exactly by NNLS (IRLS for Huber); the 6-D profiled objective is searched by a coarse grid over
 * (α, β) with the E-terms at zero, then Levenberg–Marquardt on the profiled residuals inside a box. Needs runs at
 * two or more expert counts (E = 1, dense, counts as one); three or more pin the E-dependence far better.
 */
public final class JointMoeFitter implements MoeLawFitter {

    public static final String LAW_NAME = "joint N-D-E law (Ludziejewski et al. 2025)";
    static final String[] EXPONENT_NAMES = {"alpha", "beta", "gamma", "delta", "zeta", "omega"};
    static final String[] COEFFICIENT_NAMES = {"c", "a", "b"};
    private static final double[] LOWER = {0.01, 0.01, -0.5, -3.0, -0.5, -3.0};
    private static final double[] UPPER = {2.0, 2.0, 0.5, 3.0, 0.5, 3.0};

    private final Units units;
    private final FitObjective objective;
    private final double[] warmStart;

    public JointMoeFitter(Units units, FitObjective objective) {
        this(units, objective, null);
    }

    private JointMoeFitter(Units units, FitObjective objective, double[] warmStart) {
        if (units == null || objective == null) {
            throw new IllegalArgumentException("units and objective are required");
        }
        this.units = units;
        this.objective = objective;
        this.warmStart = warmStart;
    }

    /** N in millions, D in billions, least squares. */
    public static JointMoeFitter defaults() {
        return new JointMoeFitter(Units.MILLIONS_BILLIONS, FitObjective.leastSquares());
    }

    @Override
    public JointMoeFitter warmStartedFrom(MoeLawFit full) {
        if (!(full instanceof JointMoeFit fit)) {
            throw new IllegalArgumentException("warm start needs a fit of " + LAW_NAME + ", got " + full.lawName());
        }
        return new JointMoeFitter(units, objective, java.util.Arrays.copyOf(fit.parameters(), EXPONENT_NAMES.length));
    }

    @Override
    public String lawName() {
        return LAW_NAME;
    }

    @Override
    public JointMoeFit fit(List<MoeObservation> runs) {
        FitReport.requireRuns(LAW_NAME, runs, 9);
        if (FitReport.distinctExperts(runs) < 2) {
            throw new IllegalArgumentException(LAW_NAME + " needs runs at two or more expert counts (dense E=1 counts), "
                    + "but every run has experts=" + runs.get(0).experts());
        }
        int n = runs.size();
        double[] lnN = new double[n], lnD = new double[n], lnE = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            MoeObservation r = runs.get(i);
            lnN[i] = Math.log(r.activeParams() / units.paramsScale());
            lnD[i] = Math.log(r.tokens() / units.tokensScale());
            lnE[i] = Math.log(r.experts());
            y[i] = r.loss();
        }
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1.0);
        java.util.function.Function<double[], double[][]> columns = th -> {
            double[] nTerm = new double[n], dTerm = new double[n];
            for (int i = 0; i < n; i++) {
                nTerm[i] = Math.exp(th[3] * lnE[i] - (th[0] + th[2] * lnE[i]) * lnN[i]);
                dTerm[i] = Math.exp(th[5] * lnE[i] - (th[1] + th[4] * lnE[i]) * lnD[i]);
            }
            return new double[][] {ones, nTerm, dTerm};
        };
        List<double[]> extra = new ArrayList<>();
        if (warmStart != null) {
            extra.add(warmStart);
        }
        ProfiledSearch.Result search = ProfiledSearch.minimize(
                th -> SeparableSolver.solve(columns.apply(th), y, objective).profiled(),
                EXPONENT_NAMES, LOWER, UPPER, 2, warmStart != null ? 6 : 12, new double[6], extra, 3);
        SeparableSolver.Solution lin = SeparableSolver.solve(columns.apply(search.theta()), y, objective);
        FitReport.Outcome outcome = FitReport.of(search, lin, COEFFICIENT_NAMES);
        double[] th = search.theta();
        double[] c = lin.coefficients();
        JointMoeLaw law = new JointMoeLaw(units, c[0], c[1], c[2], th[0], th[1], th[2], th[3], th[4], th[5]);
        return new JointMoeFit(law, outcome.status(), outcome.message(), n, lin.rss(), objective, search.evaluations());
    }

    /** The fitted joint law with its status. */
    public record JointMoeFit(JointMoeLaw law, FitStatus status, String message, int observationCount,
                              double residualSumOfSquares, FitObjective objective, int evaluations) implements MoeLawFit {

        @Override
        public String lawName() {
            return LAW_NAME;
        }

        @Override
        public double predict(MoeTarget target) {
            return law.loss(target.activeParams(), target.tokens(), target.experts());
        }

        @Override
        public boolean canPredict(MoeTarget target) {
            return true;
        }

        @Override
        public int parameterCount() {
            return 9;
        }

        @Override
        public double[] parameters() {
            return new double[] {law.alpha(), law.beta(), law.gamma(), law.delta(), law.zeta(), law.omega(),
                    law.c(), law.a(), law.b()};
        }

        @Override
        public String[] parameterNames() {
            return new String[] {"alpha", "beta", "gamma", "delta", "zeta", "omega", "c", "a", "b"};
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder(LAW_NAME).append(" [").append(objective.describe()).append(", ")
                    .append(law.units().describe()).append("]: L = c + a·E^δ·n^-(α+γ·lnE) + b·E^ω·d^-(β+ζ·lnE)\n");
            double[] p = parameters();
            String[] names = parameterNames();
            for (int i = 0; i < p.length; i++) {
                sb.append("  ").append(names[i]).append(" = ").append(FitReport.fmt(p[i])).append('\n');
            }
            sb.append("  runs = ").append(observationCount).append(", RSS = ").append(FitReport.fmt(residualSumOfSquares))
                    .append(", status = ").append(status);
            if (!message.isEmpty()) {
                sb.append(" (").append(message).append(')');
            }
            return sb.toString();
        }
    }
}
