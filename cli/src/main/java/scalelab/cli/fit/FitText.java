package scalelab.cli.fit;

import java.io.PrintWriter;
import java.util.Locale;
import scalelab.fitting.BudgetParabola;
import scalelab.fitting.FitResult;
import scalelab.fitting.LossSurface;

/** Human-readable rendering of a fit. */
final class FitText {
    private FitText() {}

    static void print(PrintWriter out, FitResult f) {
        out.printf(Locale.ROOT, "method     %s (%s)%n", f.method(), f.objectiveName());
        String status = f.status().name().toLowerCase(Locale.ROOT);
        out.printf(Locale.ROOT, "status     %s%n", f.message().equals(status) ? status : status + ": " + f.message());
        out.printf(Locale.ROOT, "runs       %d (sha256 %s)%n", f.n(), f.inputSha256());
        out.printf(Locale.ROOT, "objective  %.6g (%s over %d runs)%n", f.objectiveValue(), f.objectiveName(), f.n());
        if (f.hasSurface()) {
            LossSurface s = f.surface(), u = f.surfaceInFitUnits();
            out.printf(Locale.ROOT, "surface    L = E + A·N^-α + B·D^-β%n");
            out.printf(Locale.ROOT, "  fit units (%s): E = %.5f  A = %.5g  B = %.5g  α = %.5f  β = %.5f%n",
                    f.units().describe(), u.E(), u.A(), u.B(), u.alpha(), u.beta());
            out.printf(Locale.ROOT, "  raw units (N, D):      E = %.5f  A = %.5g  B = %.5g  α = %.5f  β = %.5f%n",
                    s.E(), s.A(), s.B(), s.alpha(), s.beta());
        }
        out.printf(Locale.ROOT, "optimal    N* ∝ C^%.4f, D* ∝ C^%.4f%n", f.paramsExponent(), f.tokensExponent());
        if (!f.flops().isSixNd()) {
            out.printf(Locale.ROOT, "flops      %s (C of N*, D* counted so)%n", f.flops().describe());
        }
        if (f.approach2() != null) {
            var a2 = f.approach2();
            out.printf(Locale.ROOT, "  N*(C) = %.4g·C^%.4f   D*(C) = %.4g·C^%.4f   L*(C) = %.4g·C^%.4f%n",
                    a2.paramsLaw().coefficient(), a2.paramsLaw().exponent(), a2.tokensLaw().coefficient(),
                    a2.tokensLaw().exponent(), a2.vertexLossLaw().coefficient(), a2.vertexLossLaw().exponent());
            out.println("  budget C    runs  curvature  vertex N*   vertex L*  inside  off-centre  width(dec)  used");
            for (BudgetParabola p : a2.budgets()) {
                out.printf(Locale.ROOT, "  %.3e  %4d  %9.4f  %.3e  %9.4f  %6s  %10.2f  %10.2f  %s%n", p.compute(), p.runs(),
                        p.p2(), p.vertexParams(), p.vertexLoss(), p.vertexInside() ? "yes" : "NO", p.offCentre(),
                        p.widthDecades(), p.used() ? "yes" : "no");
            }
        }
        f.settings().forEach((k, v) -> out.printf(Locale.ROOT, "setting    %s = %s%n", k, v));
        for (String w : f.warnings()) {
            out.println("WARNING    " + w);
        }
    }
}
