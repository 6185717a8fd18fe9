package scalelab.ladder;

import java.nio.file.Path;

/** Test-only executor process (so a test can kill it): runs LADDER.yaml locally with {@link TestSupport#launcher()}. */
public final class LadderRunMain {
    public static void main(String[] args) {
        LadderSpec spec = LadderSpecReader.read(Path.of(args[0]));
        LadderWorkDir wd = new LadderWorkDir(Path.of(args[1]), spec.name());
        TestSupport.FileSink sink = new TestSupport.FileSink(Path.of(args[2]));
        LadderRunner runner = new LadderRunner(new LadderPlanner(ThroughputModel.DEFAULT), new LocalExecutor(TestSupport.launcher()), sink, System.out);
        LadderRunner.Summary s = runner.run(spec, wd, new LadderRunner.Options(Integer.parseInt(args[3]), Integer.parseInt(args[4]), false), null);
        System.exit(s.failed() == 0 ? 0 : 1);
    }
}
