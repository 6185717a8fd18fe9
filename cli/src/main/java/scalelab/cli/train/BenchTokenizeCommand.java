package scalelab.cli.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import scalelab.training.CorpusLocation;
import scalelab.training.data.Corpus;
import scalelab.training.data.Tokenizer;

/**
 * {@code scalelab bench tokenize}: how fast a tokenizer turns a corpus into tokens, and how many bytes a token stands
 * for — every run of a ladder tokenizes its corpus once before the first step.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Measure tokenizer throughput (MB/s) and bytes per token on a corpus.")
public final class BenchTokenizeCommand implements Callable<Integer> {

    @Option(names = "--corpus", paramLabel = "PATH", description = "Folder of UTF-8 text files (default: data/corpus from bin/fetch-corpus).")
    String corpus = CorpusLocation.DEFAULT;

    @Option(names = "--tokenizer", split = ",", description = "Tokenizers to measure (default byte,gpt2).")
    List<String> tokenizers = List.of("byte", "gpt2");

    @Option(names = "--repeats", description = "Timed passes over the corpus after one warm-up pass (default 3; median reported).")
    int repeats = 3;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "text, or json: the same figures as one document (default: ${DEFAULT-VALUE})")
    String format;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (repeats < 1) {
            throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        }
        Corpus c = Corpus.load(CorpusLocation.resolve(corpus));
        List<Corpus.Document> docs = new ArrayList<>(c.train());
        docs.addAll(c.validation());
        long bytes = c.trainBytes() + c.validationBytes();
        scalelab.cli.BenchOutput out = new scalelab.cli.BenchOutput(spec.commandLine().getOut(), format, "tokenize");
        out.text("corpus %s: %d documents, %.2f MB%n", c.root(), docs.size(), bytes / 1e6);
        out.text("| tokenizer | vocab | load s | tokens | bytes/token | median s | MB/s |%n");
        out.text("| --- | --- | --- | --- | --- | --- | --- |%n");
        out.root().put("corpus", c.root().toString());
        out.root().put("documents", docs.size());
        out.root().put("bytes", bytes);
        for (String name : tokenizers) {
            long t0 = System.nanoTime();
            Tokenizer tokenizer = Tokenizer.forName(name);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            long tokens = pass(tokenizer, docs);
            double[] seconds = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                pass(tokenizer, docs);
                seconds[r] = (System.nanoTime() - start) / 1e9;
            }
            java.util.Arrays.sort(seconds);
            double median = seconds[repeats / 2];
            out.text("| %s | %d | %.2f | %,d | %.2f | %.2f | %.1f |%n", name, tokenizer.vocabSize(), loadSeconds, tokens,
                    bytes / (double) tokens, median, bytes / 1e6 / median);
            var t = out.list("tokenizers").addObject();
            t.put("tokenizer", name);
            t.put("vocab", tokenizer.vocabSize());
            t.put("load_seconds", loadSeconds);
            t.put("tokens", tokens);
            t.put("bytes_per_token", bytes / (double) tokens);
            t.put("median_seconds", median);
            t.put("mb_per_second", bytes / 1e6 / median);
        }
        out.finish();
        return 0;
    }

    /** What training does: the whole corpus through {@link Tokenizer#encodeAll}. */
    private static long pass(Tokenizer tokenizer, List<Corpus.Document> docs) {
        long tokens = 0;
        for (int[] ids : tokenizer.encodeAll(docs.stream().map(Corpus.Document::utf8).toList())) {
            tokens += ids.length;
        }
        return tokens;
    }
}
