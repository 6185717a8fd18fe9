package scalelab.cli.ladder;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import scalelab.cli.JsonOutput;
import scalelab.ladder.LadderStatus;
import scalelab.ladder.RunState;

/** {@code ladder status NAME --format json}: the runs, the counts by state and each budget's curve shape. */
final class LadderStatusJson {
    private LadderStatusJson() {}

    static ObjectNode of(String ladder, List<LadderStatus.Entry> entries) {
        ObjectNode root = JsonOutput.object();
        root.put("ladder", ladder);
        root.put("runs", entries.size());
        ObjectNode counts = root.putObject("counts");
        LadderStatus.counts(entries).forEach((state, n) -> counts.put(state.name().toLowerCase(Locale.ROOT), n));
        ArrayNode runs = root.putArray("entries");
        for (LadderStatus.Entry e : entries) {
            ObjectNode o = runs.addObject();
            o.put("name", e.name());
            o.put("spec_hash", e.specHash());
            o.put("family", e.family());
            o.put("budget", e.budget());
            o.put("width", e.width());
            o.put("active_params", e.activeParams());
            o.put("tokens", e.tokens());
            o.put("steps", e.steps());
            o.put("state", e.state().name().toLowerCase(Locale.ROOT));
            o.put("attempts", e.attempts());
            if (e.finalLoss() == null) {
                o.putNull("final_loss");
            } else {
                JsonOutput.putNumber(o, "final_loss", e.finalLoss());
            }
            o.put("failure", e.state() == RunState.FAILED && e.failure() != null ? e.failure().strip() : null);
        }
        ArrayNode shapes = root.putArray("budgets");
        for (LadderStatus.BudgetShape s : LadderStatus.shapes(entries)) {
            ObjectNode o = shapes.addObject();
            o.put("family", s.family());
            o.put("budget", s.budget());
            o.put("finished", s.finished());
            o.put("runs", s.runs());
            o.put("best_width", s.bestWidth());
            o.put("best_active_params", s.bestActiveParams());
            JsonOutput.putNumber(o, "best_loss", s.bestLoss());
            o.put("shape", s.shape().name().toLowerCase(Locale.ROOT));
            o.put("loss_follows_steps", s.lossFollowsSteps());
            o.put("meaning", s.describe());
        }
        return root;
    }
}
