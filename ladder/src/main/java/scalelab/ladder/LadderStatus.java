package scalelab.ladder;

import scalelab.training.TrainingResult;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import scalelab.training.RunSpec;

/** What `ladder status NAME` shows: every run in the work directory with its state, read from the files alone. */
public final class LadderStatus {

    public record Entry(String name, String specHash, double budget, int width, long activeParams, long tokens,
                        RunState state, int attempts, Double finalLoss, String failure) {}

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
            out.add(new Entry(spec.name(), hash, spec.budgetFlops(), spec.model().dModel(), spec.model().activeParams(), spec.tokens(),
                    state, dir.attemptsStarted(), r == null ? null : r.finalEvalLoss(), state == RunState.FAILED ? dir.read("failed") : null));
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
}
