package scalelab.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Issue 16: every training command on a CPU machine printed DJL's "Failed to detect GPU count" warning. */
class CpuQuietTest {
    @Test
    void djlsCudaProbeDoesNotWarnButErrorsStillShow() {
        Main.commandLine();
        var probe = LoggerFactory.getLogger("ai.djl.util.cuda.CudaUtils");
        assertFalse(probe.isWarnEnabled(), "the CUDA probe's warning is the normal state of a CPU machine");
        assertTrue(probe.isErrorEnabled());
        assertTrue(LoggerFactory.getLogger("ai.djl.engine.Engine").isWarnEnabled(), "only the probe is quieted");
    }
}
