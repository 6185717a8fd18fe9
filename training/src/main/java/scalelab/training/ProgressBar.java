package scalelab.training;

import java.io.PrintStream;

/** Terminal progress on stderr: one line redrawn at most twice a second (step, loss, tokens/s, ETA). */
public final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private long totalSteps;
    private long startStep;
    private long startNanos;
    private long lastDraw;
    private double smoothedLoss = Double.NaN;
    private double lastEval = Double.NaN;

    public ProgressBar(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onStart(RunSpec spec, long startStep, long totalSteps) {
        this.totalSteps = totalSteps;
        this.startStep = startStep;
        this.startNanos = System.nanoTime();
        out.printf("training %s: %,d params (%,d non-embedding), %,d steps × %,d tokens%s%n", spec.name(),
                spec.model().totalParams(), spec.model().nonEmbeddingParams(), totalSteps, spec.tokensPerStep(),
                startStep > 0 ? ", resuming at step " + startStep : "");
    }

    @Override
    public void onStep(long step, long tokens, double trainLoss, double learningRate, double tokensPerSecond) {
        smoothedLoss = Double.isNaN(smoothedLoss) ? trainLoss : 0.9 * smoothedLoss + 0.1 * trainLoss;
        long now = System.nanoTime();
        if (now - lastDraw < 500_000_000L && step < totalSteps) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - startNanos) / 1e9;
        long done = step - startStep;
        double eta = done > 0 ? elapsed / done * (totalSteps - step) : Double.NaN;
        double rate = done > 0 && elapsed > 0 ? done * (tokens / (double) step) / elapsed : tokensPerSecond;
        int filled = (int) (WIDTH * step / Math.max(1, totalSteps));
        out.printf("\rstep %d/%d [%s%s] loss %.4f%s | %,.0f tok/s | ETA %s   ", step, totalSteps, "=".repeat(filled),
                " ".repeat(WIDTH - filled), smoothedLoss, Double.isNaN(lastEval) ? "" : String.format(" eval %.4f", lastEval),
                rate, duration(eta));
        out.flush();
    }

    @Override
    public void onEval(long step, long tokens, double evalLossNatsPerToken, double evalBitsPerByte) {
        lastEval = evalLossNatsPerToken;
    }

    @Override
    public void onFinish(TrainingResult r) {
        out.printf("%n%s: eval loss %.4f nats/token (%.4f bits/byte), %,d tokens in %.1f s, %,.0f tok/s, MFU %.1f%%%n",
                r.status(), r.finalEvalLoss(), r.finalEvalBitsPerByte(), r.tokens(), r.wallSeconds(), r.tokensPerSecond(),
                100 * r.mfu());
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
