package scalelab.training;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import scalelab.training.data.Tokenizer;

/**
 * Everything that determines one training run. Two runs with equal specs are the same run: {@link #specHash()} keys
 * runs in the registry and makes ladder execution idempotent.
 *
 * @param name           human-readable run name (not part of the hash)
 * @param model          architecture
 * @param batchSize      sequences per optimiser step
 * @param steps          optimiser steps; tokens = steps · batchSize · seqLen
 * @param learningRate   peak learning rate
 * @param weightDecay    AdamW decoupled weight decay (applied to matrices only)
 * @param warmupFraction fraction of steps spent in linear warmup
 * @param schedule       "cosine" or "wsd" (warmup-stable-decay)
 * @param gradClip       global gradient-norm clip (0 = off)
 * @param seed           seeds initialisation and data order
 * @param corpus         corpus folder, or "default" for the fetched npm corpus
 * @param tokenizer      "byte" or "gpt2"
 * @param budgetFlops    the compute budget this run was planned for (0 when trained by token count)
 * @param balance        MoE load balancing: "aux" (Switch auxiliary loss) or "quantile" (balanced assignment);
 *                       "none" for dense models
 * @param capacityFactor MoE expert capacity factor (0 = dropless)
 * @param auxLossCoef    coefficient of the auxiliary balancing loss (used with "aux")
 * @param finalLrFraction learning rate at the last step as a fraction of the peak (0 anneals to zero, so the last
 *                       evaluations of a run agree; cosine runs before 2026-12-03 ended at 0.1)
 */
public record RunSpec(String name, ModelConfig model, int batchSize, long steps, double learningRate, double weightDecay,
                      double warmupFraction, String schedule, double gradClip, long seed, String corpus, String tokenizer,
                      double budgetFlops, String balance, double capacityFactor, double auxLossCoef,
                      double finalLrFraction) {

    /** This run under another name and learning rate (a learning-rate sweep's cells). */
    public RunSpec withNameAndLearningRate(String newName, double newLearningRate) {
        return new RunSpec(newName, model, batchSize, steps, newLearningRate, weightDecay, warmupFraction, schedule, gradClip,
                seed, corpus, tokenizer, budgetFlops, balance, capacityFactor, auxLossCoef, finalLrFraction);
    }

    /** This run with another seed and corpus (the two things `train --config` may override). */
    public RunSpec withSeedAndCorpus(long newSeed, String newCorpus) {
        return new RunSpec(name, model, batchSize, steps, learningRate, weightDecay, warmupFraction, schedule, gradClip,
                newSeed, newCorpus, tokenizer, budgetFlops, balance, capacityFactor, auxLossCoef, finalLrFraction);
    }

    /** Where each schedule ended before the end was a field: cosine at 10% of the peak, WSD at zero. */
    public static double legacyFinalLrFraction(String schedule) {
        return "wsd".equals(schedule) ? 0.0 : 0.1;
    }

    /** A spec whose schedule ends where {@link #legacyFinalLrFraction} says (tests and specs written before the field). */
    public RunSpec(String name, ModelConfig model, int batchSize, long steps, double learningRate, double weightDecay,
                   double warmupFraction, String schedule, double gradClip, long seed, String corpus, String tokenizer,
                   double budgetFlops, String balance, double capacityFactor, double auxLossCoef) {
        this(name, model, batchSize, steps, learningRate, weightDecay, warmupFraction, schedule, gradClip, seed, corpus,
                tokenizer, budgetFlops, balance, capacityFactor, auxLossCoef, legacyFinalLrFraction(schedule));
    }

    public RunSpec {
        if (!(finalLrFraction >= 0 && finalLrFraction <= 1)) {
            throw new IllegalArgumentException("final learning-rate fraction must be in [0, 1], got " + finalLrFraction);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("a run needs at least one step (tokens or FLOPs too small?), got " + steps);
        }
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (weightDecay < 0 || !(warmupFraction >= 0 && warmupFraction < 1) || gradClip < 0) {
            throw new IllegalArgumentException("weight decay and clip must be >= 0 and warmup fraction in [0, 1)");
        }
        if (!"cosine".equals(schedule) && !"wsd".equals(schedule)) {
            throw new IllegalArgumentException("schedule must be cosine or wsd, got " + schedule);
        }
        if (model.isMoe() ? !("aux".equals(balance) || "quantile".equals(balance)) : !"none".equals(balance)) {
            throw new IllegalArgumentException(model.isMoe()
                    ? "MoE balance must be aux or quantile, got " + balance : "dense models take balance none, got " + balance);
        }
        if (capacityFactor < 0 || auxLossCoef < 0) {
            throw new IllegalArgumentException("capacity factor and aux loss coefficient must be >= 0");
        }
        if (!Tokenizer.VOCAB_SIZES.containsKey(tokenizer)) {
            throw new IllegalArgumentException("tokenizer must be byte or gpt2, got " + tokenizer);
        }
    }

    public long tokensPerStep() {
        return (long) batchSize * model.seqLen();
    }

    /** D: training tokens. */
    public long tokens() {
        return steps * tokensPerStep();
    }

    /** Exact training FLOPs of this run under {@link ModelConfig#FLOP_CONVENTION}. */
    public double flops() {
        return model.trainingFlopsPerToken() * tokens();
    }

    /** Steps that make the run's FLOPs closest to {@code budget}. */
    public static long stepsForBudget(ModelConfig model, int batchSize, double budget) {
        double perStep = model.trainingFlopsPerToken() * batchSize * model.seqLen();
        return Math.max(1L, Math.round(budget / perStep));
    }

    /**
     * SHA-256 over every field but the name. The final learning-rate fraction enters only when it differs from the
     * schedule's legacy end, so runs specified before it was a field keep their hashes (and their run directories).
     */
    public String specHash() {
        String canonical = model + "|" + batchSize + "|" + steps + "|" + learningRate + "|" + weightDecay + "|" + warmupFraction
                + "|" + schedule + "|" + gradClip + "|" + seed + "|" + corpus + "|" + tokenizer + "|" + budgetFlops
                + "|" + balance + "|" + capacityFactor + "|" + auxLossCoef
                + (finalLrFraction == legacyFinalLrFraction(schedule) ? "" : "|final_lr=" + finalLrFraction);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
