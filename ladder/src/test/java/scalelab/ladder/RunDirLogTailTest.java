package scalelab.ladder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a failed attempt's log contributes to its failure message. */
class RunDirLogTailTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheLatestAttemptsLinesWithoutStackFramesOrOverwrittenProgress() throws Exception {
        Path log = dir.resolve("train.log");
        Files.writeString(log, RunDir.ATTEMPT_MARKER + " 2026-12-02T10:00:00Z\n"
                + "step 10/100\n"
                + "first attempt's error\n"
                + RunDir.ATTEMPT_MARKER + " 2026-12-02T10:05:00Z\n"
                + "\n"
                + "training  3%\r training 40%\r training 41%\r\n"
                + "Exception in thread \"main\" java.lang.IllegalArgumentException: corpus folder /x does not exist\n"
                + "\tat scalelab.training.data.Corpus.requireFolder(Corpus.java:32)\n"
                + "\tat scalelab.training.Trainer.<init>(Trainer.java:10)\n"
                + "\t... 3 more\n");
        assertEquals(List.of("training 41%",
                "Exception in thread \"main\" java.lang.IllegalArgumentException: corpus folder /x does not exist"), RunDir.logTail(log, 5));
        assertEquals(List.of("Exception in thread \"main\" java.lang.IllegalArgumentException: corpus folder /x does not exist"),
                RunDir.logTail(log, 1));
    }

    @Test
    void anAttemptThatWroteNothingShowsNoEarlierAttemptsLines() throws Exception {
        Path log = dir.resolve("train.log");
        Files.writeString(log, RunDir.ATTEMPT_MARKER + " a\nold error\n" + RunDir.ATTEMPT_MARKER + " b\n");
        assertEquals(List.of(), RunDir.logTail(log, 5));
        assertEquals(List.of(), RunDir.logTail(dir.resolve("absent.log"), 5));
        assertEquals(List.of(), RunDir.logTail(null, 5));
    }
}
