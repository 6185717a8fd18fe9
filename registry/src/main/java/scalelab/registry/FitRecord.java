package scalelab.registry;

import java.time.Instant;
import java.util.List;
import scalelab.fitting.LossSurface;

/**
 * A stored fit.
 *
 * @param id                database id, null before saving
 * @param method            fit method, e.g. "vpnls", "approach3", "approach2"
 * @param objective         objective name, e.g. "huber(1e-3) on log loss"
 * @param status            the fit's status (a {@link scalelab.fitting.FitStatus} name or the fitter's own)
 * @param surface           fitted L(N, D) in raw units, or null when the method gives none (Approach 2)
 * @param objectiveValue    final objective value (NaN when not applicable)
 * @param inputHash         content hash of the runs/observations the fit used
 * @param runIds            registry ids of the runs used (empty when fitted from a file)
 * @param ladder            ladder the runs came from, or null
 * @param resultJson        the fit's full JSON as printed by {@code scalelab fit --format json}
 * @param bootstrapSurfaces bootstrap refits in raw units (may be empty)
 */
public record FitRecord(Long id, String method, String objective, String status, LossSurface surface,
                        double objectiveValue, String inputHash, List<Long> runIds, String ladder, String resultJson,
                        List<LossSurface> bootstrapSurfaces, Instant createdAt) {

    public FitRecord {
        if (method == null || method.isBlank()) {
            throw new IllegalArgumentException("a fit needs a method name");
        }
        if (status == null || status.isBlank()) {
            throw new IllegalArgumentException("a fit needs a status");
        }
        if (inputHash == null || inputHash.isBlank()) {
            throw new IllegalArgumentException("a fit needs the content hash of its inputs");
        }
        runIds = runIds == null ? List.of() : List.copyOf(runIds);
        bootstrapSurfaces = bootstrapSurfaces == null ? List.of() : List.copyOf(bootstrapSurfaces);
    }
}
