package scalelab.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import scalelab.registry.ExpertShare;
import scalelab.registry.FitRecord;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;
import scalelab.reports.model.MoeSection;

/**
 * The Mixture-of-experts section of a registry report: each MoE family against the dense family at equal compute
 * (best loss per budget), the stored MoE law fits of {@code predict --target moe:} with their comparison, and expert
 * utilisation from the shares the registry keeps of each MoE run.
 */
final class MoeReport {
    /** Utilisation is summarised over this final fraction of each run's steps (after routing has settled). */
    static final double LAST_FRACTION = 0.10;
    /** Points per run in the utilisation chart. */
    private static final int CHART_POINTS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MoeReport() {}

    /** The section, or null when the runs hold no MoE family. */
    static MoeSection load(Registry registry, List<RunRecord> runs, Map<Long, RunFamily> families, Map<Long, String> names,
                           List<FitRecord> moeFits) {
        if (families.values().stream().allMatch(RunFamily::isDense)) {
            return null;
        }
        List<RunRecord> finished = runs.stream().filter(r -> r.status() == RunStatus.FINISHED && r.finalLoss() != null).toList();
        // family -> budget -> best final loss
        Map<String, TreeMap<Double, Double>> best = new LinkedHashMap<>();
        Set<String> moeFamilies = new LinkedHashSet<>();
        for (RunRecord r : finished) {
            RunFamily f = families.get(r.id());
            best.computeIfAbsent(f.name(), k -> new TreeMap<>()).merge(r.budgetFlops(), r.finalLoss(), Math::min);
            if (!f.isDense()) {
                moeFamilies.add(f.name());
            }
        }
        TreeMap<Double, Map<String, Double>> byBudget = new TreeMap<>();
        best.forEach((f, m) -> m.forEach((c, l) -> byBudget.computeIfAbsent(c, k -> new LinkedHashMap<>()).put(f, l)));
        List<MoeSection.BudgetRow> equal = new ArrayList<>();
        byBudget.forEach((c, m) -> equal.add(new MoeSection.BudgetRow(c, m)));

        List<MoeSection.LawFit> laws = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, double[]> multipliers = new LinkedHashMap<>(); // family -> {m, m·k}, from the newest fit saying so
        for (FitRecord fit : moeFits) {
            try {
                laws.add(law(fit, multipliers));
            } catch (IOException | RuntimeException e) {
                notes.add("MoE fit #" + fit.id() + " (" + fit.method() + "): stored JSON unreadable (" + e.getMessage() + ")");
            }
        }
        if (moeFits.isEmpty()) {
            notes.add("No MoE law fit is stored for this ladder: `scalelab predict --ladder NAME --target moe:…` fits the "
                    + "laws, keeps the one the data support and files its prediction.");
        }

        List<MoeSection.BalancingRow> balancing = new ArrayList<>();
        Map<String, List<MoeSection.ExpertLoad>> utilisation = new TreeMap<>();
        Map<String, double[]> familyShares = new LinkedHashMap<>(); // family -> {min, max}
        Map<String, RunRecord> chartRun = new LinkedHashMap<>(); // family -> its best run at its largest budget
        int withoutShares = 0;
        for (RunRecord r : finished) {
            RunFamily f = families.get(r.id());
            if (f.isDense()) {
                continue;
            }
            List<ExpertShare> shares = registry.expertShares(r.id());
            Summary s = summary(shares);
            if (s == null) {
                withoutShares++;
            } else {
                familyShares.merge(f.name(), new double[] {s.min, s.max},
                        (a, b) -> new double[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                RunRecord c = chartRun.get(f.name());
                if (c == null || r.budgetFlops() > c.budgetFlops()
                        || (r.budgetFlops() == c.budgetFlops() && r.finalLoss() < c.finalLoss())) {
                    chartRun.put(f.name(), r);
                }
            }
            balancing.add(new MoeSection.BalancingRow(f.balance().isEmpty() ? "unknown" : f.balance(), names.get(r.id()),
                    r.finalLoss(), s == null ? Double.NaN : s.meanImbalance, s == null ? Double.NaN : s.min,
                    s == null ? Double.NaN : s.max, s == null ? "no expert shares recorded"
                    : String.format(Locale.ROOT, "C = %s; steps %d–%d", ReportWriter.num(r.budgetFlops()), s.fromStep, s.toStep)));
        }
        chartRun.forEach((family, r) -> utilisation.put(names.get(r.id()), loads(registry.expertShares(r.id()))));
        if (withoutShares > 0) {
            notes.add(withoutShares + " MoE run" + (withoutShares == 1 ? " has" : "s have") + " no expert shares in the "
                    + "registry (runs imported, or recorded before the registry kept them): their utilisation is left empty.");
        }

        List<MoeSection.FamilyRow> rows = new ArrayList<>();
        TreeMap<Double, Double> dense = best.getOrDefault(RunFamily.DENSE, new TreeMap<>());
        for (String fam : moeFamilies) {
            TreeMap<Double, Double> mine = best.get(fam);
            double sum = 0;
            int shared = 0;
            for (Map.Entry<Double, Double> e : mine.entrySet()) {
                Double d = dense.get(e.getKey());
                if (d != null) {
                    sum += 100 * (e.getValue() - d) / d;
                    shared++;
                }
            }
            String balance = families.values().stream().filter(x -> x.name().equals(fam)).findFirst().orElseThrow().balance();
            int count = (int) finished.stream().filter(r -> families.get(r.id()).name().equals(fam)).count();
            double[] m = multipliers.getOrDefault(fam, new double[] {Double.NaN, Double.NaN});
            double[] sh = familyShares.getOrDefault(fam, new double[] {Double.NaN, Double.NaN});
            rows.add(new MoeSection.FamilyRow(fam, balance, count, shared == 0 ? Double.NaN : sum / shared, m[0], m[1],
                    sh[0], sh[1]));
        }
        return new MoeSection(rows, equal, laws, utilisation, balancing, notes);
    }

    private static MoeSection.LawFit law(FitRecord fit, Map<String, double[]> multipliers) throws IOException {
        JsonNode o = JSON.readTree(fit.resultJson() == null ? "" : fit.resultJson());
        if (o == null || !o.isObject()) {
            throw new IOException("not a JSON object");
        }
        List<MoeSection.LawRow> rows = new ArrayList<>();
        for (JsonNode r : o.path("comparison_rows")) {
            rows.add(new MoeSection.LawRow(r.path("law").asText(""), r.path("status").asText(""), r.path("runs").asInt(0),
                    r.path("parameters").asInt(0), num(r, "rss"), num(r, "aic"), num(r, "bic"),
                    100 * num(r, "backtest_mean_abs_relative_error"), 100 * num(r, "common_backtest_error"),
                    num(r, "predicted_loss"), num(r, "interval_low"), num(r, "interval_high"), r.path("problem").asText("")));
        }
        o.path("multipliers").fields().forEachRemaining(e ->
                multipliers.put(e.getKey(), new double[] {num(e.getValue(), "params"), num(e.getValue(), "compute")}));
        String supported = o.path("supported_law").asText("");
        return new MoeSection.LawFit(String.valueOf(fit.id()), o.path("balance").asText(""), o.path("target").asText(""),
                supported.equals("null") ? "" : supported, o.path("supported_because").asText(""), num(o, "predicted_loss"),
                num(o, "interval_low"), num(o, "interval_high"), rows);
    }

    /** A number field; missing, null or "NaN" (Jackson writes non-finite doubles as strings) give NaN. */
    private static double num(JsonNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) {
            return Double.NaN;
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        try {
            return Double.parseDouble(v.asText());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private record Summary(double min, double max, double meanImbalance, long fromStep, long toStep) {}

    /** Min and max share and the mean of (max share × E) per layer over the last {@link #LAST_FRACTION} of steps. */
    static Summary summary(List<ExpertShare> shares) {
        if (shares.isEmpty()) {
            return null;
        }
        long last = shares.get(shares.size() - 1).step();
        long first = shares.get(0).step();
        long from = last - (long) Math.floor(LAST_FRACTION * (last - first));
        double min = Double.POSITIVE_INFINITY, max = 0;
        int experts = 1 + shares.stream().mapToInt(ExpertShare::expert).max().orElse(0);
        Map<String, Double> layerMax = new LinkedHashMap<>(); // "step/layer" -> max share
        for (ExpertShare s : shares) {
            if (s.step() >= from) {
                min = Math.min(min, s.share());
                max = Math.max(max, s.share());
                layerMax.merge(s.step() + "/" + s.layer(), s.share(), Math::max);
            }
        }
        double imbalance = layerMax.values().stream().mapToDouble(v -> v * experts).average().orElse(Double.NaN);
        return new Summary(min, max, imbalance, from, last);
    }

    /** Per step, every expert's share averaged over layers (each layer's shares sum to 1), thinned for the chart. */
    static List<MoeSection.ExpertLoad> loads(List<ExpertShare> shares) {
        TreeMap<Long, TreeMap<Integer, double[]>> byStep = new TreeMap<>(); // step -> expert -> {sum, layers}
        for (ExpertShare s : shares) {
            double[] v = byStep.computeIfAbsent(s.step(), k -> new TreeMap<>()).computeIfAbsent(s.expert(), k -> new double[2]);
            v[0] += s.share();
            v[1]++;
        }
        List<Long> steps = new ArrayList<>(byStep.keySet());
        int stride = Math.max(1, (int) Math.ceil(steps.size() / (double) CHART_POINTS));
        List<MoeSection.ExpertLoad> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i += stride) {
            List<Double> fr = new ArrayList<>();
            byStep.get(steps.get(i)).values().forEach(v -> fr.add(v[0] / v[1]));
            double sum = fr.stream().mapToDouble(Double::doubleValue).sum();
            out.add(new MoeSection.ExpertLoad(steps.get(i), fr.stream().map(f -> f / sum).toList()));
        }
        return out;
    }
}
