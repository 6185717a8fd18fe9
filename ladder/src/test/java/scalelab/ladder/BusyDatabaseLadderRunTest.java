package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;

/** A ladder run records every run although another process keeps opening its database the whole time. */
class BusyDatabaseLadderRunTest {
    @TempDir
    Path tmp;

    private static final String SMALL = """
            name: busy
            seq_len: 64
            budgets: [1e11, 3e11]
            sizes: {widths: [32, 96]}
            rules: {head_dim: 16, batch: {min: 4, max: 64, target_steps: 100}}
            eval: {tokens: 4096}
            """;

    @Test
    void everyRunIsRecordedWhileAnotherProcessKeepsUsingTheDatabase() throws Exception {
        LadderSpec spec = LadderSpecReader.parse(SMALL, "busy.yaml");
        List<PlannedRun> planned = new LadderPlanner(ThroughputModel.DEFAULT).plan(spec).runs();
        Path db = tmp.resolve("registry.duckdb");
        LadderWorkDir wd = new LadderWorkDir(tmp.resolve("work"), spec.name());
        RegistryResultSink sink = new RegistryResultSink(db, spec.name(), SMALL, wd);

        Process user = new ProcessBuilder(TestSupport.javaBinary(), "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                DatabaseUserMain.class.getName(), db.toString(), "300").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader userOut = new BufferedReader(new InputStreamReader(user.getInputStream()));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LadderRunner.Summary s;
        String uses;
        try {
            assertEquals("USING", userOut.readLine());
            s = new LadderRunner(new LadderPlanner(ThroughputModel.DEFAULT), new LocalExecutor(TestSupport.trainerDouble(200)),
                    sink, new PrintStream(log, true)).run(spec, wd, new LadderRunner.Options(2, 0, false), null);
        } finally {
            user.getOutputStream().close();
            uses = userOut.readLine();
            assertTrue(user.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(planned.size(), s.finished(), log.toString());
        assertEquals(0, s.failed(), log.toString());
        int n = Integer.parseInt(uses.substring("USES ".length()));
        assertTrue(n >= planned.size(), "the other process used the database all along: " + uses);
        try (Registry r = Registry.open(db)) {
            List<RunRecord> runs = r.runs(spec.name());
            assertEquals(planned.size(), runs.size());
            for (RunRecord run : runs) {
                assertEquals(RunStatus.FINISHED, run.status(), run.name());
                assertNotNull(run.finalLoss(), run.name());
            }
        }
    }
}
