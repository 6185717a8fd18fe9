package scalelab.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.registry.ExpertShare;

/** expert-shares.csv as the trainer writes it becomes the registry's long-format expert shares. */
class RunRegistrationSharesTest {
    @Test
    void readsEveryLayerAndExpertOfEveryStep(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(Trainer.EXPERT_SHARES_FILE),
                "step,layer,expert_0,expert_1\n1,0,0.75,0.25\n1,1,0.5,0.5\n2,0,1.0000001,0.0\n");
        assertEquals(List.of(new ExpertShare(1, 0, 0, 0.75), new ExpertShare(1, 0, 1, 0.25), new ExpertShare(1, 1, 0, 0.5),
                        new ExpertShare(1, 1, 1, 0.5), new ExpertShare(2, 0, 0, 1.0), new ExpertShare(2, 0, 1, 0.0)),
                RunRegistration.readExpertShares(dir), "a float share just above 1 is clamped");
        assertTrue(RunRegistration.readExpertShares(dir.resolve("dense-run")).isEmpty(), "no file (dense run): no shares");
    }
}
