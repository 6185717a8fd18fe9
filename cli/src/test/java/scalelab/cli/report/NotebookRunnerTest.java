package scalelab.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class NotebookRunnerTest {
    private static final PrintStream SINK = new PrintStream(new ByteArrayOutputStream());

    /** Every notebook in notebooks/ runs to the end and writes at least one non-trivial PNG (what CI checks). */
    @TestFactory
    Stream<DynamicTest> everyNotebookRunsAndWritesFigures(@TempDir Path out) throws Exception {
        Path dir = ReportCommandTest.repo().resolve("notebooks");
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(dir)) {
            notebooks = s.filter(p -> p.toString().endsWith(".jsh")).sorted().toList();
        }
        assertTrue(notebooks.stream().anyMatch(p -> p.endsWith("approach2-bias.jsh")), "notebooks found: " + notebooks);
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(), () -> {
            Path figs = out.resolve(nb.getFileName().toString());
            NotebookRunner.Result r = NotebookRunner.run(nb, figs, ReportCommandTest.repo(), SINK);
            assertNull(r.failure());
            List<Path> pngs = r.outputs().stream().filter(p -> p.toString().endsWith(".png")).toList();
            assertFalse(pngs.isEmpty(), nb + " wrote no figure");
            for (Path png : pngs) {
                assertTrue(Files.size(png) > 10_000, png + " is too small to be a chart");
            }
            List<String> expected = switch (nb.getFileName().toString()) {
                case "approach2-bias.jsh" -> List.of("a2-nstar-error-vs-width", "a2-exponent-error-vs-width", "a2-isoflop-example");
                case "chinchilla-fits.jsh" -> List.of("isoflop", "frontier", "loss-frontier", "residuals");
                case "registry-loop.jsh" -> List.of("registry-loop-loss-frontier", "registry-loop-isoflop", "report/figures/backtest");
                default -> List.of();
            };
            for (String fig : expected) {
                assertTrue(Files.exists(figs.resolve(fig + ".png")) && Files.exists(figs.resolve(fig + ".svg")), fig);
            }
        }));
    }

    @Test
    void aThrowingSnippetFailsWithItsLine(@TempDir Path dir) throws Exception {
        Path nb = dir.resolve("throws.jsh");
        Files.writeString(nb, "int x = 1;\n\n// a comment\nif (x == 1) throw new IllegalStateException(\"boom\");\nint y = 2;\n");
        NotebookRunner.Result r = NotebookRunner.run(nb, dir.resolve("out"), dir, SINK);
        assertEquals("throws.jsh:4: snippet threw java.lang.IllegalStateException: boom", r.failure());
        assertEquals(2, r.snippets(), "stops at the failing snippet");
    }

    @Test
    void aSnippetThatDoesNotCompileFails(@TempDir Path dir) throws Exception {
        Path nb = dir.resolve("bad.jsh");
        Files.writeString(nb, "int x = \"text\";\n");
        NotebookRunner.Result r = NotebookRunner.run(nb, dir.resolve("out"), dir, SINK);
        assertTrue(r.failure() != null && r.failure().startsWith("bad.jsh:1: snippet does not compile"), r.failure());
    }

    @Test
    void anUndefinedReferenceFails(@TempDir Path dir) throws Exception {
        Path nb = dir.resolve("undef.jsh");
        Files.writeString(nb, "double f() { return missing(); }\n");
        NotebookRunner.Result r = NotebookRunner.run(nb, dir.resolve("out"), dir, SINK);
        assertTrue(r.failure() != null && r.failure().contains("undefined"), r.failure());
    }

    @Test
    void commandFailsWhenNotebookWritesNothing(@TempDir Path dir) throws Exception {
        Path nb = dir.resolve("quiet.jsh");
        Files.writeString(nb, "System.out.println(OUT.getFileName());\n");
        var r = scalelab.cli.CliRun.run("notebook", nb.toString(), "--out", dir.resolve("out").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("wrote nothing"), r.err());
    }

    @Test
    void aNotebookAnswersInJsonWithWhatItWrote(@TempDir Path dir) throws Exception {
        Path nb = dir.resolve("writes.jsh");
        Files.writeString(nb, "System.out.println(\"hello from the notebook\");\n"
                + "java.nio.file.Files.writeString(OUT.resolve(\"figure.txt\"), \"x\".repeat(100));\n");
        var r = scalelab.cli.CliRun.run("notebook", nb.toString(), "--out", dir.resolve("out").toString(), "--format", "json");
        assertEquals(0, r.exit(), r.out() + r.err());
        var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertEquals("writes", doc.get("notebook").asText());
        assertTrue(doc.get("snippets").asInt() >= 2, doc.toString());
        assertEquals(1, doc.get("outputs").size());
        assertTrue(doc.get("outputs").get(0).asText().endsWith("figure.txt"), doc.toString());
        assertFalse(r.out().contains("hello from the notebook"), "the notebook's printout stays off standard output");
    }
}
