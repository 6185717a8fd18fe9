package scalelab.registry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

    @Test
    void environmentBeatsPropertyBeatsDefault(@TempDir Path tmp) {
        Path repo = tmp.resolve("repo");
        assertEquals(tmp.resolve("env"), DataDirectory.resolve(tmp.resolve("env").toString(), "/prop", repo).path());
        assertEquals(Path.of("/prop"), DataDirectory.resolve(null, "/prop", repo).path());
        assertEquals(Path.of("/prop"), DataDirectory.resolve(" ", "/prop", repo).path());
        DataDirectory d = DataDirectory.resolve(null, "", repo);
        assertEquals(tmp.resolve("shared/data"), d.path());
        assertTrue(d.origin().contains("default"), d.origin());
    }

    @Test
    void relativeValuesAreTakenFromTheRepositoryRoot(@TempDir Path tmp) {
        Path repo = tmp.resolve("repo");
        // Not from the working directory: Maven runs each module's tests in its own folder.
        assertEquals(tmp.resolve("elsewhere"), DataDirectory.resolve("../elsewhere", null, repo).path());
        assertEquals(repo.resolve("d"), DataDirectory.resolve(null, "d", repo).path());
    }

    @Test
    void aMissingDirectoryOrFileNamesThePathAndTheVariable(@TempDir Path tmp) throws Exception {
        DataDirectory missing = DataDirectory.resolve(tmp.resolve("nowhere").toString(), null, tmp);
        String m = assertThrows(IllegalStateException.class, missing::require).getMessage();
        assertTrue(m.contains(tmp.resolve("nowhere").toString()) && m.contains("$SCALELAB_DATA") && m.contains("set SCALELAB_DATA"), m);

        Files.writeString(tmp.resolve("present.csv"), "params,tokens,loss\n");
        DataDirectory here = DataDirectory.resolve(null, tmp.toString(), tmp);
        assertEquals(tmp.resolve("present.csv"), here.file("present.csv"));
        String f = assertThrows(IllegalStateException.class, () -> here.file("absent.csv")).getMessage();
        assertTrue(f.contains("absent.csv") && f.contains(tmp.toString()) && f.contains("-Dscalelab.data")
                && f.contains("set SCALELAB_DATA"), f);

        DataDirectory aFile = DataDirectory.resolve(tmp.resolve("present.csv").toString(), null, tmp);
        assertTrue(assertThrows(IllegalStateException.class, aFile::require).getMessage().contains("as a folder"));
    }
}
