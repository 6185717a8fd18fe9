package scalelab.fitting;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Approach 3 exactly as Chinchilla and Epoch AI fit it: minimise Σ w·Huber_δ(LSE(a − α·ln N, b − β·ln D, e) − ln L)
 * over (a, b, e, α, β) with E = e^e, A = e^a, B = e^b in raw units, by L-BFGS from every point of a grid of starts;
 * the best end point wins and is polished with tight tolerances. Needed to reproduce published Chinchilla numbers;
 * badly conditioned (κ ~ 1e11), so prefer {@link Vpnls} for new fits.
 */
public final class Approach3 {
    private Approach3() {}

    /**
     * @param delta   Huber threshold on log-loss residuals (Chinchilla: 1e-3)
     * @param alphas  starting α values (Epoch: 0, 0.5, …, 2), likewise β
     * @param es      starting e = ln E values (Epoch: −1, −0.5, …, 1)
     * @param as      starting a = ln A values (Epoch: 0, 5, …, 25), likewise b
     */
    public record Options(double delta, double[] alphas, double[] betas, double[] es, double[] as, double[] bs) {
        public static Options epoch() {
            return new Options(1e-3, range(0, 2, 0.5), range(0, 2, 0.5), range(-1, 1, 0.5), range(0, 25, 5), range(0, 25, 5));
        }

        public int starts() {
            return alphas.length * betas.length * es.length * as.length * bs.length;
        }
    }

    static double[] range(double from, double to, double step) {
        int k = (int) Math.round((to - from) / step) + 1;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = from + i * step;
        }
        return out;
    }

    public static FitResult fit(List<Observation> observations) {
        return fit(observations, Options.epoch());
    }

    public static FitResult fit(List<Observation> observations, Options options) {
        SurfaceDesign.requireIdentifiable("Approach 3", observations);
        int n = observations.size();
        double[] lnN = new double[n], lnD = new double[n], lnL = new double[n], w = new double[n];
        for (int i = 0; i < n; i++) {
            Observation o = observations.get(i);
            lnN[i] = Math.log(o.params());
            lnD[i] = Math.log(o.tokens());
            lnL[i] = Math.log(o.loss());
            w[i] = o.weight();
        }
        double delta = options.delta();
        // x = (a, b, e, α, β)
        Lbfgs.Function f = (x, g) -> {
            double a = x[0], b = x[1], e = x[2], al = x[3], be = x[4];
            double sum = 0, g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0;
            for (int i = 0; i < n; i++) {
                double t1 = a - al * lnN[i], t2 = b - be * lnD[i];
                double mx = Math.max(e, Math.max(t1, t2));
                double x1 = Math.exp(t1 - mx), x2 = Math.exp(t2 - mx), x3 = Math.exp(e - mx);
                double z = x1 + x2 + x3;
                double r = mx + Math.log(z) - lnL[i];
                double ar = Math.abs(r);
                double psi;
                if (ar <= delta) {
                    sum += w[i] * 0.5 * r * r;
                    psi = w[i] * r;
                } else {
                    sum += w[i] * delta * (ar - 0.5 * delta);
                    psi = w[i] * Math.copySign(delta, r);
                }
                double s1 = x1 / z, s2 = x2 / z, s3 = x3 / z;
                g0 += psi * s1;
                g1 += psi * s2;
                g2 += psi * s3;
                g3 -= psi * s1 * lnN[i];
                g4 -= psi * s2 * lnD[i];
            }
            g[0] = g0;
            g[1] = g1;
            g[2] = g2;
            g[3] = g3;
            g[4] = g4;
            return sum;
        };
        List<double[]> starts = new ArrayList<>(options.starts());
        for (double al : options.alphas()) {
            for (double be : options.betas()) {
                for (double e : options.es()) {
                    for (double a : options.as()) {
                        for (double b : options.bs()) {
                            starts.add(new double[] {a, b, e, al, be});
                        }
                    }
                }
            }
        }
        // Every start with scipy-like tolerances; ties broken by start index so the result is deterministic.
        record End(int index, Lbfgs.Result result) {}
        End best = IntStream.range(0, starts.size()).parallel()
                .mapToObj(i -> new End(i, Lbfgs.minimize(f, starts.get(i), 1e-6, 1e-8, 300)))
                .filter(r -> Double.isFinite(r.result().value()))
                .min(Comparator.comparingDouble((End r) -> r.result().value()).thenComparingInt(End::index))
                .orElseThrow(() -> new FitInputException("Approach 3: no start gave a finite objective"));
        Lbfgs.Result polished = Lbfgs.minimize(f, best.result().x(), 1e-15, 1e-13, 5000);
        if (!(polished.value() <= best.result().value())) {
            polished = best.result();
        }
        double[] x = polished.x();
        List<String> warnings = new ArrayList<>();
        FitStatus status = FitStatus.CONVERGED;
        String message = "converged";
        LossSurface surface;
        try {
            surface = new LossSurface(Math.exp(x[2]), Math.exp(x[0]), Math.exp(x[1]), x[3], x[4]);
        } catch (IllegalArgumentException e) {
            throw new FitInputException("Approach 3 diverged: " + e.getMessage());
        }
        if (!polished.converged()) {
            warnings.add("L-BFGS polish hit its iteration limit");
        }
        if (!(x[3] > 0) || !(x[4] > 0)) {
            status = FitStatus.FAILED;
            message = String.format(Locale.ROOT, "non-positive exponent (α = %.4g, β = %.4g): no compute optimum", x[3], x[4]);
        } else {
            // Converged is not enough: the badly conditioned objective also converges to runaway parameters.
            String unreliable = FitStatus.unreliability(surface, observations);
            if (unreliable != null) {
                status = FitStatus.UNRELIABLE;
                message = unreliable;
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("starts", Integer.toString(options.starts()));
        settings.put("best_start", java.util.Arrays.toString(starts.get(best.index())));
        settings.put("optimizer", "L-BFGS (memory 10, Armijo backtracking), polished with tight tolerances");
        FlopConvention flops = FlopConvention.measure(observations);
        return new FitResult("approach3", status, message, surface, surface, Units.RAW,
                String.format(Locale.ROOT, "huber-log(delta=%s)", delta), polished.value(), n,
                ContentHash.of(observations), warnings, flops.paramsExponent(surface), flops.tokensExponent(surface), null,
                settings, flops);
    }

    /** The observations without the {@code k} highest losses (Epoch's protocol drops 5 outliers). */
    public static List<Observation> dropHighestLosses(List<Observation> observations, int k) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, observations.size()).boxed().toList());
        order.sort(Comparator.comparingDouble((Integer i) -> -observations.get(i).loss()));
        java.util.Set<Integer> drop = new java.util.HashSet<>(order.subList(0, Math.min(k, order.size())));
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < observations.size(); i++) {
            if (!drop.contains(i)) {
                out.add(observations.get(i));
            }
        }
        return out;
    }
}
