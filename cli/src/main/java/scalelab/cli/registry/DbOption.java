package scalelab.cli.registry;

import picocli.CommandLine.Option;
import scalelab.registry.Registry;

/** The {@code --db FILE} option every registry command takes. */
public final class DbOption {
    @Option(names = "--db", paramLabel = "FILE",
            description = "Database file (default: $SCALELAB_DB, else ./scalelab.duckdb).")
    String db;

    public Registry open() {
        return Registry.open(Registry.resolvePath(db));
    }
}
