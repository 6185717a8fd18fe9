package scalelab.ladder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import scalelab.registry.io.PlausibleRange;
import scalelab.training.ModelConfig;
import scalelab.training.RunSpec;
import scalelab.training.TrainerOptions;

/**
 * Resolves a {@link LadderSpec} into runs planned to the FLOP: for every family × budget × width, the architecture
 * from the width rules, a batch size that keeps the step count near the target, steps from
 * {@link RunSpec#stepsForBudget}, and a check that the planned FLOPs are within {@link #MAX_BUDGET_ERROR} of the budget.
 */
public final class LadderPlanner {
    /** Largest allowed |planned FLOPs / budget − 1|. */
    public static final double MAX_BUDGET_ERROR = 0.01;

    private final ThroughputModel throughput;

    public LadderPlanner(ThroughputModel throughput) {
        this.throughput = throughput;
    }

    public LadderPlan plan(LadderSpec spec) {
        return plan(spec, Map.of());
    }

    /**
     * @param centreOverrides family → budget → N* to centre automatic sizes on instead of the spec's rule (adaptive
     *                        centring: N* predicted by a fit of the budgets already finished)
     */
    public LadderPlan plan(LadderSpec spec, Map<String, Map<Double, Double>> centreOverrides) {
        List<PlannedRun> runs = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Map<Double, Double>> centres = new LinkedHashMap<>();
        for (int fi = 0; fi < spec.families().size(); fi++) {
            LadderSpec.Family family = spec.families().get(fi);
            if (family.isMoe()) {
                checkMoeWidths(spec, fi);
            }
            for (int bi = 0; bi < spec.budgets().size(); bi++) {
                double budget = spec.budgets().get(bi);
                List<Integer> widths;
                if (spec.sizes().automatic()) {
                    Double override = centreOverrides.getOrDefault(family.name(), Map.of()).get(budget);
                    double nStar = override != null ? override : spec.sizes().nStar(budget);
                    centres.computeIfAbsent(family.name(), k -> new LinkedHashMap<>()).put(budget, nStar);
                    widths = automaticWidths(spec, family, nStar, budget, warnings);
                } else {
                    widths = spec.sizes().widths();
                }
                for (int width : widths) {
                    runs.add(planRun(spec, family, fi, bi, width));
                }
            }
        }
        Map<String, PlannedRun> byHash = new LinkedHashMap<>();
        for (PlannedRun r : runs) {
            PlannedRun same = byHash.putIfAbsent(r.specHash(), r);
            if (same != null) {
                throw spec.source().error("/families", "runs " + same.spec().name() + " and " + r.spec().name()
                        + " resolve to the same spec (identical families?): a run would be trained once for both");
            }
        }
        return new LadderPlan(spec, runs, centres, warnings);
    }

    /** The model a width resolves to under the spec's depth and head rules. */
    public static ModelConfig model(LadderSpec spec, LadderSpec.Family family, int width) {
        LadderSpec.Rules r = spec.rules();
        int layers = Math.max(r.minDepth(), (int) Math.round(width / (double) r.depthDivisor()));
        int heads = heads(width, r.headDim());
        return family.isMoe()
                ? ModelConfig.moe(spec.vocabSize(), width, layers, heads, spec.seqLen(), family.experts(), family.topK(), family.granularity())
                : ModelConfig.dense(spec.vocabSize(), width, layers, heads, spec.seqLen());
    }

    /** d / headDim rounded, lowered until it divides d with an even head width (rotary positions). */
    static int heads(int width, int headDim) {
        for (int h = Math.max(1, (int) Math.round(width / (double) headDim)); h > 1; h--) {
            if (width % h == 0 && (width / h) % 2 == 0) {
                return h;
            }
        }
        return 1;
    }

    private PlannedRun planRun(LadderSpec spec, LadderSpec.Family family, int familyIndex, int budgetIndex, int width) {
        return planRun(spec, family, spec.budgets().get(budgetIndex), width, "/budgets/" + budgetIndex,
                runName(spec, family, spec.budgets().get(budgetIndex), width));
    }

    /**
     * The run that a ladder target stands for: the target's family at its budget, at the target's width or else the
     * width whose active parameter count is nearest {@code nStar} (e.g. N* predicted by the ladder's fit), under the
     * ladder's depth, head, batch and learning-rate rules. Named {@code LADDER-target-NAME}.
     */
    public PlannedRun planTarget(LadderSpec spec, LadderSpec.Target target, double nStar) {
        LadderSpec.Family family = spec.families().stream().filter(f -> f.name().equals(target.family())).findFirst()
                .orElseThrow(() -> spec.source().error("/targets", "target " + target.name() + " names unknown family " + target.family()));
        int width = target.width() > 0 ? target.width() : nearestWidth(spec, family, nStar);
        return planRun(spec, family, target.budget(), width, "/targets",
                String.format(Locale.ROOT, "%s-target-%s-d%d", spec.name(), target.name(), width));
    }

    /**
     * The target as planned before any fit: at its width if it names one, else at the N* of the ladder's size rule
     * ({@link #ruleNStar}). The quickstart re-sizes a width-less target from the ladder's fit (N* there can differ), under
     * the same rules.
     */
    public PlannedRun planTarget(LadderSpec spec, LadderSpec.Target target) {
        return planTarget(spec, target, target.width() > 0 ? 0 : ruleNStar(spec, target.budget()));
    }

    /**
     * N* at {@code budget} under the spec's automatic-size rule; a ladder with explicit widths has none, so the
     * automatic sizes' default applies: D = 20·N, i.e. N* = (C / 120)^0.5.
     */
    public static double ruleNStar(LadderSpec spec, double budget) {
        return spec.sizes().automatic() ? spec.sizes().nStar(budget)
                : Math.sqrt(budget / (6 * LadderSpec.Sizes.DEFAULT_TOKENS_PER_PARAM));
    }

    private PlannedRun planRun(LadderSpec spec, LadderSpec.Family family, double budget, int width, String budgetPath, String name) {
        ModelConfig model;
        try {
            model = model(spec, family, width);
        } catch (IllegalArgumentException e) {
            throw spec.source().error(spec.sizes().automatic() ? "/sizes" : "/sizes/widths",
                    "width " + width + " gives no valid " + family.name() + " model: " + e.getMessage());
        }
        LadderSpec.Rules r = spec.rules();
        long seqLen = model.seqLen();
        double perToken = model.trainingFlopsPerToken();
        if (budget / perToken > PlausibleRange.MAX_TOKENS) {
            // checked before steps and tokens are counted in longs, where such a budget would overflow
            throw spec.source().error(budgetPath, String.format(Locale.ROOT,
                    "budget %.3g FLOPs is out of range for width %d (%s): it means %.3g training tokens, more than %.0e; "
                            + "lower the budget or plan larger widths", budget, width, family.name(), budget / perToken, PlausibleRange.MAX_TOKENS));
        }
        double idealBatch = budget / perToken / (seqLen * (double) r.targetSteps());
        List<Integer> candidates = batchCandidates(r.minBatch(), r.maxBatch(), r.batchMultiple());
        // start at the batch closest (in log) to the ideal, then go smaller until the step rounding is within 1%
        int start = 0;
        for (int i = 1; i < candidates.size(); i++) {
            if (Math.abs(Math.log(candidates.get(i) / idealBatch)) < Math.abs(Math.log(candidates.get(start) / idealBatch))) {
                start = i;
            }
        }
        for (int i = start; i >= 0; i--) {
            int batch = candidates.get(i);
            long steps = RunSpec.stepsForBudget(model, batch, budget);
            double planned = perToken * batch * seqLen * steps;
            if (Math.abs(planned / budget - 1) <= MAX_BUDGET_ERROR) {
                double lr = r.lr().at(width, batch, steps * batch * seqLen);
                RunSpec run = new RunSpec(name, model, batch, steps, lr,
                        spec.schedule().weightDecay(), spec.schedule().warmupFraction(), spec.schedule().type(),
                        spec.schedule().gradClip(), spec.seed(), spec.corpus(), spec.tokenizer(), budget,
                        family.balance(), family.capacityFactor(), family.auxLossCoef(), spec.schedule().finalLrFraction());
                // executors pass no --eval-every, so runs evaluate at the trainer's default interval (0)
                long evalTokens = TrainerOptions.evaluations(steps, 0) * spec.eval().tokens();
                PlannedRun planned1 = new PlannedRun(family.name(), budget, width, run,
                        throughput.estimateSeconds(model, steps, run.tokens(), evalTokens), spec.eval().tokens());
                if (Math.abs(planned1.budgetError()) > MAX_BUDGET_ERROR) {
                    throw new IllegalStateException("planned FLOPs of " + run.name() + " are " + planned1.budgetError() + " off the budget");
                }
                return planned1;
            }
        }
        double oneStep = perToken * candidates.get(0) * seqLen;
        throw spec.source().error(budgetPath, String.format(Locale.ROOT,
                "budget %.3g FLOPs is too small for width %d (%s): one step at batch %d already costs %.3g FLOPs, so no step count lands within 1%%; "
                        + "lower rules.batch.min, drop the width or raise the budget", budget, width, family.name(), candidates.get(0), oneStep));
    }

    /** The batches a run may get, ascending: min, the powers of two (multiple 0) or multiples of {@code multiple} between, max. */
    static List<Integer> batchCandidates(int min, int max, int multiple) {
        List<Integer> out = new ArrayList<>();
        out.add(min);
        if (multiple > 0) {
            for (long b = ((long) min / multiple + 1) * multiple; b < max; b += multiple) {
                out.add((int) b);
            }
        } else {
            for (int b = Integer.highestOneBit(min) * 2; b < max && b > 0; b *= 2) {
                if (b > min) {
                    out.add(b);
                }
            }
        }
        if (max > min) {
            out.add(max);
        }
        return out;
    }

    private List<Integer> automaticWidths(LadderSpec spec, LadderSpec.Family family, double nStar, double budget, List<String> warnings) {
        LadderSpec.Sizes s = spec.sizes();
        List<Integer> widths = new ArrayList<>();
        for (int i = 0; i < s.count(); i++) {
            double exponent = s.count() == 1 ? 0 : 2.0 * i / (s.count() - 1) - 1.0;
            double targetN = nStar * Math.pow(s.span(), exponent);
            int best = nearestWidth(spec, family, targetN);
            double bestDist = Math.abs(Math.log(model(spec, family, best).activeParams() / targetN));
            if (bestDist > Math.log(1.5)) {
                warnings.add(String.format(Locale.ROOT, "%s at %.3g FLOPs: wanted N=%.3g, nearest width %d has N=%d (clamped by min/max_width)",
                        family.name(), budget, targetN, best, model(spec, family, best).activeParams()));
            }
            if (!widths.contains(best)) {
                widths.add(best);
            }
        }
        if (widths.size() < s.count()) {
            warnings.add(String.format(Locale.ROOT, "%s at %.3g FLOPs: only %d distinct widths for %d sizes (width_step %d too coarse for span %.3g)",
                    family.name(), budget, widths.size(), s.count(), s.widthStep(), s.span()));
        }
        return widths;
    }

    /** The multiple of width_step within [min_width, max_width] whose active parameter count is nearest targetN (in log). */
    private static int nearestWidth(LadderSpec spec, LadderSpec.Family family, double targetN) {
        LadderSpec.Sizes s = spec.sizes();
        int best = -1;
        double bestDist = Double.POSITIVE_INFINITY;
        int first = ((s.minWidth() + s.widthStep() - 1) / s.widthStep()) * s.widthStep();
        for (int w = first; w <= s.maxWidth(); w += s.widthStep()) {
            double dist = Math.abs(Math.log(model(spec, family, w).activeParams() / targetN));
            if (dist < bestDist) {
                bestDist = dist;
                best = w;
            }
        }
        if (best < 0) {
            throw spec.source().error("/sizes", "no width that is a multiple of width_step within [min_width, max_width]");
        }
        return best;
    }

    private void checkMoeWidths(LadderSpec spec, int familyIndex) {
        LadderSpec.Family f = spec.families().get(familyIndex);
        List<Integer> widths = spec.sizes().automatic() ? List.of(spec.sizes().widthStep()) : spec.sizes().widths();
        for (int w : widths) {
            if ((4 * w) % f.granularity() != 0) {
                throw spec.source().error("/families/" + familyIndex + "/granularity",
                        "granularity " + f.granularity() + " does not divide the MLP width 4·d = " + 4 * w + " (width " + w + ")");
            }
        }
    }

    static String runName(LadderSpec spec, LadderSpec.Family family, double budget, int width) {
        return String.format(Locale.ROOT, "%s-%s-C%.2e-d%d", spec.name(), family.name(), budget, width).replace("+", "");
    }

    private static final Pattern BUDGET_RUN_SUFFIX = Pattern.compile("(.+)-C[0-9.]+e-?[0-9]+-d[0-9]+");

    /** The family of a budget run named by {@link #runName}, or null for any other name (a target run has no budget part). */
    static String familyOfRunName(String ladderName, String runName) {
        String prefix = ladderName + "-";
        if (!runName.startsWith(prefix) || runName.startsWith(prefix + "target-")) {
            return null;
        }
        Matcher m = BUDGET_RUN_SUFFIX.matcher(runName.substring(prefix.length()));
        return m.matches() ? m.group(1) : null;
    }
}
