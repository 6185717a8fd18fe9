package scalelab.cli.fit;

import java.util.Locale;
import picocli.CommandLine.Option;
import scalelab.fitting.Approach3;
import scalelab.fitting.FitMethod;
import scalelab.fitting.LossObjective;
import scalelab.fitting.Units;
import scalelab.fitting.Vpnls;
import scalelab.registry.io.Decimals;

/** Options shared by fit, bootstrap and backtest (picocli mixin). */
final class FitOptions {
    String loss = "mse";
    boolean lossGiven;

    // `--loss X` is a measured loss in `check`: the fit's objective is --objective (--loss kept hidden for scripts).
    @Option(names = {"--objective"}, paramLabel = "mse|huber",
            description = "VPNLS objective: mse, least squares (the sum of squared residuals; project default, chosen by"
                    + " backtests) or huber (default: mse)")
    void loss(String value) {
        loss = value;
        lossGiven = true;
    }

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--loss", hidden = true, paramLabel = "mse|huber")
    void legacyLoss(String value) {
        loss(value);
    }

    @Option(names = "--delta", defaultValue = "1e-3", description = "Huber threshold (default: ${DEFAULT-VALUE})")
    double delta;

    @Option(names = "--resolution", defaultValue = "0.01", description = "VPNLS final grid step of (α, β) (default: ${DEFAULT-VALUE})")
    double resolution;

    @Option(names = "--coarse-step", defaultValue = "0.05",
            description = "VPNLS grid step over the whole box; a finer grid at --resolution is laid around its optimum "
                    + "(set equal to --resolution for one dense grid; default: ${DEFAULT-VALUE})")
    double coarseStep;

    @Option(names = "--no-refine", description = "VPNLS: keep the grid optimum (no Nelder–Mead polish)")
    boolean noRefine;

    @Option(names = "--irls-iterations", defaultValue = "10",
            description = "VPNLS Huber: IRLS steps per (α, β), 10 as published; 0 = to convergence (default: ${DEFAULT-VALUE})")
    int irlsIterations;

    @Option(names = "--box", defaultValue = "0.01,1.5",
            description = "VPNLS search range for both α and β, as MIN,MAX (default: ${DEFAULT-VALUE})")
    String box;

    @Option(names = "--params-scale", defaultValue = "1e6", description = "VPNLS normalisation: N is fitted as N / this (default: ${DEFAULT-VALUE})")
    double paramsScale;

    @Option(names = "--tokens-scale", defaultValue = "1e9", description = "VPNLS normalisation: D is fitted as D / this (default: ${DEFAULT-VALUE})")
    double tokensScale;

    /** The fit methods by name, the same in fit, bootstrap and backtest. */
    static final String METHODS = "vpnls (least squares, = vpnls-mse), vpnls-huber (= vpnls --objective huber), approach3 or approach2";

    /**
     * The fit method {@code name} names: vpnls, approach3, approach2, or the panel's spellings vpnls-mse and
     * vpnls-huber (which also set the VPNLS objective, so `fit --method vpnls-huber` fits what `backtest --method
     * vpnls-huber` backtests).
     */
    FitMethod method(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "vpnls-mse" -> {
                requireLoss("mse", name);
                return FitMethod.VPNLS;
            }
            case "vpnls-huber" -> {
                requireLoss("huber", name);
                return FitMethod.VPNLS;
            }
            default -> {
                try {
                    return FitMethod.parse(n);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown fit method '" + name + "' (expected " + METHODS + ")");
                }
            }
        }
    }

    private void requireLoss(String wanted, String method) {
        if (lossGiven && !loss.equalsIgnoreCase(wanted)) {
            throw new IllegalArgumentException("--method " + method + " fits " + wanted + "; it contradicts --objective " + loss);
        }
        loss = wanted;
    }

    LossObjective objective() {
        return switch (loss.toLowerCase(Locale.ROOT)) {
            case "mse" -> LossObjective.MSE;
            case "huber" -> LossObjective.huber(delta);
            default -> throw new IllegalArgumentException("--objective must be mse or huber, got '" + loss + "'");
        };
    }

    Vpnls.Options vpnls() {
        String[] b = box.split(",");
        if (b.length != 2) {
            throw new IllegalArgumentException("--box must be MIN,MAX, got '" + box + "'");
        }
        double lo, hi;
        try {
            lo = Decimals.parse(b[0].trim());
            hi = Decimals.parse(b[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--box must be MIN,MAX, two numbers, got '" + box + "': " + e.getMessage());
        }
        if (!(lo > 0 && hi > lo)) {
            throw new IllegalArgumentException("--box must be MIN,MAX with 0 < MIN < MAX, got '" + box + "'");
        }
        return new Vpnls.Options(objective(), new Units(paramsScale, tokensScale), lo, hi, lo, hi, resolution,
                Math.max(resolution, coarseStep), !noRefine, irlsIterations);
    }

    Approach3.Options approach3() {
        Approach3.Options e = Approach3.Options.epoch();
        return new Approach3.Options(delta, e.alphas(), e.betas(), e.es(), e.as(), e.bs());
    }
}
