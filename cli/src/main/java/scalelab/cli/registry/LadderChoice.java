package scalelab.cli.registry;

import java.util.List;
import scalelab.registry.Registry;

/** Which ladder a command without {@code --ladder} means: the only one there is, never a guess among several. */
public final class LadderChoice {
    private LadderChoice() {}

    /**
     * {@code ladder} when given; else the registry's only ladder (null when it has none); refuses when it holds several,
     * naming them: a fit or prediction silently taken from the wrong ladder would be filed under the wrong claim.
     *
     * @param command how to name the command in the message, e.g. "predict"
     */
    public static String require(Registry registry, String ladder, String command) {
        if (ladder != null) {
            return ladder;
        }
        List<String> ladders = registry.ladderNames();
        if (ladders.size() > 1) {
            throw new IllegalArgumentException(registry.file() + " holds " + ladders.size() + " ladders (" + String.join(", ", ladders)
                    + "): " + command + " will not guess which one; pass --ladder NAME");
        }
        return ladders.isEmpty() ? null : ladders.get(0);
    }
}
