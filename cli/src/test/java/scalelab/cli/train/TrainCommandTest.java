package scalelab.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import scalelab.cli.Main;
import scalelab.training.RunSpec;
import scalelab.training.RunSpecYaml;
import scalelab.training.TrainingResult;

class TrainCommandTest {
    private static final String FIXTURE = Path.of(System.getProperty("scalelab.repoRoot", ".."))
            .resolve("examples/corpus-fixture/moby-dick").toString();

    private record Outcome(int exitCode, String err) {}

    private static Outcome run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Outcome(code, err.toString());
    }

    private static List<String> tiny(Path runDir, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--d-model", "32", "--layers", "1", "--heads", "4", "--seq-len", "32",
                "--batch", "4", "--corpus", FIXTURE, "--run-dir", runDir.toString(), "--eval-tokens", "512", "--no-progress"));
        args.addAll(List.of(extra));
        return args;
    }

    private static void assertFailsWith(String expected, List<String> args) {
        Outcome o = run(args.toArray(String[]::new));
        assertEquals(2, o.exitCode(), o.err());
        assertTrue(o.err().contains(expected), o.err());
        assertEquals(1, o.err().strip().lines().count(), "one clear line: " + o.err());
    }

    @Test
    void badSettingsFailBeforeTrainingWithOneClearMessage(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        List<String> heads = tiny(runDir, "--tokens", "4096");
        heads.set(heads.indexOf("--heads") + 1, "5");
        assertFailsWith("heads (5) must divide d_model (32)", heads);
        assertFailsWith("--tokens must be positive", tiny(runDir, "--tokens", "0"));
        assertFailsWith("exactly one of --tokens and --flops", tiny(runDir));
        assertFailsWith("less than one step", tiny(runDir, "--tokens", "10"));
        List<String> missing = tiny(runDir, "--tokens", "4096");
        missing.set(missing.indexOf("--corpus") + 1, tmp.resolve("nowhere").toString());
        assertFailsWith("does not exist", missing);
        Path small = Files.createDirectories(tmp.resolve("small"));
        Files.writeString(small.resolve("a.txt"), "A short document.");
        Files.writeString(small.resolve("b.txt"), "Another short document.");
        List<String> tooSmall = tiny(runDir, "--tokens", "4096");
        tooSmall.set(tooSmall.indexOf("--corpus") + 1, small.toString());
        assertFailsWith("fewer than one batch", tooSmall);
        Path spec = tmp.resolve("spec.yaml");
        Files.writeString(spec, "not: [valid");
        Outcome malformed = run("train", "--config", spec.toString(), "--run-dir", runDir.toString());
        assertEquals(2, malformed.exitCode());
        assertTrue(malformed.err().contains("spec.yaml:1: not valid YAML"), malformed.err());
        Files.writeString(spec, "name: x\n");
        assertFailsWith("Missing creator property 'model'", List.of("train", "--config", spec.toString(), "--run-dir", runDir.toString()));
        RunSpec valid = new RunSpec("x", scalelab.training.ModelConfig.dense(256, 32, 1, 4, 32), 4, 5, 1e-3, 0.1, 0.1, "cosine",
                1, 1, FIXTURE, "byte", 0, "none", 0, 0);
        Files.writeString(spec, RunSpecYaml.toYaml(valid) + "bogus: 1\n");
        assertFailsWith("bogus", List.of("train", "--config", spec.toString(), "--run-dir", runDir.toString()));
        assertFailsWith("--config fixes the run", List.of("train", "--config", spec.toString(), "--d-model", "64"));
        assertFalse(Files.exists(runDir.resolve("checkpoint.bin")), "nothing may be trained by a rejected command");
    }

    @Test
    void flopsBudgetsWholeStepsCannotHitWithinOnePercentAreRefusedWithTheNearestOnes(@TempDir Path tmp) {
        Path runDir = tmp.resolve("run");
        // the tiny() model and batch, FLOPs per step counted from its shape
        double step = scalelab.training.ModelConfig.dense(256, 32, 1, 4, 32).trainingFlopsPerToken() * 4 * 32;
        String tenAndAHalf = String.format(java.util.Locale.ROOT, "%.6g", 10.5 * step);
        assertFailsWith(String.format(java.util.Locale.ROOT, "nearest budgets: %.4g (10 steps) or %.4g (11 steps)", 10 * step, 11 * step),
                tiny(runDir, "--flops", tenAndAHalf));
        Outcome o = run(tiny(runDir, "--flops", tenAndAHalf).toArray(String[]::new));
        assertTrue(o.err().contains("cannot be hit within 1%") && o.err().contains("batch 4 × seq-len 32"), o.err());
        // below one step: one step is the only budget near it
        assertFailsWith(String.format(java.util.Locale.ROOT, "1 step give %.4g (+233.3%%); nearest budgets: %.4g (1 step)", step, step),
                tiny(runDir, "--flops", String.format(java.util.Locale.ROOT, "%.6g", 0.3 * step)));
        // 100.4 steps round to 100, 0.4% off: within the promise, so not refused (checked without training: steps in the spec)
        List<String> within = tiny(runDir, "--flops", String.format(java.util.Locale.ROOT, "%.8g", 100.4 * step));
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(within.subList(1, within.size()).toArray(String[]::new));
        RunSpec ok = cmd.spec();
        assertEquals(100, ok.steps());
        assertFalse(Files.exists(runDir.resolve("checkpoint.bin")), "nothing may be trained by a rejected command");
    }

    @Test
    void trainsFromFlagsThenFromItsOwnSpecFileIdempotently(@TempDir Path tmp) {
        Path runDir = tmp.resolve("run");
        Outcome first = run(tiny(runDir, "--flops", "6e8", "--checkpoint-every", "5").toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.err());
        TrainingResult result = TrainingResult.read(runDir.resolve("result.json"));
        assertEquals(TrainingResult.COMPLETED, result.status());
        assertTrue(Math.abs(result.plannedFlops() / 6e8 - 1) <= 0.01, "budget hit within 1%: " + result.plannedFlops());
        assertEquals(result.plannedFlops(), result.countedFlops(), 1e-6 * result.plannedFlops());
        RunSpec written = RunSpecYaml.read(runDir.resolve("spec.yaml"));
        assertEquals(result.specHash(), written.specHash());

        // what the ladder executors run: the spec file, the same run dir and eval tokens → nothing to do, same result
        Outcome again = run("train", "--config", runDir.resolve("spec.yaml").toString(), "--run-dir", runDir.toString(),
                "--eval-tokens", "512", "--no-progress");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(result, TrainingResult.read(runDir.resolve("result.json")));
    }

    @Test
    void trainsWithTheGpt2Tokenizer(@TempDir Path tmp) {
        Path runDir = tmp.resolve("run");
        Outcome o = run(tiny(runDir, "--tokenizer", "gpt2", "--tokens", "4096").toArray(String[]::new));
        assertEquals(0, o.exitCode(), o.err());
        RunSpec written = RunSpecYaml.read(runDir.resolve("spec.yaml"));
        assertEquals("gpt2", written.tokenizer());
        assertEquals(50257, written.model().vocabSize());
        TrainingResult result = TrainingResult.read(runDir.resolve("result.json"));
        assertEquals(TrainingResult.COMPLETED, result.status());
        assertTrue(result.finalEvalBitsPerByte() < result.finalEvalLoss() / Math.log(2) / 3,
                "a GPT-2 token stands for several bytes: " + result);
        assertFailsWith("--tokenizer must be byte or gpt2", tiny(runDir, "--tokenizer", "words", "--tokens", "4096"));
    }
}
