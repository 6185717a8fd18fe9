package scalelab.ladder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.hparams.LearningRateSweepFit;
import scalelab.training.RunSpec;
import scalelab.training.TrainingResult;

/**
 * A learning-rate sweep planned from a ladder spec: at each budget × width, the run the ladder's rules give (depth,
 * heads, batch, schedule; the first family), trained at the rule's learning rate times each factor. Budgets and
 * widths together give cells of different width and token horizon, so the fit can tell how the best rate moves with
 * each ({@link LearningRateSweepFit}). Runs are named {@code LADDER-sweep-C…-dW-lr×F} and recorded under the ladder
 * name + {@code -sweep}.
 */
public final class LearningRateSweep {
    private final LadderSpec spec;
    private final List<Double> budgets;
    private final List<Integer> widths;
    private final List<Double> factors;

    public LearningRateSweep(LadderSpec spec, List<Double> budgets, List<Integer> widths, List<Double> factors) {
        if (budgets.isEmpty() || widths.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one budget and one width");
        }
        if (factors.size() < 3) {
            throw new IllegalArgumentException("a sweep needs at least three learning-rate factors to find a minimum, got " + factors);
        }
        for (double f : factors) {
            if (!(f > 0) || !Double.isFinite(f)) {
                throw new IllegalArgumentException("learning-rate factors must be positive, got " + f);
            }
        }
        if (factors.stream().distinct().count() != factors.size()) {
            throw new IllegalArgumentException("learning-rate factors repeat: " + factors);
        }
        this.spec = spec;
        this.budgets = List.copyOf(budgets);
        this.widths = List.copyOf(widths);
        this.factors = factors.stream().sorted().toList();
    }

    public String ladderName() {
        return spec.name() + "-sweep";
    }

    /** Every run of the sweep, by budget, then width, then factor. */
    public List<PlannedRun> plan(LadderPlanner planner) {
        String family = spec.families().get(0).name();
        List<PlannedRun> runs = new ArrayList<>();
        for (double budget : budgets) {
            for (int width : widths) {
                PlannedRun base = planner.planTarget(spec, new LadderSpec.Target("sweep", budget, width, family));
                for (double f : factors) {
                    RunSpec s = base.spec();
                    String name = String.format(Locale.ROOT, "%s-C%.3g-d%d-lr×%s", ladderName(), budget, width, trim(f));
                    RunSpec scaled = s.withNameAndLearningRate(name, s.learningRate() * f);
                    runs.add(new PlannedRun(base.family(), budget, width, scaled, base.estimatedSeconds(), base.evalTokens()));
                }
            }
        }
        return runs;
    }

    /**
     * The runs' losses as sweep trials: a completed run's final held-out loss, a diverged run's infinity (too high a
     * rate is an answer, not a gap); runs that did not finish for another reason are left out.
     */
    public static List<LearningRateSweepFit.Trial> trials(List<PlannedRun> runs, LadderWorkDir workDir) {
        List<LearningRateSweepFit.Trial> trials = new ArrayList<>();
        for (PlannedRun r : runs) {
            RunDir dir = workDir.run(r.specHash());
            TrainingResult result = dir.finishedResult(r.specHash());
            double loss;
            if (result != null) {
                loss = result.finalEvalLoss();
            } else if (diverged(dir, r.specHash())) {
                loss = Double.POSITIVE_INFINITY;
            } else {
                continue;
            }
            trials.add(new LearningRateSweepFit.Trial(r.width(), r.spec().batchSize(), r.tokens(), r.spec().learningRate(), loss));
        }
        return trials;
    }

    private static boolean diverged(RunDir dir, String specHash) {
        if (!java.nio.file.Files.isRegularFile(dir.result())) {
            return false;
        }
        TrainingResult r = TrainingResult.read(dir.result());
        return specHash.equals(r.specHash()) && TrainingResult.DIVERGED.equals(r.status());
    }

    /** The rule's batch exponent and the width/tokens exponents used when the sweep cannot determine them. */
    public LearningRateSweepFit.Result fit(List<LearningRateSweepFit.Trial> trials) {
        LadderSpec.LearningRate lr = spec.rules().lr();
        return LearningRateSweepFit.fit(trials, lr.batchExponent(), lr.widthExponent(), lr.tokensExponent());
    }

    private static String trim(double f) {
        return f == Math.rint(f) ? Long.toString((long) f) : Double.toString(f);
    }
}
