package scalelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README's commands against the commands themselves (issue 16): every command the tool has is shown in the README,
 * every {@code ./scalelab …} line there names a command that exists, and every flag on it is one that command's
 * {@code --help} lists. And {@code --help} renders without picocli warnings (a bare '%' in a description printed three
 * on {@code train --help}).
 */
class ReadmeCommandsTest {
    static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*");

    /** Every visible command by its path ("ladder plan"), including groups like "ladder". */
    static Map<String, CommandLine> commands() {
        Map<String, CommandLine> out = new LinkedHashMap<>();
        walk(Main.commandLine(), "", out);
        return out;
    }

    private static void walk(CommandLine cl, String prefix, Map<String, CommandLine> out) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            if (e.getValue().getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            String path = (prefix + " " + e.getKey()).strip();
            if (out.putIfAbsent(path, e.getValue()) == null) {
                walk(e.getValue(), path, out);
            }
        }
    }

    /** Each {@code ./scalelab …} invocation in the README (up to a closing backtick or a comment), with its line. */
    static List<String[]> readmeInvocations() throws Exception {
        Path readme = Path.of(System.getProperty("scalelab.repoRoot", "..")).resolve("README.md");
        List<String[]> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(readme)) {
            n++;
            int at = 0;
            while ((at = line.indexOf("./scalelab ", at)) >= 0) {
                String rest = line.substring(at + "./scalelab ".length());
                for (String end : new String[] {"`", " #", " &&", " >"}) {
                    int cut = rest.indexOf(end);
                    if (cut >= 0) {
                        rest = rest.substring(0, cut);
                    }
                }
                out.add(new String[] {"README.md:" + n, rest.strip()});
                at += "./scalelab ".length();
            }
        }
        return out;
    }

    @Test
    void everyReadmeInvocationNamesARealCommandAndItsRealFlags() throws Exception {
        Map<String, CommandLine> commands = commands();
        List<String> problems = new ArrayList<>();
        for (String[] inv : readmeInvocations()) {
            String[] words = inv[1].split("\\s+");
            String path = "";
            for (String w : words) {
                String longer = (path + " " + w).strip();
                if (commands.containsKey(longer)) {
                    path = longer;
                } else {
                    break;
                }
            }
            if (path.isEmpty()) {
                problems.add(inv[0] + ": './scalelab " + inv[1] + "' names no command");
                continue;
            }
            CommandLine cmd = commands.get(path);
            Matcher m = FLAG.matcher(inv[1]);
            while (m.find()) {
                OptionSpec o = cmd.getCommandSpec().findOption(m.group());
                if (o == null || o.hidden()) {
                    problems.add(inv[0] + ": `" + path + "` has no option " + m.group() + " (see `scalelab " + path + " --help`)");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everyCommandIsInTheReadme() throws Exception {
        List<String> shown = readmeInvocations().stream().map(i -> i[1]).toList();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
            boolean runnable = e.getValue().getSubcommands().isEmpty();
            if (runnable && shown.stream().noneMatch(s -> (s + " ").startsWith(e.getKey() + " "))) {
                missing.add(e.getKey());
            }
        }
        assertEquals(List.of(), missing, "commands the README never shows as ./scalelab …");
    }

    @Test
    void helpRendersWithoutPicocliWarnings() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> warned = new ArrayList<>();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            for (Map.Entry<String, CommandLine> e : commands().entrySet()) {
                err.reset();
                String usage = e.getValue().getUsageMessage();
                String noise = err.toString(StandardCharsets.UTF_8);
                if (!noise.isEmpty() || usage.contains("%n")) {
                    warned.add(e.getKey() + ": " + noise.strip());
                }
            }
        } finally {
            System.setErr(saved);
        }
        assertEquals(List.of(), warned);
    }
}
