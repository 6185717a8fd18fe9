package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import scalelab.fitting.ComputeOptimal;
import scalelab.fitting.FitStatus;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Units;

/**
 * Law (a) of issue 7: one Chinchilla surface per ladder family with shared exponents and a shared irreducible loss,
 * <pre>
 *   L_f(N, D) = E + A_f·N^-α + B_f·D^-β            (N = active parameters)
 * </pre>
 * Why shared E: the irreducible loss belongs to the data and tokenizer, not the architecture, and a per-family E is
 * barely identified by a small family ladder (it trades off against A_f). Why shared α, β: then each MoE family is
 * exactly the dense surface with rescaled inputs, L_f(N, D) = L_dense(m_f·N, k_f·D) with
 * m_f = (A_dense/A_f)^(1/α) (effective-parameter multiplier) and k_f = (B_dense/B_f)^(1/β) (effective-token multiplier),
 * and at equal compute the MoE family matches dense trained with m_f·k_f times the compute (compute multiplier).
 * With {@link TokenTerm#SHARED} B is shared too (k_f = 1, fewer parameters).
 * Fitted by variable projection: NNLS for (E, A_f, B_f) ≥ 0 inside a grid + Levenberg–Marquardt search over (α, β).
 */
public final class SharedExponentFitter implements MoeLawFitter {

    /** Whether each family gets its own token coefficient B_f or all share one B. */
    public enum TokenTerm { PER_FAMILY, SHARED }

    private static final double[] LOWER = {0.01, 0.01};
    private static final double[] UPPER = {2.0, 2.0};

    private final Units units;
    private final FitObjective objective;
    private final TokenTerm tokenTerm;
    private final double[] warmStart;

    public SharedExponentFitter(Units units, FitObjective objective, TokenTerm tokenTerm) {
        this(units, objective, tokenTerm, null);
    }

    private SharedExponentFitter(Units units, FitObjective objective, TokenTerm tokenTerm, double[] warmStart) {
        this.units = Objects.requireNonNull(units, "units");
        this.objective = Objects.requireNonNull(objective, "objective");
        this.tokenTerm = Objects.requireNonNull(tokenTerm, "tokenTerm");
        this.warmStart = warmStart;
    }

    @Override
    public SharedExponentFitter warmStartedFrom(MoeLawFit full) {
        if (!(full instanceof SharedExponentFit fit)) {
            throw new IllegalArgumentException("warm start needs a fit of " + lawName() + ", got " + full.lawName());
        }
        return new SharedExponentFitter(units, objective, tokenTerm, fit.exponents());
    }

    /** N in millions, D in billions, least squares, per-family B. */
    public static SharedExponentFitter defaults() {
        return new SharedExponentFitter(Units.MILLIONS_BILLIONS, FitObjective.leastSquares(), TokenTerm.PER_FAMILY);
    }

    @Override
    public String lawName() {
        return "shared-exponent family surfaces (" + (tokenTerm == TokenTerm.PER_FAMILY ? "per-family A, B" : "per-family A, shared B") + ")";
    }

    /** The (E, top-k, G) configuration of one family. */
    public record FamilyConfig(String family, int experts, int topK, double granularity) {
        boolean matches(MoeTarget t) {
            return experts == t.experts() && topK == t.topK() && granularity == t.granularity();
        }

        String describe() {
            return family + " (E=" + experts + ", top_k=" + topK + (granularity == 1.0 ? "" : ", G=" + granularity) + ")";
        }
    }

    @Override
    public SharedExponentFit fit(List<MoeObservation> runs) {
        if (runs == null || runs.isEmpty()) {
            throw new IllegalArgumentException(lawName() + ": no runs given");
        }
        Map<String, FamilyConfig> families = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (MoeObservation r : runs) {
            FamilyConfig cfg = new FamilyConfig(r.family(), r.experts(), r.topK(), r.granularity());
            FamilyConfig prev = families.putIfAbsent(r.family(), cfg);
            if (prev != null && !prev.equals(cfg)) {
                throw new IllegalArgumentException("family '" + r.family() + "' mixes configurations " + prev.describe()
                        + " and " + cfg.describe() + ": one expert configuration per family");
            }
            counts.merge(r.family(), 1, Integer::sum);
        }
        List<FamilyConfig> dense = families.values().stream().filter(f -> f.experts() == 1).toList();
        if (dense.size() != 1) {
            throw new IllegalArgumentException(lawName() + " needs exactly one dense reference family (experts=1), found "
                    + dense.size() + (dense.isEmpty() ? "" : ": " + dense.stream().map(FamilyConfig::family).toList()));
        }
        if (families.size() < 2) {
            throw new IllegalArgumentException(lawName() + " needs the dense family and at least one MoE family, found only '"
                    + dense.get(0).family() + "'");
        }
        for (var e : counts.entrySet()) {
            if (e.getValue() < 3) {
                throw new IllegalArgumentException("family '" + e.getKey() + "' has " + e.getValue()
                        + " runs; each family needs at least 3 for its own coefficients");
            }
        }
        // Dense family first so its coefficients are A_0, B_0.
        List<FamilyConfig> order = new ArrayList<>();
        order.add(dense.get(0));
        families.values().stream().filter(f -> f.experts() != 1).forEach(order::add);
        int fCount = order.size();
        int bCount = tokenTerm == TokenTerm.PER_FAMILY ? fCount : 1;
        int parameters = 2 + 1 + fCount + bCount;
        FitReport.requireRuns(lawName(), runs, parameters);

        int n = runs.size();
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int f = 0; f < fCount; f++) {
            index.put(order.get(f).family(), f);
        }
        int[] fam = new int[n];
        double[] lnN = new double[n], lnD = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            MoeObservation r = runs.get(i);
            fam[i] = index.get(r.family());
            lnN[i] = Math.log(r.activeParams() / units.paramsScale());
            lnD[i] = Math.log(r.tokens() / units.tokensScale());
            y[i] = r.loss();
        }
        double[] ones = new double[n];
        java.util.Arrays.fill(ones, 1.0);
        java.util.function.Function<double[], double[][]> columns = th -> {
            double[][] cols = new double[1 + fCount + bCount][];
            cols[0] = ones;
            for (int j = 1; j < cols.length; j++) {
                cols[j] = new double[n];
            }
            for (int i = 0; i < n; i++) {
                cols[1 + fam[i]][i] = Math.exp(-th[0] * lnN[i]);
                cols[1 + fCount + (bCount == 1 ? 0 : fam[i])][i] = Math.exp(-th[1] * lnD[i]);
            }
            return cols;
        };
        String[] coefNames = new String[1 + fCount + bCount];
        coefNames[0] = "E";
        for (int f = 0; f < fCount; f++) {
            coefNames[1 + f] = "A[" + order.get(f).family() + "]";
            if (bCount > 1) {
                coefNames[1 + fCount + f] = "B[" + order.get(f).family() + "]";
            }
        }
        if (bCount == 1) {
            coefNames[1 + fCount] = "B";
        }
        ProfiledSearch.Result search = ProfiledSearch.minimize(
                th -> SeparableSolver.solve(columns.apply(th), y, objective).profiled(),
                new String[] {"alpha", "beta"}, LOWER, UPPER, 2, warmStart != null ? 6 : 12, new double[2],
                warmStart != null ? List.of(warmStart) : List.of(), 2);
        SeparableSolver.Solution lin = SeparableSolver.solve(columns.apply(search.theta()), y, objective);
        FitReport.Outcome outcome = FitReport.of(search, lin, coefNames);
        double[] c = lin.coefficients();
        Map<String, FamilySurface> surfaces = new LinkedHashMap<>();
        for (int f = 0; f < fCount; f++) {
            double b = c[1 + fCount + (bCount == 1 ? 0 : f)];
            LossSurface normalised = new LossSurface(c[0], c[1 + f], b, search.theta()[0], search.theta()[1]);
            surfaces.put(order.get(f).family(), new FamilySurface(order.get(f), normalised));
        }
        return new SharedExponentFit(lawName(), units, tokenTerm, surfaces, order.get(0).family(), outcome.status(),
                outcome.message(), n, parameters, lin.rss(), coefNames, c, search.theta().clone(), objective);
    }

    /** One family's surface; {@code normalised} has coefficients for N/units.params, D/units.tokens. */
    public record FamilySurface(FamilyConfig config, LossSurface normalised) {
    }

    /** The fitted family surfaces with their shared exponents and the MoE-over-dense multipliers. */
    public record SharedExponentFit(String lawName, Units units, TokenTerm tokenTerm, Map<String, FamilySurface> families,
                                    String denseFamily, FitStatus status, String message, int observationCount,
                                    int parameterCount, double residualSumOfSquares, String[] coefficientNames,
                                    double[] coefficients, double[] exponents, FitObjective objective) implements MoeLawFit {

        public SharedExponentFit {
            families = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(families));
            coefficientNames = coefficientNames.clone();
            coefficients = coefficients.clone();
            exponents = exponents.clone();
        }

        /** Names of the linear coefficients: E, A[family]…, B[family]… (or B). */
        @Override
        public String[] coefficientNames() {
            return coefficientNames.clone();
        }

        /** Linear coefficients in the order of {@link #coefficientNames()}, for normalised N and D. */
        @Override
        public double[] coefficients() {
            return coefficients.clone();
        }

        /** (α, β). */
        @Override
        public double[] exponents() {
            return exponents.clone();
        }

        public double alpha() {
            return exponents[0];
        }

        public double beta() {
            return exponents[1];
        }

        /** The family's surface in raw units (parameters, tokens). */
        public LossSurface surface(String family) {
            return family(family).normalised().fromUnits(units);
        }

        /** m_f = (A_dense/A_f)^(1/α): the MoE family at N active parameters scores like dense at m_f·N (same D scale). */
        public double paramsMultiplier(String family) {
            return Math.pow(family(denseFamily).normalised().A() / family(family).normalised().A(), 1.0 / alpha());
        }

        /** k_f = (B_dense/B_f)^(1/β): the token-side counterpart of {@link #paramsMultiplier} (1 with a shared B). */
        public double tokensMultiplier(String family) {
            return Math.pow(family(denseFamily).normalised().B() / family(family).normalised().B(), 1.0 / beta());
        }

        /**
         * m_f·k_f: since L_f(N, D) = L_dense(m_f·N, k_f·D), the family's compute-optimal loss at C equals dense's at
         * m_f·k_f·C. This is the effective multiplier of MoE over dense at equal compute.
         */
        public double computeMultiplier(String family) {
            return paramsMultiplier(family) * tokensMultiplier(family);
        }

        /** Compute-optimal N_act*, D*, L* of a family at C FLOPs (C = 6·N_act·D). */
        public ComputeOptimal optimalAt(String family, double compute) {
            return surface(family).optimalAt(compute);
        }

        /**
         * Bootstrap quantities of this fit's families, for {@link MoeBootstrap#run}: per MoE family f, "m[f]", "k[f]",
         * "m·k[f]"; per family (dense included), "L*[f]@C" (compute-optimal loss at {@code compute} FLOPs).
         */
        public Map<String, java.util.function.ToDoubleFunction<MoeLawFit>> familyQuantities(double compute) {
            Map<String, java.util.function.ToDoubleFunction<MoeLawFit>> q = new LinkedHashMap<>();
            for (String f : families.keySet()) {
                if (!f.equals(denseFamily)) {
                    q.put("m[" + f + "]", fit -> ((SharedExponentFit) fit).paramsMultiplier(f));
                    q.put("k[" + f + "]", fit -> ((SharedExponentFit) fit).tokensMultiplier(f));
                    q.put("m·k[" + f + "]", fit -> ((SharedExponentFit) fit).computeMultiplier(f));
                }
            }
            for (String f : families.keySet()) {
                q.put("L*[" + f + "]@" + FitReport.fmt(compute), fit -> ((SharedExponentFit) fit).optimalAt(f, compute).loss());
            }
            return q;
        }

        /** The family whose configuration is the target's, or empty. */
        public java.util.Optional<String> familyFor(MoeTarget target) {
            return families.values().stream().filter(f -> f.config().matches(target)).map(f -> f.config().family()).findFirst();
        }

        @Override
        public boolean canPredict(MoeTarget target) {
            return familyFor(target).isPresent();
        }

        @Override
        public double predict(MoeTarget target) {
            String family = familyFor(target).orElseThrow(() -> new IllegalArgumentException(lawName
                    + " can only predict configurations present in the ladder; no family has E=" + target.experts()
                    + ", top_k=" + target.topK() + ", G=" + target.granularity() + " (families: "
                    + families.values().stream().map(f -> f.config().describe()).toList() + ")"));
            return surface(family).loss(target.activeParams(), target.tokens());
        }

        @Override
        public double[] parameters() {
            double[] p = new double[2 + coefficients.length];
            p[0] = exponents[0];
            p[1] = exponents[1];
            System.arraycopy(coefficients, 0, p, 2, coefficients.length);
            return p;
        }

        @Override
        public String[] parameterNames() {
            String[] names = new String[2 + coefficientNames.length];
            names[0] = "alpha";
            names[1] = "beta";
            System.arraycopy(coefficientNames, 0, names, 2, coefficientNames.length);
            return names;
        }

        @Override
        public String describe() {
            StringBuilder sb = new StringBuilder(lawName).append(" [").append(objective.describe()).append(", ")
                    .append(units.describe()).append("]: L_f = E + A_f·n^-α + B_f·d^-β\n");
            double[] p = parameters();
            String[] names = parameterNames();
            for (int i = 0; i < p.length; i++) {
                sb.append("  ").append(names[i]).append(" = ").append(FitReport.fmt(p[i])).append('\n');
            }
            for (FamilySurface f : families.values()) {
                if (!f.config().family().equals(denseFamily) && f.normalised().A() > 0 && f.normalised().B() > 0) {
                    sb.append("  ").append(f.config().describe()).append(": params multiplier m = ")
                            .append(FitReport.fmt(paramsMultiplier(f.config().family()))).append(", tokens multiplier k = ")
                            .append(FitReport.fmt(tokensMultiplier(f.config().family()))).append(", compute multiplier m·k = ")
                            .append(FitReport.fmt(computeMultiplier(f.config().family()))).append('\n');
                }
            }
            sb.append("  runs = ").append(observationCount).append(", RSS = ").append(FitReport.fmt(residualSumOfSquares))
                    .append(", status = ").append(status);
            if (!message.isEmpty()) {
                sb.append(" (").append(message).append(')');
            }
            return sb.toString();
        }

        private FamilySurface family(String family) {
            FamilySurface s = families.get(family);
            if (s == null) {
                throw new IllegalArgumentException("no family '" + family + "' in this fit (families: " + families.keySet() + ")");
            }
            return s;
        }
    }
}
