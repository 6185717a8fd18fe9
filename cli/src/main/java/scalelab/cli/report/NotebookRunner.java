package scalelab.cli.report;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Runs a JShell notebook ({@code .jsh}: Java snippets, no /commands) in-process against the project's classpath, snippet
 * by snippet, stopping at the first snippet that does not compile, leaves a reference unresolved, or throws.
 * Before the notebook, {@code OUT} (a {@link Path}, created, where figures go) and {@code REPO} (the repository root)
 * are defined, with the jshell tool's default imports.
 */
public final class NotebookRunner {
    /** What the jshell tool imports by default, so a notebook also runs unchanged in {@code jshell}. */
    private static final List<String> DEFAULT_IMPORTS = List.of("java.io.*", "java.math.*", "java.net.*",
            "java.nio.file.*", "java.util.*", "java.util.concurrent.*", "java.util.function.*", "java.util.prefs.*",
            "java.util.regex.*", "java.util.stream.*");

    private static final java.util.Set<String> PRELUDE_VARS = java.util.Set.of("OUT", "REPO");

    /** The outcome: snippets run, and the failure (null when every snippet ran). */
    public record Result(int snippets, String failure, List<Path> outputs) {
        public boolean ok() {
            return failure == null;
        }
    }

    private NotebookRunner() {}

    public static Result run(Path notebook, Path outDir, Path repoRoot, PrintStream out) {
        String source;
        try {
            source = Files.readString(notebook);
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read notebook " + notebook + ": " + e.getMessage(), e);
        }
        // Local execution: snippets run in this JVM and see the classes the CLI was started with. Their System.out is
        // this JVM's, so it is pointed at `out` for the run.
        PrintStream stdout = System.out;
        System.setOut(out);
        try (JShell js = JShell.builder().executionEngine("local").out(out).err(out).build()) {
            for (String entry : classpath()) {
                js.addToClasspath(entry);
            }
            StringBuilder prelude = new StringBuilder();
            DEFAULT_IMPORTS.forEach(i -> prelude.append("import ").append(i).append(";\n"));
            prelude.append("final java.nio.file.Path OUT = java.nio.file.Path.of(").append(javaString(outDir.toAbsolutePath().toString())).append(");\n");
            prelude.append("final java.nio.file.Path REPO = java.nio.file.Path.of(").append(javaString(repoRoot.toAbsolutePath().toString())).append(");\n");
            String failure = evalAll(js, prelude.toString(), "(prelude)", out);
            if (failure != null) {
                return new Result(0, failure, List.of());
            }
            int[] count = {0};
            failure = evalAll(js, source, notebook.getFileName().toString(), out, count);
            return new Result(count[0], failure, listFiles(outDir));
        } finally {
            out.flush();
            System.setOut(stdout);
        }
    }

    private static String evalAll(JShell js, String source, String name, PrintStream out) {
        return evalAll(js, source, name, out, new int[1]);
    }

    /** Evaluates every complete snippet of {@code source}; returns the first failure (with its line) or null. */
    private static String evalAll(JShell js, String source, String name, PrintStream out, int[] count) {
        SourceCodeAnalysis sca = js.sourceCodeAnalysis();
        String remaining = source;
        while (!remaining.isBlank()) {
            int offset = source.length() - remaining.length();
            SourceCodeAnalysis.CompletionInfo ci = sca.analyzeCompletion(remaining);
            if (ci.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            int line = lineOf(source, offset + leadingSpace(remaining));
            if (!ci.completeness().isComplete()) {
                return name + ":" + line + ": incomplete snippet at end of file";
            }
            count[0]++;
            for (SnippetEvent ev : js.eval(ci.source())) {
                if (ev.causeSnippet() != null) {
                    // JShell re-compiles earlier snippets when a new import might change what their names mean, and a
                    // re-compiled variable loses its value. OUT and REPO are restored; a notebook variable lost this
                    // way would silently be null or 0, so that is a failure.
                    if (ev.snippet() instanceof jdk.jshell.VarSnippet v && ev.status().isDefined()
                            && ev.previousStatus().isDefined()) {
                        if (PRELUDE_VARS.contains(v.name())) {
                            js.eval(v.source());
                        } else {
                            return name + ":" + line + ": this snippet reset variable '" + v.name()
                                    + "' declared earlier (JShell re-defines variables after some imports): put imports first";
                        }
                    }
                    continue;
                }
                Snippet s = ev.snippet();
                if (ev.exception() != null) {
                    return name + ":" + line + ": snippet threw " + describe(ev.exception());
                }
                if (ev.status() == Snippet.Status.REJECTED) {
                    StringBuilder b = new StringBuilder(name + ":" + line + ": snippet does not compile");
                    js.diagnostics(s).forEach(d -> b.append("\n  ").append(message(d)));
                    return b.toString();
                }
                if (ev.status() == Snippet.Status.RECOVERABLE_DEFINED || ev.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                    return name + ":" + line + ": snippet refers to something undefined: "
                            + String.join(", ", js.unresolvedDependencies((jdk.jshell.DeclarationSnippet) s).toList());
                }
            }
            remaining = ci.remaining();
        }
        out.flush();
        return null;
    }

    private static String describe(Exception e) {
        String cls = e instanceof EvalException ee ? ee.getExceptionClassName() : e.getClass().getName();
        return cls + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String message(Diag d) {
        return d.getMessage(java.util.Locale.ROOT).replace('\n', ' ');
    }

    /** Length of the whitespace and comments before a snippet's first token (so errors point at the code line). */
    private static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length()) {
            if (Character.isWhitespace(s.charAt(i))) {
                i++;
            } else if (s.startsWith("//", i)) {
                int nl = s.indexOf('\n', i);
                i = nl < 0 ? s.length() : nl + 1;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
            } else {
                break;
            }
        }
        return i;
    }

    private static int lineOf(String s, int offset) {
        int line = 1;
        for (int i = 0; i < Math.min(offset, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /**
     * This JVM's classpath for the snippet compiler, with the Class-Path of manifest-only jars expanded (test runners
     * such as surefire start the JVM with one jar whose manifest lists the real classpath).
     */
    static List<String> classpath() {
        List<String> out = new java.util.ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            out.add(entry);
            if (entry.endsWith(".jar")) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(entry)) {
                    var mf = jar.getManifest();
                    String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        java.net.URI base = Path.of(entry).toAbsolutePath().toUri();
                        for (String ref : cp.trim().split("\\s+")) {
                            if (!ref.isEmpty()) {
                                out.add(Path.of(base.resolve(ref)).toString());
                            }
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // not a readable jar or an odd manifest entry: keep the entry itself, skip its manifest
                }
            }
        }
        return out;
    }

    private static String javaString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static List<Path> listFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
