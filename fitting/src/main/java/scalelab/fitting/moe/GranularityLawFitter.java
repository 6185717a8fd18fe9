package scalelab.fitting.moe;

import java.util.List;
import java.util.Objects;
import scalelab.fitting.FitStatus;
import scalelab.fitting.Units;

/**
 * Fits {@link GranularityLaw} to the MoE runs of a ladder (dense runs are ignored: the law is stated at a fixed
 * expansion rate) by variable projection: NNLS for (c, g, a, b) ≥ 0 for fixed (α, β, γ), grid over (α, β) then Levenberg–Marquardt
 * in 3-D. Needs two or more granularities, and all MoE runs at one expert count (the paper's fixed expansion rate).
 */
public final class GranularityLawFitter implements MoeLawFitter {

    public static final String LAW_NAME = "granularity law (Krajewski et al. 2024)";
    private static final String[] EXPONENT_NAMES = {"alpha", "beta", "gamma"};
    private static final String[] COEFFICIENT_NAMES = {"c", "g", "a", "b"};
    private static final double[] LOWER = {0.01, 0.01, 0.01};
    private static final double[] UPPER = {2.0, 2.0, 3.0};

    private final Units units;
    private final FitObjective objective;

    public GranularityLawFitter(Units units, FitObjective objective) {
        this.units = Objects.requireNonNull(units, "units");
        this.objective = Objects.requireNonNull(objective, "objective");
    }

    public static GranularityLawFitter defaults() {
        return new GranularityLawFitter(Units.MILLIONS_BILLIONS, FitObjective.leastSquares());
    }

    @Override
    public String lawName() {
        return LAW_NAME;
    }

    @Override
    public List<MoeObservation> usable(List<MoeObservation> runs) {
        return runs.stream().filter(r -> !r.isDense()).toList();
    }

    @Override
    public GranularityFit fit(List<MoeObservation> allRuns) {
        if (allRuns == null) {
            throw new IllegalArgumentException(LAW_NAME + ": no runs given");
        }
        List<MoeObservation> runs = usable(allRuns);
        FitReport.requireRuns(LAW_NAME + " (MoE runs only)", runs, 7);
        if (FitReport.distinctExperts(runs) > 1) {
            throw new IllegalArgumentException(LAW_NAME + " holds the expert count fixed, but the MoE runs have experts="
                    + runs.stream().map(MoeObservation::experts).distinct().sorted().toList());
        }
        long granularities = runs.stream().mapToDouble(MoeObservation::granularity).distinct().count();
        if (granularities < 2) {
            throw new IllegalArgumentException(LAW_NAME + " needs MoE runs at two or more granularities, but every run has G="
                    + runs.get(0).granularity());
        }
        int n = runs.size();
        double[] lnN = new double[n], lnD = new double[n], lnG = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            MoeObservation r = runs.get(i);
            lnN[i] = Math.log(r.activeParams() / units.paramsScale());
            lnD[i] = Math.log(r.tokens() / units.tokensScale());
            lnG[i] = Math.log(r.granularity());
            y[i] = r.loss();
        }
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1.0);
        java.util.function.Function<double[], double[][]> columns = th -> {
            double[] gTerm = new double[n], nTerm = new double[n], dTerm = new double[n];
            for (int i = 0; i < n; i++) {
                nTerm[i] = Math.exp(-th[0] * lnN[i]);
                gTerm[i] = Math.exp(-th[2] * lnG[i]) * nTerm[i];
                dTerm[i] = Math.exp(-th[1] * lnD[i]);
            }
            return new double[][] {ones, gTerm, nTerm, dTerm};
        };
        ProfiledSearch.Result search = ProfiledSearch.minimize(
                th -> SeparableSolver.solve(columns.apply(th), y, objective).profiled(),
                EXPONENT_NAMES, LOWER, UPPER, 2, 12, new double[] {0, 0, 0.5}, List.of(), 3);
        SeparableSolver.Solution lin = SeparableSolver.solve(columns.apply(search.theta()), y, objective);
        FitReport.Outcome outcome = FitReport.of(search, lin, COEFFICIENT_NAMES);
        double[] th = search.theta();
        double[] c = lin.coefficients();
        GranularityLaw law = new GranularityLaw(units, c[0], c[1], c[2], c[3], th[0], th[1], th[2]);
        return new GranularityFit(law, runs.get(0).experts(), outcome.status(), outcome.message(), n, lin.rss(), objective);
    }

    /** The fitted granularity law, valid for MoE targets at the fitted expert count. */
    public record GranularityFit(GranularityLaw law, int experts, FitStatus status, String message, int observationCount,
                                 double residualSumOfSquares, FitObjective objective) implements MoeLawFit {

        @Override
        public String lawName() {
            return LAW_NAME;
        }

        @Override
        public boolean canPredict(MoeTarget target) {
            return target.experts() == experts;
        }

        @Override
        public double predict(MoeTarget target) {
            if (!canPredict(target)) {
                throw new IllegalArgumentException(LAW_NAME + " was fitted at experts=" + experts
                        + " and cannot predict a target with experts=" + target.experts());
            }
            return law.loss(target.activeParams(), target.tokens(), target.granularity());
        }

        @Override
        public int parameterCount() {
            return 7;
        }

        @Override
        public double[] parameters() {
            return new double[] {law.alpha(), law.beta(), law.gamma(), law.c(), law.g(), law.a(), law.b()};
        }

        @Override
        public String[] parameterNames() {
            return new String[] {"alpha", "beta", "gamma", "c", "g", "a", "b"};
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder(LAW_NAME).append(" [").append(objective.describe()).append(", ")
                    .append(law.units().describe()).append(", E=").append(experts)
                    .append("]: L = c + (g·G^-γ + a)·n^-α + b·d^-β\n");
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
