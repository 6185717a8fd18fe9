package scalelab.cli.fit;

import java.util.List;
import java.util.Locale;
import scalelab.fitting.Approach3;
import scalelab.fitting.Bootstrap;
import scalelab.fitting.BudgetGrouping;
import scalelab.fitting.FitInputException;
import scalelab.fitting.FitMethod;
import scalelab.fitting.FitResult;
import scalelab.fitting.FitStatus;
import scalelab.fitting.LossSurface;
import scalelab.fitting.Vpnls;
import scalelab.registry.FitRecord;
import scalelab.registry.ObservationSet;
import scalelab.registry.Registry;
import scalelab.registry.io.FitJson;

/**
 * Fits a ladder's finished runs from the registry and stores the fit with what predictions need: the fit's JSON, its
 * raw-unit surface, the registry's input hash and run ids, and the bootstrap replicate surfaces that give predictions
 * their intervals. {@code scalelab fit --from-db --save} and the quickstart both go through here.
 */
public final class FitAndStore {
    private FitAndStore() {}

    /** Default replicates: 1000 for VPNLS (a few seconds), none for the slower or surface-less methods. */
    public static int defaultBootstrapSamples(FitMethod method) {
        return method == FitMethod.VPNLS ? 1000 : 0;
    }

    /**
     * The fit, and (when stored) its record.
     *
     * @param record    the stored fit (with its id), or null when not saved
     * @param bootstrap the bootstrap behind the stored surfaces, or null when none was run
     */
    /** @param moeRunsLeftOut finished MoE runs of the ladder the dense law was not fitted to (0 for one-family ladders) */
    public record Outcome(FitResult fit, FitRecord record, Bootstrap.Result bootstrap, ObservationSet inputs, int moeRunsLeftOut) {
        public boolean converged() {
            return fit.status() == FitStatus.CONVERGED;
        }
    }

    /**
     * Fits the finished runs of {@code ladder} (all ladders when null) and stores the fit, whatever its status (a fit
     * that is not CONVERGED is stored with its status and message, so the ledger can say which fit a prediction
     * trusted). Replicates resample runs with the given seed; failed replicates are counted in the bootstrap result.
     *
     * @param samples bootstrap replicates to store (0: none; ignored for fits without a surface)
     */
    public static FitRecord run(Registry registry, String ladder, FitMethod method, Vpnls.Options vpnls,
                                Approach3.Options approach3, int samples, long seed) {
        return fit(registry, ladder, method, vpnls, approach3, samples, seed, true).record();
    }

    /** The project defaults: VPNLS least squares, 1000 bootstrap replicates, seed 1. */
    public static FitRecord run(Registry registry, String ladder) {
        return run(registry, ladder, FitMethod.VPNLS, Vpnls.Options.defaults(), Approach3.Options.epoch(),
                defaultBootstrapSamples(FitMethod.VPNLS), 1);
    }

    /** {@link #run} with the fit and bootstrap themselves; {@code save = false} fits without touching the database. */
    public static Outcome fit(Registry registry, String ladder, FitMethod method, Vpnls.Options vpnls,
                              Approach3.Options approach3, int samples, long seed, boolean save) {
        if (samples < 0) {
            throw new IllegalArgumentException("bootstrap samples must be ≥ 0, got " + samples);
        }
        // A dense + MoE ladder: the surface L(N, D) is the dense family's; MoE runs reach other losses at the same
        // active N and D and have their own laws (predict --target moe:…).
        ObservationSet all = registry.observationSet(ladder);
        ObservationSet dense = registry.observationSet(ladder, "dense");
        boolean mixed = !dense.observations().isEmpty() && dense.observations().size() < all.observations().size();
        // Canonical order: the same numbers as a fit of the same runs read from a file.
        ObservationSet in = (mixed ? dense : all).canonicalOrder();
        int moeLeftOut = all.observations().size() - in.observations().size();
        if (in.observations().isEmpty()) {
            throw new IllegalArgumentException("no finished runs" + (ladder == null ? "" : " in ladder " + ladder) + " of "
                    + registry.file() + (ladder == null || registry.ladders().contains(ladder) ? ""
                    : " (known ladders: " + String.join(", ", registry.ladders()) + ")"));
        }
        // Registry observations carry their budget as flops, so grouping by label is the ladder's own design.
        BudgetGrouping grouping = BudgetGrouping.byLabel(in.observations());
        FitResult fit = located(in, () -> method.fit(in.observations(), grouping, vpnls, approach3));
        Bootstrap.Result boot = null;
        if (samples > 0 && fit.hasSurface() && fit.status() != FitStatus.FAILED) {
            // As `scalelab bootstrap`: replicates skip the fine local grid when Nelder–Mead polishes anyway.
            Vpnls.Options replicate = vpnls.refine() ? vpnls.withResolution(vpnls.coarseStep()) : vpnls;
            double top = grouping.budgets().get(grouping.budgets().size() - 1).compute();
            boot = Bootstrap.run(in.observations(), grouping,
                    obs -> method.fit(obs, BudgetGrouping.byLabel(obs), replicate, approach3), method.cliName(),
                    Bootstrap.Resample.RUNS, samples, seed, 10 * top, 0.95);
        }
        if (!save) {
            return new Outcome(fit, null, boot, in, moeLeftOut);
        }
        List<LossSurface> surfaces = boot == null ? List.of() : boot.surfaces();
        FitRecord draft = new FitRecord(null, fit.method(), fit.objectiveName(), fit.status().name(), fit.surface(),
                fit.objectiveValue(), in.inputHash(), in.runIds(), ladder, FitJson.write(fit), surfaces, null);
        long id = registry.saveFit(draft);
        FitRecord stored = registry.fit(id).orElseThrow(() -> new IllegalStateException("fit " + id + " was saved but cannot be read back"));
        return new Outcome(fit, stored, boot, in, moeLeftOut);
    }

    /** A fitter's complaint about one observation, naming the registry run it came from. */
    private static FitResult located(ObservationSet in, java.util.function.Supplier<FitResult> fit) {
        try {
            return fit.get();
        } catch (FitInputException e) {
            int i = e.observationIndex();
            String where = i >= 0 && i < in.runIds().size() ? String.format(Locale.ROOT, "run %d: ", in.runIds().get(i)) : "";
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }
}
