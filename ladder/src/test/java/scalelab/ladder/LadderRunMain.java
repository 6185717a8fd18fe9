package scalelab.ladder;

import java.nio.file.Path;

/**
 * Test-only executor process (so a test can kill it): runs LADDER.yaml locally with {@link TestSupport#launcher()},
 * reporting to a sink file and to the registry database given as the sixth argument.
 */
public final class LadderRunMain {
    public static void main(String[] args) {
        LadderSpec spec = LadderSpecReader.read(Path.of(args[0]));
        LadderWorkDir wd = new LadderWorkDir(Path.of(args[1]), spec.name());
        LadderResultSink sink = TestSupport.tee(new TestSupport.FileSink(Path.of(args[2])),
                new RegistryResultSink(Path.of(args[5]), spec.name(), "name: " + spec.name() + "\n", wd));
        LadderRunner runner = new LadderRunner(new LadderPlanner(ThroughputModel.DEFAULT), new LocalExecutor(TestSupport.launcher()), sink, System.out);
        LadderRunner.Summary s = runner.run(spec, wd, new LadderRunner.Options(Integer.parseInt(args[3]), Integer.parseInt(args[4]), false), null);
        System.exit(s.failed() == 0 ? 0 : 1);
    }
}
