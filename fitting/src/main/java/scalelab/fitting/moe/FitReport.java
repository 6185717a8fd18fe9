package scalelab.fitting.moe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import scalelab.fitting.FitStatus;

/** Turns the outcome of a profiled search + NNLS into an explicit status and message (shared by the MoE fitters). */
final class FitReport {

    record Outcome(FitStatus status, String message) {
    }

    private FitReport() {
    }

    static Outcome of(ProfiledSearch.Result search, SeparableSolver.Solution linear, String[] coefficientNames) {
        if (search.problem() != null || !Double.isFinite(search.value())) {
            return new Outcome(FitStatus.FAILED, search.problem() != null ? search.problem() : "objective not finite");
        }
        List<String> notes = new ArrayList<>();
        FitStatus status = FitStatus.CONVERGED;
        if (!search.atBound().isEmpty()) {
            status = FitStatus.EXPONENT_ON_GRID_EDGE;
            notes.add("exponent on the edge of its search box (true optimum may lie outside): "
                    + String.join("; ", search.atBound()));
        }
        List<String> clamped = new ArrayList<>();
        for (int j = 0; j < coefficientNames.length; j++) {
            if (linear.clamped()[j]) {
                clamped.add(coefficientNames[j]);
            }
        }
        if (!clamped.isEmpty()) {
            if (status == FitStatus.CONVERGED) {
                status = FitStatus.COEFFICIENT_CLAMPED;
            }
            notes.add("coefficient held at zero by the non-negativity constraint: " + String.join(", ", clamped));
        }
        return new Outcome(status, String.join(" | ", notes));
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }

    static int distinctExperts(List<MoeObservation> runs) {
        return (int) runs.stream().mapToInt(MoeObservation::experts).distinct().count();
    }

    static void requireRuns(String law, List<MoeObservation> runs, int parameters) {
        if (runs == null) {
            throw new IllegalArgumentException(law + ": no runs given");
        }
        int need = parameters + 2;
        if (runs.size() < need) {
            throw new IllegalArgumentException(law + " has " + parameters + " fitted quantities and needs at least "
                    + need + " runs, got " + runs.size());
        }
    }
}
