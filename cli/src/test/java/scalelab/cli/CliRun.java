package scalelab.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the scalelab command in-process, as a user would call it, capturing its exit code and both streams. */
public final class CliRun {
    private CliRun() {}

    public record Result(int exit, String out, String err) {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
