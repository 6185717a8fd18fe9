package scalelab.fitting;

import java.util.List;
import java.util.Locale;

/** The fit methods by their CLI names. */
public enum FitMethod {
    VPNLS("vpnls"),
    APPROACH3("approach3"),
    APPROACH2("approach2");

    private final String cliName;

    FitMethod(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static FitMethod parse(String s) {
        for (FitMethod m : values()) {
            if (m.cliName.equals(s.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown fit method '" + s + "' (expected vpnls, approach3 or approach2)");
    }

    /**
     * Fits with this method. VPNLS uses {@code vpnls}; Approach 3 uses {@code approach3}; Approach 2 uses the grouping.
     */
    public FitResult fit(List<Observation> observations, BudgetGrouping grouping, Vpnls.Options vpnls,
                         Approach3.Options approach3) {
        return switch (this) {
            case VPNLS -> Vpnls.fit(observations, vpnls);
            case APPROACH3 -> Approach3.fit(observations, approach3);
            case APPROACH2 -> Approach2.fit(observations, grouping);
        };
    }
}
