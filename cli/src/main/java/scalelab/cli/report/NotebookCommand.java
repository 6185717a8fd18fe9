package scalelab.cli.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code scalelab notebook NAME}: runs notebooks/NAME.jsh; fails if a snippet fails or no figure is written. */
@Command(name = "notebook", mixinStandardHelpOptions = true,
        description = {"Run a JShell notebook (notebooks/NAME.jsh, or a path to a .jsh file) against the built project. "
                + "Exits non-zero if any snippet fails to compile or throws, or if the notebook writes nothing into OUT."})
public final class NotebookCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Notebook name (file stem in notebooks/) or path.")
    String name;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the notebook writes figures (OUT; default reports-out/notebooks/NAME).")
    Path out;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the notebook's own printout goes to standard error and standard output gets one "
                    + "document naming what it wrote (default: ${DEFAULT-VALUE})")
    String format;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path repo = repoRoot();
        Path notebook = resolve(repo);
        String stem = notebook.getFileName().toString().replaceFirst("\\.jsh$", "");
        Path dir = out != null ? out : Path.of("reports-out", "notebooks", stem);
        boolean json = scalelab.cli.JsonOutput.requested(format);
        var err = spec.commandLine().getErr();
        var o = json ? err : spec.commandLine().getOut();
        o.println("notebook " + notebook + " → " + dir.toAbsolutePath().normalize());
        o.flush();
        NotebookRunner.Result r = NotebookRunner.run(notebook, dir, repo, json ? System.err : System.out);
        if (!r.ok()) {
            err.println("scalelab notebook: " + r.failure());
            return 1;
        }
        if (r.outputs().isEmpty()) {
            err.println("scalelab notebook: " + notebook + " ran " + r.snippets() + " snippets but wrote nothing into " + dir);
            return 1;
        }
        o.println("notebook " + stem + ": " + r.snippets() + " snippets ran; wrote " + r.outputs().size() + " files:");
        r.outputs().forEach(p -> o.println("  " + p));
        o.flush();
        if (json) {
            var doc = scalelab.cli.JsonOutput.object();
            doc.put("notebook", stem);
            doc.put("file", notebook.toAbsolutePath().normalize().toString());
            doc.put("out", dir.toAbsolutePath().normalize().toString());
            doc.put("snippets", r.snippets());
            var files = doc.putArray("outputs");
            r.outputs().forEach(p -> files.add(p.toString()));
            scalelab.cli.JsonOutput.print(spec.commandLine().getOut(), doc);
        }
        return 0;
    }

    private Path resolve(Path repo) {
        Path asPath = Path.of(name);
        if (name.endsWith(".jsh") && Files.isRegularFile(asPath)) {
            return asPath;
        }
        Path p = repo.resolve("notebooks").resolve(name.endsWith(".jsh") ? name : name + ".jsh");
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("no notebook " + p + " (give a name from notebooks/ or a path to a .jsh file)");
        }
        return p;
    }

    /** The launcher sets scalelab.home; tests set scalelab.repoRoot; else the working directory. */
    static Path repoRoot() {
        for (String prop : new String[] {"scalelab.home", "scalelab.repoRoot"}) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) {
                return Path.of(v);
            }
        }
        return Path.of("").toAbsolutePath();
    }
}
