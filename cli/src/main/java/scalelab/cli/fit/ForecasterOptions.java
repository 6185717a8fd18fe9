package scalelab.cli.fit;

import picocli.CommandLine.Option;
import scalelab.fitting.forecast.Forecaster;

/** The options {@code forecast} and {@code backtest} share: the forecaster's level, bootstrap and pinned asymptote. */
public final class ForecasterOptions {
    @Option(names = "--level", defaultValue = "0.9", description = "the forecaster's interval level (default: ${DEFAULT-VALUE})")
    double level;

    // No picocli defaultValue: it would be applied after the hidden alias below and undo it.
    @Option(names = "--bootstrap-samples", paramLabel = "N",
            description = "the forecaster's bootstrap refits, for the interval's noise term (default: 100)")
    int bootstrap = 100;

    /** The spelling before the flags were unified (issue 16); kept, hidden, for scripts. */
    @Option(names = "--bootstrap", hidden = true, paramLabel = "N")
    void legacyBootstrap(int n) {
        bootstrap = n;
    }

    @Option(names = "--seed", defaultValue = "1", description = "bootstrap seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--asymptote", paramLabel = "L",
            description = "add Marin's law with L∞ pinned at L to the panel (asymptote-pinned; recorded as an assumption)")
    Double asymptote;

    /** The default forecaster with these settings. */
    Forecaster.Options options() {
        return Forecaster.Options.defaults(asymptote).withLevel(level).withBootstrap(bootstrap, seed);
    }
}
