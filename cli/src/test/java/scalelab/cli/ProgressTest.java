package scalelab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Long commands say what they are doing on standard error; short ones say nothing. */
class ProgressTest {
    @Test
    void aStepStillRunningAfterTheQuietTimeIsNamedAndTheEndTimed() throws Exception {
        StringWriter err = new StringWriter();
        Progress p = new Progress(new PrintWriter(err), "report", 50, 10_000);
        p.step("fitting every method");
        Thread.sleep(400);
        p.step("drawing the charts");
        p.done();
        String said = err.toString();
        assertTrue(said.contains("report: fitting every method… ("), said);
        assertTrue(said.contains("report: drawing the charts…"), "once talking, each step is said as it starts: " + said);
        assertTrue(said.contains("report: done in "), said);
    }

    @Test
    void workThatEndsWithinTheQuietTimeSaysNothing() throws Exception {
        StringWriter err = new StringWriter();
        Progress p = new Progress(new PrintWriter(err), "fit", 10_000, 10_000);
        p.step("fitting");
        p.done();
        Thread.sleep(50);
        assertEquals("", err.toString());
    }
}
