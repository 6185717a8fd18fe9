package scalelab.fitting;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether a set of runs can identify the five parameters of L = E + A·N^-α + B·D^-β. Rows are not enough: repeated
 * runs of one (N, D) design (seeds, duplicates, bootstrap resamples) add no information about the surface's shape.
 */
final class SurfaceDesign {
    private SurfaceDesign() {}

    /**
     * @param method the fitter's name for messages, e.g. "VPNLS"
     * @throws FitInputException when there are fewer distinct (N, D) designs than the 5 parameters, or fewer than 3
     *                           distinct N or D values: two levels of N give one difference for the two unknowns A
     *                           and α of A·N^-α (E absorbs the rest), so the N term is not identified (likewise D)
     */
    static void requireIdentifiable(String method, List<Observation> observations) {
        Set<Double> ns = new TreeSet<>();
        Set<Double> ds = new TreeSet<>();
        Set<List<Double>> designs = new HashSet<>();
        for (Observation o : observations) {
            ns.add(o.params());
            ds.add(o.tokens());
            designs.add(List.of(o.params(), o.tokens()));
        }
        if (designs.size() < 5) {
            throw new FitInputException(method + " fits 5 parameters (E, A, B, α, β) but got only " + designs.size()
                    + " distinct (N, D) designs in " + observations.size() + " runs: fewer points than parameters");
        }
        if (ns.size() < 3 || ds.size() < 3) {
            String which = ns.size() < 3 ? "N (params) " + ns : "D (tokens) " + ds;
            throw new FitInputException(method + " needs at least 3 distinct N and 3 distinct D values to fit a surface in"
                    + " N and D, but the " + observations.size() + " runs have only " + which);
        }
    }
}
