package scalelab.cli.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;
import scalelab.fitting.LossSurface;
import scalelab.registry.FitRecord;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.io.DataDirectory;

/** `check --all` says which predictions it could not check, and why, instead of passing over them in silence. */
class CheckAllCommandTest {

    @Test
    void namesEveryUncheckedPredictionAndWhy(@TempDir Path dir) {
        String db = "--db=" + dir.resolve("c.duckdb");
        Path data = DataDirectory.dataFile("chinchilla-isoflops.csv");
        assertEquals(0, run("runs", "import", data.toString(), "--ladder", "chin", db).exit());
        try (Registry r = Registry.open(dir.resolve("c.duckdb"))) {
            var set = r.observationSet("chin");
            r.saveFit(new FitRecord(null, "vpnls", "mse", "CONVERGED", new LossSurface(1.69, 406.4, 410.7, 0.34, 0.28), 1e-4,
                    set.inputHash(), set.runIds(), "chin", "{}", java.util.List.of(), null));
        }
        assertEquals(0, run("predict", "--compute", "1e22", "--name", "nowhere", db).exit());
        assertEquals(0, run("predict", "--compute", "2e22", "--name", "old", db).exit());
        assertEquals(0, run("predict", "--compute", "3e22", "--name", "running", "--supersedes", "2", db).exit());
        try (Registry r = Registry.open(dir.resolve("c.duckdb"))) {
            r.upsertRun(RunRecord.planned("chin", "running", "spec-r", "{}", "dense", 1e9, 1e9, 5e12, 3e22, 3e22, null, "x"));
        }
        Result all = run("check", "--all", db);
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("prediction 1 (nowhere) not checked yet: no run is named 'nowhere'"), all.out());
        assertTrue(all.out().contains("--prediction 1 --run RUN_ID or --loss X"), all.out());
        assertTrue(all.out().contains("prediction 3 (running) not checked yet: its target run is [125 planned]"), all.out());
        assertFalse(all.out().contains("prediction 2 "), "a superseded prediction is not pending: " + all.out());

        assertEquals(0, run("check", "--prediction", "1", "--loss", "2.1", db).exit());
        assertFalse(run("check", "--all", db).out().contains("prediction 1 "), "checked predictions are not listed");
    }
}
