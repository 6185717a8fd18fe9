package scalelab.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.io.DataDirectory;

/**
 * docs/java-api.md's example, taken from the page itself, compiled against this module's classpath and run on the
 * Chinchilla IsoFLOP data: what a library user copies compiles and does what the page says.
 */
class JavaApiDocTest {

    static Path repoRoot() {
        String root = System.getProperty("scalelab.repoRoot");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    /** The single ```java block of the page. */
    static String example(String page) {
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(page);
        assertTrue(m.find(), "docs/java-api.md has no ```java block");
        String code = m.group(1);
        assertTrue(!m.find(), "docs/java-api.md should have one ```java block (the example this test runs)");
        return code;
    }

    @Test
    void theDocumentedExampleCompilesAndFilesAForecast(@TempDir Path dir) throws Exception {
        String page = Files.readString(repoRoot().resolve("docs/java-api.md"), StandardCharsets.UTF_8);
        String code = example(page);
        Matcher cls = Pattern.compile("public class (\\w+)").matcher(code);
        assertTrue(cls.find(), "the example declares a public class");
        Path src = dir.resolve("src").resolve(cls.group(1) + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, code, StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(dir.resolve("classes"));

        // Surefire runs tests from a manifest-only jar; the real test classpath is in surefire.test.class.path.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-proc:none", "-cp", classpath, "-d", classes.toString(),
                src.toString());
        assertEquals(0, rc, "the example in docs/java-api.md does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        Path db = dir.resolve("example.duckdb");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass(cls.group(1)).getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[] {DataDirectory.dataFile("chinchilla-isoflops.csv").toString(), db.toString()});
            } finally {
                System.setOut(stdout);
            }
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        stdout.print(out);
        assertTrue(out.contains("fit: CONVERGED"), out);
        assertTrue(out.contains("forecast at 1e22 FLOPs: "), out);
        assertTrue(out.contains("ledger intact: true"), out);

        // What the page says it does is in the database: 124 runs, one fit, one signed prediction at 1e22 FLOPs.
        try (Registry r = Registry.open(db)) {
            assertEquals(124, r.runs("chinchilla").size());
            List<Prediction> filed = r.predictions();
            assertEquals(1, filed.size());
            Prediction p = filed.get(0);
            assertEquals("chinchilla-1e22", p.targetName());
            assertEquals(1e22, p.compute(), 0);
            assertTrue(p.method().startsWith("forecaster: "), p.method());
            assertTrue(p.intervalLow() < p.predictedLoss() && p.predictedLoss() < p.intervalHigh(), p.toString());
            assertTrue(out.contains("entry hash " + p.entryHash()), out);
            assertTrue(r.verifyLedger().intact());
        }
        assertTrue(new File(classes.toFile(), cls.group(1) + ".class").isFile());
    }
}
