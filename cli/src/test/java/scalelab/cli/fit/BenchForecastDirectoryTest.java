package scalelab.cli.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static scalelab.cli.CliRun.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scalelab.cli.CliRun.Result;

/** {@code bench forecast DIR} on a directory of a user's own ladders, not the development suite. */
class BenchForecastDirectoryTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyLadderOfAUsersDirectoryIsBacktestedAndPooledAndABrokenOneIsNamed(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"a.csv", "b.csv"}) {
            Result sim = run("simulate", "--out", tmp.resolve(name).toString(), "--seed", name.equals("a.csv") ? "1" : "2");
            assertEquals(0, sim.exit(), sim.err());
        }
        Files.writeString(tmp.resolve("broken.csv"), "params,tokens,loss\n1e8,2e9,3.1\n2e8,oops,3.0\n");
        Files.writeString(tmp.resolve("notes.txt"), "not a ladder\n");

        Result r = run("bench", "forecast", tmp.toString(), "--bootstrap-samples", "0", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertEquals(2, o.get("sets").size(), o.get("sets").toString());
        assertEquals("a.csv", o.get("sets").get(0).get("file").asText());
        assertEquals("b.csv", o.get("sets").get(1).get("file").asText());
        JsonNode skipped = o.get("skipped");
        assertEquals(1, skipped.size(), String.valueOf(skipped));
        assertEquals("broken.csv", skipped.get(0).get("file").asText());
        assertTrue(skipped.get(0).get("reason").asText().contains("broken.csv:3: column 'tokens'"), skipped.toString());
        JsonNode pooled = o.get("pooled");
        assertEquals(2, pooled.get("files").size(), pooled.toString());
        int perSet = 0;
        for (JsonNode set : o.get("sets")) {
            perSet += set.get("methods").get(0).get("forecasts").asInt();
        }
        assertEquals(perSet, pooled.get("methods").get(0).get("forecasts").asInt(), "the pool is the sets' forecasts together");

        // files named directly: the same figures for that file
        Result one = run("bench", "forecast", tmp.resolve("b.csv").toString(), "--bootstrap-samples", "0", "--format", "json");
        assertEquals(0, one.exit(), one.err());
        JsonNode b = JSON.readTree(one.out()).get("sets").get(0);
        assertEquals(o.get("sets").get(1).get("methods"), b.get("methods"));

        Result empty = run("bench", "forecast", tmp.resolve("nothing-here").toString());
        assertEquals(2, empty.exit());
        assertTrue(empty.err().contains("not found"), empty.err());
    }
}
