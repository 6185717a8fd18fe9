package scalelab.fitting.moe;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MoeObservationTest {

    private static String errorOf(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void validatesAtConstruction() {
        assertTrue(errorOf(() -> MoeObservation.dense(-1e6, 1e9, 3.0, "dense")).contains("activeParams"));
        assertTrue(errorOf(() -> MoeObservation.dense(1e6, 1e9, Double.NaN, "dense")).contains("loss"));
        assertTrue(errorOf(() -> MoeObservation.dense(1e6, 0, 3.0, "dense")).contains("tokens"));
        assertTrue(errorOf(() -> MoeObservation.moe(1e6, 5e5, 1e9, 3.0, 8, 2, "m")).contains("at least activeParams"));
        assertTrue(errorOf(() -> MoeObservation.moe(1e6, 5e6, 1e9, 3.0, 0, 1, "m")).contains("experts must be at least 1"));
        assertTrue(errorOf(() -> MoeObservation.moe(1e6, 5e6, 1e9, 3.0, 4, 8, "m")).contains("topK"));
        assertTrue(errorOf(() -> MoeObservation.moe(1e6, 5e6, 1e9, 3.0, 4, 2, " ")).contains("family"));
        assertTrue(errorOf(() -> new MoeObservation(1e6, 5e6, 1e9, 6e15, 3.0, 4, 2, 0.0, "m")).contains("granularity"));
    }

    @Test
    void convertsToSharedObservationAndTarget() {
        MoeObservation r = MoeObservation.moe(2e6, 9e6, 4e8, 3.1, 8, 2, "moe8");
        assertEquals(6 * 2e6 * 4e8, r.flops());
        assertEquals(2e6, r.toObservation().params());
        assertEquals("moe8", r.toObservation().group());
        assertEquals(new MoeTarget(8, 2, 1.0, 2e6, 4e8), r.asTarget());
        assertFalse(r.isDense());
        assertTrue(MoeObservation.dense(1e6, 1e8, 3.5, "d").isDense());
    }
}
