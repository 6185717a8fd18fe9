package scalelab.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Opens the rendered report in headless Chromium from disk (Debian package {@code chromium}), checks that every image
 * decoded and no script error happened, and takes a screenshot (kept in reports/target/chromium-report/ to look at).
 * Under bin/test (SCALELAB_TEST_SERVICES=required) or in CI (CI=true) a missing Chromium fails the test; elsewhere it
 * is skipped, saying why on stderr.
 */
class ReportChromiumTest {
    /** Runs first in the page: records every script error into the DOM. */
    private static final String ERROR_PROBE = """
            <script>window.__errors=[];window.addEventListener('error',function(e){window.__errors.push(
            String(e.message||(e.target&&e.target.src?'resource failed: '+e.target.src.slice(0,40):'error')))},true);</script>
            """;
    /** Runs after load: every image complete with a width, no errors so far; the verdict goes into the DOM. */
    private static final String IMAGE_PROBE = """
            <script>window.addEventListener('load',function(){var bad=[];var imgs=document.images;
            for(var i=0;i<imgs.length;i++){if(!(imgs[i].complete&&imgs[i].naturalWidth>0))bad.push(imgs[i].alt);}
            var r=document.createElement('pre');r.id='scalelab-check';
            r.textContent='CHECK images='+imgs.length+' broken='+bad.length+' ['+bad.join('|')+'] errors='
            +window.__errors.length+' ['+window.__errors.join('|')+'] END';document.body.appendChild(r);});</script>
            """;

    /** What the probes found on a page. */
    record Probe(int images, int broken, String brokenAlts, int errors, String errorMessages) {}

    @Test
    void reportOpensInChromiumWithEveryImageDecoded() throws Exception {
        Path chromium = requireChromium();
        Path out = Path.of(System.getProperty("user.dir"), "target", "chromium-report");
        ReportWriter.ReportFiles files = ReportWriter.write(ReportFixtures.full(), out);
        String html = Files.readString(files.html());
        ReportWriterTest.assertNoExternalReferences(html);

        Probe p = probe(chromium, html, out.resolve("report-probed.html"));
        assertEquals(files.figures().size(), p.images(), "images on the page");
        assertEquals(0, p.broken(), "broken images: " + p.brokenAlts());
        assertEquals(0, p.errors(), "script errors: " + p.errorMessages());

        Path shot = out.resolve("screenshot.png");
        Files.deleteIfExists(shot);
        runChromium(chromium, List.of("--screenshot=" + shot, "--window-size=1280,2400", "--hide-scrollbars",
                files.html().toUri().toString()));
        assertTrue(Files.exists(shot), "no screenshot written");
        assertTrue(ReportWriterTest.drawnPixelShare(shot) > 0.05, "screenshot is (nearly) blank");
    }

    /** The report of a registry-backed ladder (imported runs, curves, stored fits, a checked prediction) opens cleanly. */
    @Test
    void registryReportOpensInChromium(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path chromium = requireChromium();
        scalelab.reports.model.ReportInput in;
        try (scalelab.registry.Registry r = scalelab.registry.Registry.open(dir.resolve("r.duckdb"))) {
            long[] ids = RegistryReportTest.fill(r);
            var p = r.filePrediction(scalelab.registry.Predictions.draft(r.fit(ids[0]).orElseThrow(),
                    new scalelab.registry.Predictions.Target("target-1e22", "dense", null, null, 1e22), 0.95, null, "test",
                    "tester", java.time.Instant.now()));
            r.checkAgainstLoss(p.id(), 2.1);
            in = RegistryReport.load(r, "chin", new RegistryReport.Options(false,
                    List.of("vpnls-mse")));
        }
        ReportWriter.ReportFiles files = ReportWriter.write(in, dir.resolve("out"));
        Probe probe = probe(chromium, Files.readString(files.html()), dir.resolve("out/report-probed.html"));
        assertEquals(files.figures().size(), probe.images(), "images on the page");
        assertEquals(0, probe.broken(), "broken images: " + probe.brokenAlts());
        assertEquals(0, probe.errors(), "script errors: " + probe.errorMessages());
    }

    /** The probes must see a corrupt image and a script error, or the check above proves nothing. */
    @Test
    void probesCatchABrokenImageAndAScriptError(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path chromium = requireChromium();
        ReportWriter.ReportFiles files = ReportWriter.write(
                scalelab.reports.model.ReportInput.ofRunsAndFits("probe check", "", ReportFixtures.chinchillaRuns(), List.of()), dir);
        String html = Files.readString(files.html())
                .replaceFirst("data:image/png;base64,", "data:image/png;base64,AAAAnotapng")
                .replace("</body>", "<script>noSuchFunction();</script></body>");
        Probe p = probe(chromium, html, dir.resolve("broken.html"));
        assertEquals(1, p.images());
        assertEquals(1, p.broken(), "the corrupt image was not caught");
        // The error probe hears both: the script's ReferenceError and the image's failed load.
        assertEquals(2, p.errors(), p.errorMessages());
        assertTrue(p.errorMessages().contains("noSuchFunction"), "the script error was not caught: " + p.errorMessages());
    }

    private static Path requireChromium() {
        Path chromium = findChromium();
        if (chromium == null) {
            String why = "headless Chromium not found (install the Debian package: apt-get install -y chromium)";
            // bin/test installs Chromium and exports SCALELAB_TEST_SERVICES=required: there (and in CI) a missing one fails.
            if ("required".equals(System.getenv("SCALELAB_TEST_SERVICES")) || "true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            System.err.println("SKIPPED ReportChromiumTest: " + why + "; bin/test installs it");
            Assumptions.abort(why);
        }
        return chromium;
    }

    /** Opens a copy of {@code html} with the probes added (the report itself has no script) and reads their verdict. */
    private static Probe probe(Path chromium, String html, Path copy) throws Exception {
        Files.writeString(copy, html.replace("<head>\n", "<head>\n" + ERROR_PROBE).replace("</body>", IMAGE_PROBE + "</body>"),
                StandardCharsets.UTF_8);
        String dom = runChromium(chromium, List.of("--dump-dom", "--virtual-time-budget=10000", copy.toUri().toString()));
        Matcher m = Pattern.compile("CHECK images=(\\d+) broken=(\\d+) \\[(.*?)] errors=(\\d+) \\[(.*?)] END").matcher(dom);
        assertTrue(m.find(), "the check script did not run; DOM starts: " + dom.substring(0, Math.min(300, dom.length())));
        return new Probe(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), m.group(3),
                Integer.parseInt(m.group(4)), m.group(5));
    }

    private static String runChromium(Path chromium, List<String> extra) throws Exception {
        Path profile = Files.createTempDirectory("scalelab-chromium-");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(extra);
        Path stdout = Files.createTempFile("chromium-out", ".txt");
        Path stderr = Files.createTempFile("chromium-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("chromium did not finish in 120 s: " + String.join(" ", cmd));
            }
            String err = Files.readString(stderr);
            assertEquals(0, p.exitValue(), "chromium exited " + p.exitValue() + ": " + err);
            return Files.readString(stdout);
        } finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
            deleteTree(profile);
        }
    }

    static Path findChromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
