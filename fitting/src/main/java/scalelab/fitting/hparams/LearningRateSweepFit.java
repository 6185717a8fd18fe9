package scalelab.fitting.hparams;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.SingularMatrixException;

/**
 * Fits a learning-rate rule to a sweep: runs that share width d, batch B and training tokens D (a cell) and differ only
 * in learning rate. Each cell's best rate comes from the parabola in ln(lr) through its lowest loss and the two
 * neighbouring rates; a cell whose lowest loss sits at either end of its grid has no such parabola and is reported, not
 * used. The rule ln lr* = ln c + a·ln(B/B₀) + b·ln(d/d₀) + t·ln(D/D₀) is then fitted by least squares to the interior
 * cells, with the batch exponent a held (a sweep at one batch rule cannot separate it from D) and b, t fitted only when
 * the interior cells span more than one width, respectively token horizon.
 */
public final class LearningRateSweepFit {

    /** One run of the sweep. A diverged run has a non-finite loss. */
    public record Trial(int width, int batch, long tokens, double lr, double loss) {
        public Trial {
            if (width < 1 || batch < 1 || tokens < 1 || !(lr > 0) || !Double.isFinite(lr)) {
                throw new IllegalArgumentException("a sweep trial needs width, batch, tokens and lr > 0, got d" + width
                        + " B" + batch + " D" + tokens + " lr " + lr);
            }
        }
    }

    /** Where a cell's best rate is. */
    public enum CellStatus {
        /** Lowest loss between two other rates: the parabola's vertex is the best rate. */
        INTERIOR,
        /** Lowest loss at the smallest rate tried: the best rate is lower still. */
        AT_LOWEST_RATE,
        /** Lowest loss at the largest rate tried (or every larger rate diverged): the best rate is higher still. */
        AT_HIGHEST_RATE,
        /** Fewer than three rates with a finite loss. */
        TOO_FEW_RATES
    }

    /** A cell's best rate ({@code bestLr}: the vertex when INTERIOR, else the grid's best) and the loss there. */
    public record Cell(int width, int batch, long tokens, List<Trial> trials, double bestLr, double bestLoss, CellStatus status) {}

    /** Whether the rule could be fitted. */
    public enum RuleStatus {
        /** Fitted to at least one more interior cell than it has free parameters. */
        FITTED,
        /** As many interior cells as free parameters: the rule passes through them, with no check of its form. */
        EXACT,
        /** No interior cell: no rule. */
        NO_INTERIOR_CELL
    }

    /**
     * The fitted rule in the ladder YAML's terms. {@code widthFitted}/{@code tokensFitted} say which exponents the sweep
     * determined; the others are the given defaults. {@code rmsLogResidual}: root-mean-square of ln(lr*) residuals.
     */
    public record Rule(double coefficient, double batchRef, double batchExponent, double widthRef, double widthExponent,
                       boolean widthFitted, double tokensRef, double tokensExponent, boolean tokensFitted, int cellsUsed,
                       double rmsLogResidual, RuleStatus status) {

        public double at(int width, int batch, long tokens) {
            return coefficient * Math.pow(batch / batchRef, batchExponent) * Math.pow(width / widthRef, widthExponent)
                    * Math.pow(tokens / tokensRef, tokensExponent);
        }
    }

    public record Result(List<Cell> cells, Rule rule) {}

    private LearningRateSweepFit() {}

    /**
     * @param batchExponent held batch exponent a (Marin's √B: 0.5)
     * @param defaultWidthExponent width exponent used when the interior cells have one width (Marin: −1)
     * @param defaultTokensExponent tokens exponent used when they have one horizon (0: no correction)
     */
    public static Result fit(List<Trial> trials, double batchExponent, double defaultWidthExponent, double defaultTokensExponent) {
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("a learning-rate sweep needs trials");
        }
        Map<String, List<Trial>> byCell = new LinkedHashMap<>();
        for (Trial t : trials) {
            byCell.computeIfAbsent(t.width() + "|" + t.batch() + "|" + t.tokens(), k -> new ArrayList<>()).add(t);
        }
        List<Cell> cells = new ArrayList<>();
        for (List<Trial> cellTrials : byCell.values()) {
            cells.add(cell(cellTrials));
        }
        List<Cell> interior = cells.stream().filter(c -> c.status() == CellStatus.INTERIOR).toList();
        if (interior.isEmpty()) {
            return new Result(cells, new Rule(Double.NaN, 1, batchExponent, 1, defaultWidthExponent, false, 1,
                    defaultTokensExponent, false, 0, Double.NaN, RuleStatus.NO_INTERIOR_CELL));
        }
        // references at the geometric middle of the interior cells, so the coefficient is the rate of a typical cell
        double batchRef = geoMean(interior, Cell::batch);
        double widthRef = geoMean(interior, Cell::width);
        double tokensRef = geoMean(interior, c -> c.tokens());
        boolean fitWidth = interior.stream().map(Cell::width).distinct().count() > 1;
        boolean fitTokens = interior.stream().map(Cell::tokens).distinct().count() > 1;
        Rule rule = rule(interior, batchRef, batchExponent, widthRef, defaultWidthExponent, fitWidth, tokensRef,
                defaultTokensExponent, fitTokens);
        if (rule == null) {
            // widths and horizons moving together in the interior cells cannot be told apart: keep both defaults
            rule = rule(interior, batchRef, batchExponent, widthRef, defaultWidthExponent, false, tokensRef, defaultTokensExponent, false);
        }
        return new Result(cells, rule);
    }

    /** Least squares on the interior cells; null when the design is singular. */
    private static Rule rule(List<Cell> interior, double batchRef, double batchExponent, double widthRef, double widthExponent,
                             boolean fitWidth, double tokensRef, double tokensExponent, boolean fitTokens) {
        int parameters = 1 + (fitWidth ? 1 : 0) + (fitTokens ? 1 : 0);
        RealMatrix x = new Array2DRowRealMatrix(interior.size(), parameters);
        double[] y = new double[interior.size()];
        for (int i = 0; i < interior.size(); i++) {
            Cell c = interior.get(i);
            double lw = Math.log(c.width() / widthRef);
            double lt = Math.log(c.tokens() / tokensRef);
            y[i] = Math.log(c.bestLr()) - batchExponent * Math.log(c.batch() / batchRef)
                    - (fitWidth ? 0 : widthExponent * lw) - (fitTokens ? 0 : tokensExponent * lt);
            int col = 0;
            x.setEntry(i, col++, 1);
            if (fitWidth) {
                x.setEntry(i, col++, lw);
            }
            if (fitTokens) {
                x.setEntry(i, col, lt);
            }
        }
        if (interior.size() < parameters) {
            return null;
        }
        double[] beta;
        try {
            beta = new QRDecomposition(x, 1e-9).getSolver().solve(new ArrayRealVector(y)).toArray();
        } catch (SingularMatrixException e) {
            return null;
        }
        double ss = 0;
        for (int i = 0; i < y.length; i++) {
            double predicted = 0;
            for (int j = 0; j < parameters; j++) {
                predicted += x.getEntry(i, j) * beta[j];
            }
            ss += (y[i] - predicted) * (y[i] - predicted);
        }
        return new Rule(Math.exp(beta[0]), batchRef, batchExponent, widthRef, fitWidth ? beta[1] : widthExponent, fitWidth,
                tokensRef, fitTokens ? beta[fitWidth ? 2 : 1] : tokensExponent, fitTokens, interior.size(),
                Math.sqrt(ss / y.length), interior.size() > parameters ? RuleStatus.FITTED : RuleStatus.EXACT);
    }

    static Cell cell(List<Trial> trials) {
        Trial first = trials.get(0);
        List<Trial> sorted = trials.stream().sorted(Comparator.comparingDouble(Trial::lr)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).lr() == sorted.get(i - 1).lr()) {
                throw new IllegalArgumentException("sweep cell d" + first.width() + " B" + first.batch() + " D" + first.tokens()
                        + " has learning rate " + sorted.get(i).lr() + " twice");
            }
        }
        List<Trial> finite = sorted.stream().filter(t -> Double.isFinite(t.loss())).toList();
        if (finite.size() < 3) {
            Trial best = finite.stream().min(Comparator.comparingDouble(Trial::loss)).orElse(null);
            return new Cell(first.width(), first.batch(), first.tokens(), sorted, best == null ? Double.NaN : best.lr(),
                    best == null ? Double.NaN : best.loss(), CellStatus.TOO_FEW_RATES);
        }
        int k = 0;
        for (int i = 1; i < finite.size(); i++) {
            if (finite.get(i).loss() < finite.get(k).loss()) {
                k = i;
            }
        }
        Trial best = finite.get(k);
        if (k == 0 || k == finite.size() - 1) {
            return new Cell(first.width(), first.batch(), first.tokens(), sorted, best.lr(), best.loss(),
                    k == 0 ? CellStatus.AT_LOWEST_RATE : CellStatus.AT_HIGHEST_RATE);
        }
        // parabola through the best rate and its neighbours, in ln(lr)
        double x0 = Math.log(finite.get(k - 1).lr()), x1 = Math.log(best.lr()), x2 = Math.log(finite.get(k + 1).lr());
        double y0 = finite.get(k - 1).loss(), y1 = best.loss(), y2 = finite.get(k + 1).loss();
        double d01 = (y1 - y0) / (x1 - x0), d12 = (y2 - y1) / (x2 - x1);
        double curvature = (d12 - d01) / (x2 - x0); // > 0: y1 is the lowest of the three
        double slopeAtX1 = d01 + curvature * (x1 - x0);
        double vertex = x1 - slopeAtX1 / (2 * curvature);
        vertex = Math.max(x0, Math.min(x2, vertex));
        double lossAtVertex = y1 + slopeAtX1 * (vertex - x1) + curvature * (vertex - x1) * (vertex - x1);
        return new Cell(first.width(), first.batch(), first.tokens(), sorted, Math.exp(vertex), lossAtVertex, CellStatus.INTERIOR);
    }

    private static double geoMean(List<Cell> cells, java.util.function.ToDoubleFunction<Cell> f) {
        return Math.exp(cells.stream().mapToDouble(c -> Math.log(f.applyAsDouble(c))).average().orElseThrow());
    }
}
