package scalelab.registry.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import scalelab.fitting.Approach2;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitResult;
import scalelab.fitting.Observation;
import scalelab.fitting.Vpnls;

class FitJsonTest {
    static final String CHINCHILLA = "chinchilla-isoflops.csv";

    @Test
    void vpnlsFitRoundTripsAndHasTheContractFields() throws Exception {
        List<Observation> obs = RunTableReader.read(DataDirectory.dataFile(CHINCHILLA)).observations();
        FitResult fit = Vpnls.fit(obs, Vpnls.Options.defaults());
        String json = FitJson.write(fit);
        JsonNode o = new ObjectMapper().readTree(json);
        for (String k : List.of("method", "status", "n", "E", "A", "B", "alpha", "beta", "objective", "units", "optimal")) {
            assertTrue(o.has(k), k);
        }
        assertEquals("vpnls", o.get("method").asText());
        assertEquals("converged", o.get("status").asText());
        assertEquals(124, o.get("n").asInt());
        assertEquals(fit.paramsExponent(), o.get("optimal").get("a").asDouble());
        assertEquals(1e6, o.get("units").get("params_scale").asDouble());

        FitResult back = FitJson.parse(json, Path.of("fit.json"));
        assertEquals(fit.surface(), back.surface());
        assertEquals(fit.surfaceInFitUnits(), back.surfaceInFitUnits());
        assertEquals(fit.status(), back.status());
        assertEquals(fit.inputSha256(), back.inputSha256());
        assertEquals(fit.settings(), back.settings());
        assertEquals(fit.optimalAt(5.76e23), back.optimalAt(5.76e23));
    }

    @Test
    void approach2FitRoundTripsWithItsBudgets() throws Exception {
        List<Observation> obs = RunTableReader.read(DataDirectory.dataFile(CHINCHILLA)).observations();
        FitResult fit = Approach2.fit(obs, BudgetGrouping.byLabel(obs));
        String json = FitJson.write(fit);
        JsonNode o = new ObjectMapper().readTree(json);
        assertTrue(o.get("E").isNull());
        FitResult back = FitJson.parse(json, Path.of("fit.json"));
        assertNull(back.surface());
        assertEquals(fit.approach2().paramsLaw(), back.approach2().paramsLaw());
        assertEquals(fit.approach2().budgets().size(), back.approach2().budgets().size());
        assertEquals(fit.approach2().budgets().get(4).vertexInside(), back.approach2().budgets().get(4).vertexInside());
        assertEquals(fit.optimalAt(1e22), back.optimalAt(1e22));
        assertEquals(fit.warnings(), back.warnings());
    }

    @Test
    void missingFieldIsNamed() {
        String json = "{\"method\":\"vpnls\",\"status\":\"converged\",\"n\":3,\"units\":{\"params_scale\":1e6,\"tokens_scale\":1e9},"
                + "\"E\":1.8,\"A\":400,\"alpha\":0.3,\"beta\":0.3,\"optimal\":{\"a\":0.5,\"b\":0.5}}";
        InputFormatException e = assertThrows(InputFormatException.class, () -> FitJson.parse(json, Path.of("f.json")));
        assertTrue(e.getMessage().contains("f.json") && e.getMessage().contains("'B'"), e.getMessage());
        InputFormatException bad = assertThrows(InputFormatException.class, () -> FitJson.parse("{oops", Path.of("g.json")));
        assertTrue(bad.getMessage().startsWith("g.json:1"), bad.getMessage());
    }
}
