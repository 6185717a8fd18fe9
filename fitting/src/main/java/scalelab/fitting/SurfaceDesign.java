package scalelab.fitting;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a set of runs can identify the five parameters of L = E + A·N^-α + B·D^-β. Rows are not enough: repeated
 * runs of one (N, D) design (seeds, duplicates, bootstrap resamples) add no information about the surface's shape.
 */
final class SurfaceDesign {
    private SurfaceDesign() {}

    /**
     * @param method the fitter's name for messages, e.g. "VPNLS"
     * @throws FitInputException when there are fewer distinct (N, D) designs than the 5 parameters, or fewer than 2
     *                           distinct N or D values (the surface's N or D term is then indistinguishable from E)
     */
    static void requireIdentifiable(String method, List<Observation> observations) {
        Set<Double> ns = new HashSet<>();
        Set<Double> ds = new HashSet<>();
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
        if (ns.size() < 2 || ds.size() < 2) {
            String which = ns.size() < 2 ? "N (params) = " + ns.iterator().next() : "D (tokens) = " + ds.iterator().next();
            throw new FitInputException(method + " needs at least 2 distinct N and 2 distinct D values to fit a surface in"
                    + " N and D, but every one of the " + observations.size() + " runs has " + which);
        }
    }
}
