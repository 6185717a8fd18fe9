package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MoeTargetTest {

    @Test
    void parsesTheIssueFormWithSuffixesAndScientificNotation() {
        MoeTarget t = MoeTarget.parse("moe:experts=64,top_k=4,active=16B,tokens=1.05e12");
        assertEquals(64, t.experts());
        assertEquals(4, t.topK());
        assertEquals(16e9, t.activeParams());
        assertEquals(1.05e12, t.tokens());
        assertEquals(1.0, t.granularity());
        assertEquals(6 * 16e9 * 1.05e12, t.flops(), 1e9);
        assertEquals(t, MoeTarget.parse(t.describe()));
        MoeTarget g = MoeTarget.parse(" MOE:tokens=2T, active=300M, top_k=1, experts=8, granularity=4 ");
        assertEquals(new MoeTarget(8, 1, 4.0, 3e8, 2e12), g);
        assertEquals(g, MoeTarget.parse(g.describe()));
        assertTrue(MoeTarget.parse("moe:experts=1,top_k=1,active=1e6,tokens=2e7").isDense());
    }

    private static String errorOf(String text) {
        return assertThrows(IllegalArgumentException.class, () -> MoeTarget.parse(text)).getMessage();
    }

    @Test
    void errorsNameTheBadField() {
        assertTrue(errorOf("dense:experts=8,top_k=2,active=1e9,tokens=1e10").contains("must start with 'moe:'"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=1e9").contains("'tokens' is missing"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=lots,tokens=1e10").contains("'active' must be a number"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=1e9,tokens=-5").contains("'tokens' must be a finite positive"));
        assertTrue(errorOf("moe:experts=8.5,top_k=2,active=1e9,tokens=1e10").contains("'experts' must be a whole number"));
        assertTrue(errorOf("moe:experts=8,top_k=16,active=1e9,tokens=1e10").contains("'top_k' (16) exceeds 'experts' (8)"));
        assertTrue(errorOf("moe:experts=8,topk=2,active=1e9,tokens=1e10").contains("'topk' is unknown"));
        assertTrue(errorOf("moe:experts=8,experts=4,top_k=2,active=1e9,tokens=1e10").contains("'experts' is given twice"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active,tokens=1e10").contains("'active' is not of the form name=value"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=,tokens=1e10").contains("'active' has no value"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=NaN,tokens=1e10").contains("'active' must be a number"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=1e9f,tokens=1e10").contains("'active' must be a number"));
        assertTrue(errorOf("moe:experts=8,top_k=2,active=1e9,tokens=1e400").contains("'tokens' must be a finite positive"));
        assertTrue(errorOf("moe:").contains("no fields"));
        assertTrue(errorOf(null).contains("missing"));
    }
}
