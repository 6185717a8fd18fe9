package scalelab.ladder;

import scalelab.training.TrainingResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import scalelab.training.RunSpecYaml;

/**
 * Executes a planned ladder resumably: every run keyed by its spec hash in the work directory; finished runs are
 * skipped (and reported once if an earlier executor died before reporting them), attempts an earlier executor left
 * running are re-attached, interrupted runs are relaunched (the trainer resumes from its checkpoint), a failed attempt
 * is retried up to {@code retries} times and then the run is marked failed without stopping the others.
 * A run marked failed by an earlier `ladder run` gets a fresh set of attempts.
 */
public final class LadderRunner {

    /** @param parallel attempts in flight at once; @param retries extra attempts after a failure; @param adaptive centre each budget on N* fitted to the finished budgets */
    public record Options(int parallel, int retries, boolean adaptive) {
        public Options {
            if (parallel < 1 || retries < 0) {
                throw new IllegalArgumentException("parallel must be >= 1 and retries >= 0");
            }
        }
    }

    /** Outcome of one `ladder run`: runs finished (including ones already finished before), failed, and names of the failed. */
    public record Summary(int total, int finished, int alreadyFinished, int failed, List<String> failedRuns) {}

    private final LadderPlanner planner;
    private final RunExecutor executor;
    private final LadderResultSink sink;
    private final PrintStream progress;

    public LadderRunner(LadderPlanner planner, RunExecutor executor, LadderResultSink sink, PrintStream progress) {
        this.planner = planner;
        this.executor = executor;
        this.sink = sink;
        this.progress = progress;
    }

    /**
     * Plans and runs the whole ladder. With {@code options.adaptive()}, budgets run in order and each budget's sizes
     * are centred on {@code predictor}'s N* fitted to the finished runs of the earlier budgets (from the third budget
     * on; the first two use the spec's rule). Centres are saved in the work dir so a restart plans the same runs.
     */
    public Summary run(LadderSpec spec, LadderWorkDir workDir, Options options, NStarPredictor predictor) {
        try (LadderWorkDir.Lock lock = workDir.lock()) {
            return runLocked(spec, workDir, options, predictor);
        }
    }

    private Summary runLocked(LadderSpec spec, LadderWorkDir workDir, Options options, NStarPredictor predictor) {
        if (!options.adaptive()) {
            return execute(planner.plan(spec).runs(), workDir, options);
        }
        if (!spec.sizes().automatic()) {
            throw spec.source().error("/sizes", "--adaptive centres automatic sizes; this ladder lists explicit widths");
        }
        if (predictor == null) {
            throw new IllegalStateException("--adaptive needs an N* predictor (the VPNLS fit), and none is bound");
        }
        Map<String, Map<Double, Double>> centres = workDir.readCentres();
        List<PlannedRun> done = new ArrayList<>();
        int total = 0, finished = 0, already = 0, failed = 0;
        List<String> failedRuns = new ArrayList<>();
        for (double budget : spec.budgets()) {
            for (LadderSpec.Family family : spec.families()) {
                Map<Double, Double> fc = centres.computeIfAbsent(family.name(), k -> new LinkedHashMap<>());
                if (!fc.containsKey(budget)) {
                    List<NStarPredictor.FinishedRun> fin = finishedRuns(done, workDir, family.name());
                    long budgetsDone = fin.stream().mapToDouble(NStarPredictor.FinishedRun::budget).distinct().count();
                    NStarPredictor.Centre centre = budgetsDone >= 2 ? predictor.centre(fin) : null;
                    double nStar = centre != null ? centre.nStar().applyAsDouble(budget) : spec.sizes().nStar(budget);
                    if (!(nStar > 0) || !Double.isFinite(nStar)) {
                        throw new IllegalStateException("N* predictor returned " + nStar + " for budget " + budget);
                    }
                    fc.put(budget, nStar);
                    workDir.writeCentres(centres);
                    progress.printf(Locale.ROOT, "ladder %s: %s at %.3g FLOPs centred on N*=%.4g (%s)%n", spec.name(), family.name(),
                            budget, nStar, budgetsDone >= 2 ? "fitted to " + budgetsDone + " finished budgets" : "spec rule");
                    if (centre != null && !centre.warning().isEmpty()) {
                        progress.printf(Locale.ROOT, "ladder %s: warning: %s at %.3g FLOPs: %s%n", spec.name(), family.name(), budget,
                                centre.warning());
                    }
                }
            }
            List<PlannedRun> atBudget = planner.plan(spec, centres).runsAt(budget);
            Summary s = execute(atBudget, workDir, options);
            total += s.total();
            finished += s.finished();
            already += s.alreadyFinished();
            failed += s.failed();
            failedRuns.addAll(s.failedRuns());
            done.addAll(atBudget);
        }
        return new Summary(total, finished, already, failed, failedRuns);
    }

    private static List<NStarPredictor.FinishedRun> finishedRuns(List<PlannedRun> runs, LadderWorkDir workDir, String family) {
        List<NStarPredictor.FinishedRun> out = new ArrayList<>();
        for (PlannedRun r : runs) {
            TrainingResult res = r.family().equals(family) ? workDir.run(r.specHash()).finishedResult(r.specHash()) : null;
            if (res != null) {
                out.add(new NStarPredictor.FinishedRun(family, r.budget(), r.activeParams(), r.tokens(), res.finalEvalLoss()));
            }
        }
        return out;
    }

    private static final class Active {
        final PlannedRun run;
        final RunDir dir;
        final RunExecutor.Attempt attempt;
        final int number;

        Active(PlannedRun run, RunDir dir, RunExecutor.Attempt attempt, int number) {
            this.run = run;
            this.dir = dir;
            this.attempt = attempt;
            this.number = number;
        }
    }

    /** Runs these planned runs to completion (finished or failed). */
    public Summary execute(List<PlannedRun> runs, LadderWorkDir workDir, Options options) {
        Deque<PlannedRun> waiting = new ArrayDeque<>();
        List<Active> active = new ArrayList<>();
        Map<String, Integer> failuresNow = new HashMap<>();
        List<String> failedRuns = new ArrayList<>();
        int finished = 0;
        int already = 0;
        double totalFlops = runs.stream().mapToDouble(PlannedRun::plannedFlops).sum();
        double doneFlops = 0;
        checkEvaluations(runs, workDir);
        for (PlannedRun run : runs) {
            RunDir dir = workDir.run(run.specHash());
            dir.prepare(run.spec());
            TrainingResult result = dir.finishedResult(run.specHash());
            if (result != null) {
                executor.collected(dir);
                reportOnce(run, dir, result);
                finished++;
                already++;
                doneFlops += run.plannedFlops();
                continue;
            }
            dir.delete("failed");
            RunExecutor.Attempt left;
            try {
                left = executor.reattach(dir, run);
            } catch (IOException e) {
                left = null;
            }
            if (left != null) {
                progress.printf("ladder: re-attached %s (%s)%n", run.spec().name(), left.describe());
                active.add(new Active(run, dir, left, Math.max(1, dir.attemptsStarted())));
            } else {
                waiting.add(run);
            }
        }
        String lastLine = "";
        while (!waiting.isEmpty() || !active.isEmpty()) {
            // every free slot at once: an executor that can starts them together (Slurm: one job array)
            List<RunExecutor.Launch> batch = new ArrayList<>();
            List<Integer> numbers = new ArrayList<>();
            while (active.size() + batch.size() < options.parallel() && !waiting.isEmpty()) {
                PlannedRun run = waiting.poll();
                RunDir dir = workDir.run(run.specHash());
                int number = dir.attemptsStarted() + 1;
                dir.appendAttemptLine("attempt " + number + " started executor=" + executor.name());
                sink.onRunStarted(run, number);
                batch.add(new RunExecutor.Launch(dir, run));
                numbers.add(number);
            }
            List<RunExecutor.Started> started = batch.isEmpty() ? List.of() : executor.launchAll(batch);
            if (started.size() != batch.size()) {
                throw new IllegalStateException(executor.name() + " executor returned " + started.size() + " outcomes for " + batch.size() + " launches");
            }
            for (int i = 0; i < started.size(); i++) {
                RunExecutor.Launch l = batch.get(i);
                RunExecutor.Started st = started.get(i);
                if (st.attempt() != null) {
                    l.dir().appendAttemptLine("attempt " + numbers.get(i) + " is " + st.attempt().describe());
                    active.add(new Active(l.run(), l.dir(), st.attempt(), numbers.get(i)));
                } else if (attemptFailed(l.run(), l.dir(), numbers.get(i), "could not launch: " + st.error(), List.of(), null,
                        failuresNow, options, waiting)) {
                    failedRuns.add(l.run().spec().name());
                }
            }
            for (Active a : List.copyOf(active)) {
                Integer code;
                try {
                    code = a.attempt.poll();
                } catch (IOException e) {
                    progress.println("ladder: cannot poll " + a.attempt.describe() + ": " + e.getMessage() + " (will retry)");
                    continue;
                }
                if (code == null) {
                    continue;
                }
                active.remove(a);
                executor.collected(a.dir);
                TrainingResult result = a.dir.finishedResult(a.run.specHash());
                if (result != null) {
                    a.dir.appendAttemptLine("attempt " + a.number + " finished exit=" + code);
                    reportOnce(a.run, a.dir, result);
                    finished++;
                    doneFlops += a.run.plannedFlops();
                } else {
                    String reason = (code == 0 ? "exited 0 without a finished result.json" : "exit code " + code) + ", " + a.attempt.describe();
                    List<String> logLines = RunDir.logTail(a.attempt.log(), RunDir.LOG_LINES_SHOWN);
                    if (attemptFailed(a.run, a.dir, a.number, reason, logLines, a.attempt.log(), failuresNow, options, waiting)) {
                        failedRuns.add(a.run.spec().name());
                    }
                }
            }
            String line = progressLine(workDir.ladderName(), runs.size(), finished, active.size(), failedRuns.size(), waiting.size(),
                    totalFlops == 0 ? 1 : doneFlops / totalFlops);
            if (!line.equals(lastLine)) {
                progress.println(line);
                lastLine = line;
            }
            if (!waiting.isEmpty() || !active.isEmpty()) {
                try {
                    Thread.sleep(executor.pollMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("ladder run interrupted; rerun it to resume", e);
                }
            }
        }
        if (lastLine.isEmpty()) {
            progress.println(progressLine(workDir.ladderName(), runs.size(), finished, 0, 0, 0, 1));
        }
        return new Summary(runs.size(), finished, already, failedRuns.size(), failedRuns);
    }

    /**
     * Refuses, before anything is launched or reported, a ladder whose finished runs were evaluated on another number
     * of held-out tokens than its eval.tokens. The evaluation is not in the spec hash (it does not change the trained
     * model, and re-keying would orphan every existing run), so without this check a changed eval.tokens would
     * silently mix losses measured on different sets.
     */
    static void checkEvaluations(List<PlannedRun> runs, LadderWorkDir workDir) {
        List<String> mismatches = new ArrayList<>();
        for (PlannedRun run : runs) {
            RunDir dir = workDir.run(run.specHash());
            TrainingResult r = dir.finishedResult(run.specHash());
            if (r == null) {
                continue;
            }
            if (r.evalTokenLimit() > 0) {
                if (r.evalTokenLimit() != run.evalTokens()) {
                    mismatches.add(String.format(Locale.ROOT, "run %s (%s) finished evaluated on eval.tokens %d but the ladder says %d",
                            run.spec().name(), run.specHash().substring(0, 12), r.evalTokenLimit(), run.evalTokens()));
                }
            } else if (r.evalTokens() > Math.max(run.evalTokens(), run.spec().model().seqLen() + 1L) - 1) {
                // a result from before the limit was recorded: its predicted-token count only shows a limit that was larger
                mismatches.add(String.format(Locale.ROOT, "run %s (%s) finished evaluated on %d held-out tokens, more than the ladder's eval.tokens %d allows",
                        run.spec().name(), run.specHash().substring(0, 12), r.evalTokens(), run.evalTokens()));
            }
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException(mismatches.get(0)
                    + (mismatches.size() > 1 ? " (and " + (mismatches.size() - 1) + " more runs)" : "")
                    + ": losses on different held-out sets do not compare; set eval.tokens back, or use another --workdir to re-run the ladder");
        }
    }

    /**
     * Records a failed attempt; requeues the run if retries remain, else marks it failed. Returns true when marked
     * failed. The attempt's last log lines go with the reason wherever it is shown (progress, the failed file that
     * `ladder status` prints, the registry), so the cause of a failure is read where the failure is reported.
     */
    private boolean attemptFailed(PlannedRun run, RunDir dir, int number, String reason, List<String> logLines, Path log,
                                  Map<String, Integer> failuresNow, Options options, Deque<PlannedRun> waiting) {
        int failures = failuresNow.merge(run.specHash(), 1, Integer::sum);
        String logText = logLines.isEmpty() ? "" : logLines.stream().map(l -> "\n  | " + l).collect(Collectors.joining())
                + "\n  (log: " + log + ")";
        dir.appendAttemptLine("attempt " + number + " failed: " + reason + (logLines.isEmpty() ? "" : "; last log line: " + logLines.get(logLines.size() - 1)));
        if (failures <= options.retries()) {
            progress.printf("ladder: %s attempt %d failed (%s); retrying%s%n", run.spec().name(), number, reason, logText);
            waiting.add(run);
            return false;
        }
        dir.write("failed", Instant.now() + " after " + failures + " attempt(s): " + reason + logText + "\n");
        progress.printf("ladder: %s FAILED after %d attempt(s): %s%s%n", run.spec().name(), failures, reason, logText);
        sink.onRunFailed(run, failures, reason + (logLines.isEmpty() ? "" : "; log: " + String.join(" | ", logLines)));
        return true;
    }

    private void reportOnce(PlannedRun run, RunDir dir, TrainingResult result) {
        if (!dir.has("reported")) {
            sink.onRunFinished(run, result);
            dir.write("reported", Instant.now() + "\n");
        }
    }

    static String progressLine(String ladder, int total, int finished, int running, int failed, int waiting, double flopFraction) {
        int width = 24;
        int filled = total == 0 ? width : (int) Math.round(width * (finished + failed) / (double) total);
        return String.format(Locale.ROOT, "ladder %s [%s%s] %d/%d finished, %d running, %d failed, %d waiting | %.0f%% of FLOPs done",
                ladder, "#".repeat(filled), "-".repeat(width - filled), finished, total, running, failed, waiting, 100 * flopFraction);
    }

    /** Re-reads a run's spec from its directory (status uses it; the hash is recomputed, not trusted from the name). */
    static scalelab.training.RunSpec specOf(RunDir dir) {
        return RunSpecYaml.read(dir.spec());
    }
}
