package scalelab.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import scalelab.registry.CurvePoint;
import scalelab.registry.ExpertShare;
import scalelab.registry.MoeConfig;
import scalelab.registry.Provenance;
import scalelab.registry.Registry;
import scalelab.registry.RunRecord;
import scalelab.registry.RunStatus;

/**
 * Records training runs in the registry: the one place that maps a {@link RunSpec} and its run directory to registry
 * rows. Used by {@code scalelab train --db} and by the ladder's registry sink. Every call is idempotent by spec hash:
 * a finished run is never re-finished or re-failed, so repeated events after a crash change nothing.
 */
public final class RunRegistration {
    private RunRegistration() {}

    /**
     * The registry row of a planned run: N = active non-embedding params, total = all non-embedding params, and an MoE
     * run's expert configuration ({@link #moeConfig}), which the MoE laws read from the registry.
     */
    public static RunRecord planned(String ladder, RunSpec spec) {
        ModelConfig m = spec.model();
        double budget = spec.budgetFlops() > 0 ? spec.budgetFlops() : spec.flops();
        String hyper = String.format(Locale.ROOT,
                "{\"lr\":%s,\"batch\":%d,\"steps\":%d,\"weight_decay\":%s,\"warmup_fraction\":%s,\"schedule\":\"%s\","
                        + "\"final_lr_fraction\":%s,\"grad_clip\":%s,\"seed\":%d,\"seq_len\":%d,\"d_model\":%d,\"layers\":%d,\"heads\":%d,"
                        + "\"experts\":%d,\"top_k\":%d,\"balance\":\"%s\",\"flop_convention\":\"%s\"}",
                spec.learningRate(), spec.batchSize(), spec.steps(), spec.weightDecay(), spec.warmupFraction(), spec.schedule(),
                spec.finalLrFraction(), spec.gradClip(), spec.seed(), m.seqLen(), m.dModel(), m.layers(), m.heads(), m.experts(), m.topK(),
                spec.balance(), ModelConfig.FLOP_CONVENTION);
        return RunRecord.planned(ladder, spec.name(), spec.specHash(), RunSpecYaml.toJson(spec), m.isMoe() ? "moe" : "dense",
                m.activeParams(), m.nonEmbeddingParams(), spec.tokens(), budget, spec.flops(), hyper, Provenance.codeVersion())
                .withMoe(moeConfig(spec));
    }

    /**
     * An MoE run spec's expert configuration as the registry stores it: experts, top-k, granularity 4·d / d_expert (as
     * the ladder's families count it) and the balancing method; null for a dense spec.
     */
    public static MoeConfig moeConfig(RunSpec spec) {
        ModelConfig m = spec.model();
        return m.isMoe() ? new MoeConfig(m.experts(), m.topK(), 4.0 * m.dModel() / m.dExpert(), spec.balance()) : null;
    }

    /** Stores the run (if new) and marks it running, unless it already finished. Returns its id. */
    public static long started(Registry registry, String ladder, RunSpec spec) {
        long id = registry.upsertRun(planned(ladder, spec));
        if (registry.run(id).orElseThrow().status() != RunStatus.FINISHED) {
            registry.markRunning(id);
        }
        return id;
    }

    /**
     * Stores a completed run with its loss curve (from the run directory's train-curve.csv and eval-curve.csv) and, for
     * MoE runs, its expert shares (expert-shares.csv).
     * Returns false when the registry already had it finished.
     */
    public static boolean finished(Registry registry, String ladder, RunSpec spec, TrainingResult result, Path runDir) {
        if (!TrainingResult.COMPLETED.equals(result.status()) || !spec.specHash().equals(result.specHash())) {
            throw new IllegalArgumentException("run " + spec.name() + ": result.json is " + result.status()
                    + " for spec " + result.specHash() + ", not a completed run of " + spec.specHash());
        }
        long id = registry.upsertRun(planned(ladder, spec));
        RunStatus status = registry.run(id).orElseThrow().status();
        if (status == RunStatus.FINISHED) {
            return false;
        }
        if (status == RunStatus.FAILED) {
            registry.markRunning(id);
        }
        List<CurvePoint> curve = readCurve(runDir);
        if (!curve.isEmpty() && registry.curve(id).isEmpty()) {
            registry.appendCurve(id, curve);
        }
        List<ExpertShare> shares = readExpertShares(runDir);
        if (!shares.isEmpty() && registry.expertShares(id).isEmpty()) {
            registry.appendExpertShares(id, shares);
        }
        registry.finishRun(id, result.finalEvalLoss(), result.bestEvalLoss(), result.countedFlops(), result.wallSeconds(),
                finishedAt(runDir));
        return true;
    }

    /**
     * When the run finished: the time its result.json was written (the run directory may be registered long after,
     * e.g. by a ladder's sink catching up), else now. The start is recorded by {@link #started}, when the registry is
     * told before the first step; a run registered only once finished has no known start and is never reported as
     * preregistered.
     */
    static java.time.Instant finishedAt(Path runDir) {
        Path result = runDir.resolve(TrainingResult.FILE_NAME);
        try {
            return Files.isRegularFile(result) ? Files.getLastModifiedTime(result).toInstant() : java.time.Instant.now();
        } catch (IOException e) {
            return java.time.Instant.now(); // the result itself was read by the caller; its time is a detail
        }
    }

    /** The run directory's expert-shares.csv (step, layer, expert_0 … expert_{E-1}); empty for dense runs. */
    public static List<ExpertShare> readExpertShares(Path runDir) {
        List<ExpertShare> out = new ArrayList<>();
        for (String[] row : csvRows(runDir.resolve(Trainer.EXPERT_SHARES_FILE))) {
            long step = Long.parseLong(row[0]);
            int layer = Integer.parseInt(row[1]);
            for (int e = 2; e < row.length; e++) {
                // Written as float: clamp the last-bit excursions above 1 a lone expert's share can show.
                out.add(new ExpertShare(step, layer, e - 2, Math.min(1.0, Double.parseDouble(row[e]))));
            }
        }
        return out;
    }

    /** Marks the run failed with the reason, unless it already finished. */
    public static void failed(Registry registry, String ladder, RunSpec spec, String reason) {
        long id = registry.upsertRun(planned(ladder, spec));
        if (registry.run(id).orElseThrow().status() != RunStatus.FINISHED) {
            registry.failRun(id, reason);
        }
    }

    /** The run directory's loss curve: every training step, with the held-out loss where it was evaluated. */
    public static List<CurvePoint> readCurve(Path runDir) {
        Path train = runDir.resolve("train-curve.csv");
        Path eval = runDir.resolve("eval-curve.csv");
        TreeMap<Long, double[]> byStep = new TreeMap<>(); // step -> {tokens, train, eval}
        for (String[] row : csvRows(train)) {
            byStep.put(Long.parseLong(row[0]), new double[] {Double.parseDouble(row[1]), Double.parseDouble(row[3]), Double.NaN});
        }
        for (String[] row : csvRows(eval)) {
            long step = Long.parseLong(row[0]);
            double[] v = byStep.computeIfAbsent(step, k -> new double[] {Double.parseDouble(row[1]), Double.NaN, Double.NaN});
            v[2] = Double.parseDouble(row[2]);
        }
        List<CurvePoint> out = new ArrayList<>(byStep.size());
        byStep.forEach((step, v) -> out.add(new CurvePoint(step, (long) v[0], v[1], v[2])));
        return out;
    }

    private static List<String[]> csvRows(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String[]> rows = new ArrayList<>();
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                if (!line.isBlank()) {
                    rows.add(line.split(","));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
