package scalelab.cli.fit;

import java.util.Locale;
import picocli.CommandLine.Option;
import scalelab.fitting.Approach3;
import scalelab.fitting.LossObjective;
import scalelab.fitting.Units;
import scalelab.fitting.Vpnls;
import scalelab.registry.io.Decimals;

/** Options shared by fit, bootstrap and backtest (picocli mixin). */
final class FitOptions {
    @Option(names = "--loss", defaultValue = "mse",
            description = "VPNLS objective: mse (project default, chosen by backtests) or huber (default: ${DEFAULT-VALUE})")
    String loss;

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

    LossObjective objective() {
        return switch (loss.toLowerCase(Locale.ROOT)) {
            case "mse" -> LossObjective.MSE;
            case "huber" -> LossObjective.huber(delta);
            default -> throw new IllegalArgumentException("--loss must be mse or huber, got '" + loss + "'");
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
