package scalelab.ladder;

import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.IsoFlopMinimum;
import scalelab.fitting.Observation;
import scalelab.training.TrainingResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import scalelab.training.RunSpec;

/** What `ladder status NAME` shows: every run in the work directory with its state, read from the files alone. */
public final class LadderStatus {

    /** One run; {@code family} is null for a target run (it belongs to no IsoFLOP budget). */
    public record Entry(String name, String specHash, String family, double budget, int width, long activeParams, long tokens,
                        long steps, RunState state, int attempts, Double finalLoss, String failure) {}

    /**
     * The IsoFLOP curve of one family at one budget, from its finished runs: whether it locates its minimum
     * ({@link IsoFlopMinimum}, the gate's test too), its best run, and whether the losses simply follow the runs' step
     * counts (the sign of under-trained runs, not of a size effect).
     */
    public record BudgetShape(String family, double budget, int finished, int runs, int bestWidth, long bestActiveParams,
                              double bestLoss, IsoFlopMinimum.Verdict shape, boolean lossFollowsSteps) {
        /** One line for the user: the shape and, when it is not a U, what to look at. */
        public String describe() {
            String follows = lossFollowsSteps
                    ? "; every run with more steps has lower loss: the runs look step-limited (raise batch.target_steps)" : "";
            return shape.meaning() + follows;
        }
    }

    /** Fewest finished sizes a budget needs before its curve can have an inside minimum. */
    public static final int MIN_SIZES_FOR_SHAPE = 3;
    /** Fewest finished sizes before a perfect loss-by-steps ordering counts as evidence (3 runs order by chance 1 in 6). */
    public static final int MIN_SIZES_FOR_STEP_ORDER = 4;

    private LadderStatus() {}

    public static List<Entry> read(LadderWorkDir workDir) {
        List<Entry> out = new ArrayList<>();
        for (RunDir dir : workDir.runs()) {
            RunSpec spec = LadderRunner.specOf(dir);
            String hash = spec.specHash();
            if (!dir.path().getFileName().toString().equals(hash)) {
                throw new IllegalStateException(dir.path() + ": spec.yaml does not hash to its directory name (edited by hand?)");
            }
            RunState state = dir.state(hash);
            TrainingResult r = dir.finishedResult(hash);
            out.add(new Entry(spec.name(), hash, LadderPlanner.familyOfRunName(workDir.ladderName(), spec.name()), spec.budgetFlops(),
                    spec.model().dModel(), spec.model().activeParams(), spec.tokens(), spec.steps(), state, dir.attemptsStarted(),
                    r == null ? null : r.finalEvalLoss(), state == RunState.FAILED ? dir.read("failed") : null));
        }
        out.sort(Comparator.comparingDouble(Entry::budget).thenComparingInt(Entry::width).thenComparing(Entry::name));
        return out;
    }

    public static Map<RunState, Integer> counts(List<Entry> entries) {
        Map<RunState, Integer> m = new EnumMap<>(RunState.class);
        for (RunState s : RunState.values()) {
            m.put(s, 0);
        }
        entries.forEach(e -> m.merge(e.state(), 1, Integer::sum));
        return m;
    }

    /** The IsoFLOP shape of every (family, budget) of the ladder's budget runs, in family then budget order. */
    public static List<BudgetShape> shapes(List<Entry> entries) {
        Map<String, Map<Double, List<Entry>>> groups = new LinkedHashMap<>();
        entries.stream().filter(e -> e.family() != null)
                .sorted(Comparator.comparing(Entry::family).thenComparingDouble(Entry::budget))
                .forEach(e -> groups.computeIfAbsent(e.family(), f -> new LinkedHashMap<>())
                        .computeIfAbsent(e.budget(), b -> new ArrayList<>()).add(e));
        List<BudgetShape> out = new ArrayList<>();
        groups.forEach((family, byBudget) -> byBudget.forEach((budget, runs) -> out.add(shapeOf(family, budget, runs))));
        return out;
    }

    /**
     * The shapes as printed lines (none when the ladder has no budget runs), ending in a warning when a budget has no
     * inside minimum: a fit needs one in every budget, so such a budget is named before anyone fits it.
     */
    public static List<String> shapeReport(List<Entry> entries) {
        List<BudgetShape> shapes = shapes(entries);
        List<String> lines = new ArrayList<>();
        if (shapes.isEmpty()) {
            return lines;
        }
        lines.add("IsoFLOP shape per budget (finished runs):");
        lines.add(String.format(Locale.ROOT, "%-10s %-9s %6s %10s %10s %8s  %s", "family", "budget", "sizes", "best width", "N_active", "loss", "shape"));
        for (BudgetShape b : shapes) {
            boolean any = b.finished() > 0;
            lines.add(String.format(Locale.ROOT, "%-10s %-9.3g %6s %10s %10s %8s  %s", b.family(), b.budget(), b.finished() + "/" + b.runs(),
                    any ? String.valueOf(b.bestWidth()) : "-", any ? String.valueOf(b.bestActiveParams()) : "-",
                    any ? String.format(Locale.ROOT, "%.4f", b.bestLoss()) : "-", b.describe()));
        }
        long noInsideMinimum = shapes.stream().filter(b -> b.finished() >= MIN_SIZES_FOR_SHAPE
                && b.shape() != IsoFlopMinimum.Verdict.INTERIOR).count();
        if (noInsideMinimum > 0) {
            lines.add(String.format(Locale.ROOT, "warning: %d budget(s) have no inside minimum: Approach 2 cannot place their vertex "
                    + "and a surface fit must extrapolate the optimum; the forecast gate counts them against the ladder", noInsideMinimum));
        }
        return lines;
    }

    private static BudgetShape shapeOf(String family, double budget, List<Entry> runs) {
        List<Entry> finished = runs.stream().filter(e -> e.state() == RunState.FINISHED && e.finalLoss() != null)
                .sorted(Comparator.comparingLong(Entry::activeParams)).toList();
        if (finished.isEmpty()) {
            return new BudgetShape(family, budget, 0, runs.size(), 0, 0, Double.NaN, IsoFlopMinimum.Verdict.TOO_FEW_SIZES, false);
        }
        int best = 0;
        for (int i = 1; i < finished.size(); i++) {
            if (finished.get(i).finalLoss() < finished.get(best).finalLoss()) {
                best = i;
            }
        }
        // The test the forecaster and the forecast gate apply, so the three never disagree about a budget.
        List<Observation> observations = finished.stream()
                .map(e -> Observation.inBudget(e.activeParams(), e.tokens(), budget, e.finalLoss())).toList();
        IsoFlopMinimum.Verdict shape = IsoFlopMinimum.of(observations,
                new BudgetGrouping.Budget(budget, IntStream.range(0, observations.size()).boxed().toList()));
        Entry b = finished.get(best);
        return new BudgetShape(family, budget, finished.size(), runs.size(), b.width(), b.activeParams(), b.finalLoss(), shape,
                finished.size() >= MIN_SIZES_FOR_STEP_ORDER && lossFallsWithSteps(finished));
    }

    /** True when ordering the runs by steps orders their losses exactly the other way (distinct step counts required). */
    private static boolean lossFallsWithSteps(List<Entry> runs) {
        List<Entry> bySteps = runs.stream().sorted(Comparator.comparingLong(Entry::steps)).toList();
        for (int i = 1; i < bySteps.size(); i++) {
            if (bySteps.get(i).steps() == bySteps.get(i - 1).steps() || !(bySteps.get(i).finalLoss() < bySteps.get(i - 1).finalLoss())) {
                return false;
            }
        }
        return true;
    }
}
