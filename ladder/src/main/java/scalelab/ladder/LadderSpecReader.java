package scalelab.ladder;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.PlausibleRange;
import scalelab.registry.io.StrictInput;
import scalelab.training.CorpusLocation;

/**
 * Reads a ladder YAML file into a {@link LadderSpec}. Unknown keys, wrong types and impossible combinations are
 * {@link LadderSpecException}s naming the file and line. The format is documented in examples/README.md.
 */
public final class LadderSpecReader {
    private static final Set<String> TOP = Set.of("name", "corpus", "tokenizer", "seq_len", "seed", "families", "budgets",
            "sizes", "rules", "schedule", "eval", "targets");
    private static final Set<String> FAMILY = Set.of("name", "experts", "top_k", "balance", "granularity", "capacity_factor", "aux_loss_coef");
    private static final Set<String> SIZES = Set.of("widths", "count", "span", "tokens_per_param", "n_star_coefficient",
            "n_star_exponent", "width_step", "min_width", "max_width");
    private static final Set<String> RULES = Set.of("depth", "head_dim", "batch", "lr");
    private static final Set<String> DEPTH = Set.of("divisor", "min");
    private static final Set<String> BATCH = Set.of("min", "max", "target_steps", "multiple_of");
    private static final Set<String> LR = Set.of("coefficient", "batch_ref", "batch_exponent", "width_ref", "width_exponent",
            "tokens_ref", "tokens_exponent");
    private static final Set<String> SCHEDULE = Set.of("type", "warmup_fraction", "weight_decay", "grad_clip", "final_lr_fraction");
    private static final Set<String> EVAL = Set.of("set", "tokens");
    private static final Set<String> TARGET = Set.of("name", "budget", "width", "family");

    /** Widest model a ladder may name: 4·d and the parameter counts stay far inside int and long arithmetic. */
    static final int MAX_WIDTH = scalelab.training.ModelConfig.MAX_D_MODEL;

    private final YamlTree tree;
    private final Path specDirectory;

    private LadderSpecReader(YamlTree tree, Path specDirectory) {
        this.tree = tree;
        this.specDirectory = specDirectory;
    }

    /** Reads a ladder file; a relative {@code corpus:} path is taken from the file's directory. */
    public static LadderSpec read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new LadderSpecException(file + ": cannot read ladder spec: " + e.getMessage());
        }
        String yaml;
        try {
            yaml = StrictInput.decodeUtf8(file, bytes);
        } catch (InputFormatException e) {
            throw new LadderSpecException(e.getMessage());
        }
        return parse(yaml, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Parses ladder text that has no file: a relative {@code corpus:} path is taken from the working directory. */
    public static LadderSpec parse(String yaml, String sourceName) {
        return parse(yaml, sourceName, Path.of("").toAbsolutePath());
    }

    /** Parses ladder text; a relative {@code corpus:} path is resolved against {@code specDirectory}. */
    public static LadderSpec parse(String yaml, String sourceName, Path specDirectory) {
        return new LadderSpecReader(YamlTree.parse(yaml, sourceName), specDirectory).spec();
    }

    private LadderSpec spec() {
        JsonNode root = tree.root;
        checkKeys(root, "", TOP);
        String name = text(root, "", "name", null);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw tree.error("/name", "ladder name must be letters, digits, '.', '_' or '-' (it names a directory), got '" + name + "'");
        }
        String corpus = text(root, "", "corpus", CorpusLocation.DEFAULT);
        if (!corpus.equals(CorpusLocation.DEFAULT) && !Path.of(corpus).isAbsolute()) {
            // every run trains in its own directory: a path relative to the spec must reach it as an absolute one
            corpus = specDirectory.resolve(corpus).normalize().toString();
        }
        String tokenizer = text(root, "", "tokenizer", "byte");
        Integer vocab = scalelab.training.data.Tokenizer.VOCAB_SIZES.get(tokenizer);
        if (vocab == null) {
            throw tree.error("/tokenizer", "tokenizer must be byte or gpt2, got " + tokenizer);
        }
        int seqLen = (int) integer(root, "", "seq_len", 128L, 2, 1 << 16);
        long seed = integer(root, "", "seed", 0L, 0, Long.MAX_VALUE);

        List<LadderSpec.Family> families = families(root.get("families"));
        List<Double> budgets = budgets(root.get("budgets"));
        LadderSpec.Sizes sizes = sizes(root.get("sizes"));
        LadderSpec.Rules rules = rules(root.get("rules"));
        LadderSpec.Schedule schedule = schedule(root.get("schedule"));
        JsonNode e = object(root.get("eval"), "/eval", EVAL);
        String evalSet = text(e, "/eval", "set", "validation");
        if (!evalSet.equals("validation")) {
            // the trainer has one held-out set: the validation documents (10% of documents, chosen by a hash of their path)
            throw tree.error("/eval/set", "eval.set must be validation (the held-out validation documents, the only set the trainer evaluates on), got " + evalSet);
        }
        // the trainer needs at least 2 tokens (one prediction); more than the validation split has are capped by it
        LadderSpec.Eval eval = new LadderSpec.Eval(evalSet, integer(e, "/eval", "tokens", 65536L, 2, Long.MAX_VALUE));
        List<LadderSpec.Target> targets = targets(root.get("targets"), families);
        LadderSpec.SpecSource source = tree::error;
        return new LadderSpec(name, corpus, tokenizer, vocab, seqLen, seed, families, budgets, sizes, rules, schedule, eval, targets, source);
    }

    private List<LadderSpec.Family> families(JsonNode node) {
        List<LadderSpec.Family> out = new ArrayList<>();
        if (node == null) {
            out.add(new LadderSpec.Family("dense", 1, 1, "none", 1, 0, 0));
            return out;
        }
        if (!node.isArray() || node.isEmpty()) {
            throw tree.error("/families", "families must be a non-empty list");
        }
        for (int i = 0; i < node.size(); i++) {
            String p = "/families/" + i;
            JsonNode f = object(node.get(i), p, FAMILY);
            String name = text(f, p, "name", null);
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*") || name.equals("target") || name.startsWith("target-")) {
                // run names are LADDER-FAMILY-C…-dW and targets LADDER-target-NAME: a family must not read as either
                throw tree.error(p + "/name", "family name '" + name + "' must be letters, digits, '.', '_' or '-' and not start with 'target'");
            }
            for (LadderSpec.Family other : out) {
                if (other.name().equals(name)) {
                    throw tree.error(p + "/name", "family name '" + name + "' is used twice");
                }
            }
            int experts = (int) integer(f, p, "experts", 1L, 1, 1024);
            if (experts == 1) {
                for (String moeKey : List.of("top_k", "balance", "granularity", "capacity_factor", "aux_loss_coef")) {
                    if (f.has(moeKey)) {
                        throw tree.error(p + "/" + moeKey, moeKey + " only applies to MoE families (experts > 1); this family is dense");
                    }
                }
                out.add(new LadderSpec.Family(name, 1, 1, "none", 1, 0, 0));
                continue;
            }
            int topK = (int) integer(f, p, "top_k", 2L, 1, 1024);
            if (topK > experts) {
                throw tree.error(p + "/top_k", "top_k (" + topK + ") cannot exceed experts (" + experts + ")");
            }
            String balance = text(f, p, "balance", "aux");
            if (!balance.equals("aux") && !balance.equals("quantile")) {
                throw tree.error(p + "/balance", "balance must be aux or quantile, got " + balance);
            }
            int granularity = (int) integer(f, p, "granularity", 1L, 1, 64);
            double capacity = number(f, p, "capacity_factor", 0.0, 0, 64);
            double aux = number(f, p, "aux_loss_coef", balance.equals("aux") ? 0.01 : 0.0, 0, 10);
            if (balance.equals("quantile") && aux > 0) {
                throw tree.error(p + "/aux_loss_coef", "quantile balancing takes no auxiliary loss; remove aux_loss_coef or use balance: aux");
            }
            out.add(new LadderSpec.Family(name, experts, topK, balance, granularity, capacity, aux));
        }
        return out;
    }

    private List<Double> budgets(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw tree.error(node == null ? "" : "/budgets", "budgets must be a non-empty list of FLOP counts, e.g. [1e11, 3e11, 1e12]");
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            double c = asNumber(node.get(i), "/budgets/" + i);
            if (!(c > 0) || !Double.isFinite(c)) {
                throw tree.error("/budgets/" + i, "a budget must be a positive number of FLOPs, got " + node.get(i).asText());
            }
            if (c > PlausibleRange.MAX_FLOPS) {
                throw tree.error("/budgets/" + i, "a budget of " + node.get(i).asText() + " FLOPs is out of range (at most "
                        + PlausibleRange.MAX_FLOPS + ", 10^4 times the largest training runs reported; a typo?)");
            }
            if (!out.isEmpty() && c <= out.get(out.size() - 1)) {
                throw tree.error("/budgets/" + i, "budgets must be strictly increasing (" + c + " after " + out.get(out.size() - 1) + ")");
            }
            out.add(c);
        }
        return out;
    }

    private LadderSpec.Sizes sizes(JsonNode node) {
        String p = "/sizes";
        if (node == null) {
            throw tree.error("", "sizes is required: either widths: [...] or count/span for automatic sizes around N*");
        }
        JsonNode s = object(node, p, SIZES);
        int step = (int) integer(s, p, "width_step", 16L, 2, 4096);
        if (step % 2 != 0) {
            throw tree.error(p + "/width_step", "width_step must be even (rotary positions need even head widths), got " + step);
        }
        int minW = (int) integer(s, p, "min_width", (long) step, 2, 1 << 16);
        int maxW = (int) integer(s, p, "max_width", 4096L, 2, 1 << 16);
        if (minW > maxW) {
            throw tree.error(p + "/min_width", "min_width (" + minW + ") exceeds max_width (" + maxW + ")");
        }
        if (s.has("widths")) {
            for (String auto : List.of("count", "span", "tokens_per_param", "n_star_coefficient", "n_star_exponent")) {
                if (s.has(auto)) {
                    throw tree.error(p + "/" + auto, "give either explicit widths or automatic sizes (" + auto + "), not both");
                }
            }
            JsonNode w = s.get("widths");
            if (!w.isArray() || w.isEmpty()) {
                throw tree.error(p + "/widths", "widths must be a non-empty list of model widths");
            }
            List<Integer> widths = new ArrayList<>();
            for (int i = 0; i < w.size(); i++) {
                double v = asNumber(w.get(i), p + "/widths/" + i);
                if (v != Math.rint(v) || v < 2 || v % 2 != 0) {
                    throw tree.error(p + "/widths/" + i, "a width must be an even integer >= 2, got " + w.get(i).asText());
                }
                if (v > MAX_WIDTH) {
                    throw tree.error(p + "/widths/" + i, "a width must be at most " + MAX_WIDTH + ", got " + w.get(i).asText());
                }
                if (widths.contains((int) v)) {
                    throw tree.error(p + "/widths/" + i, "width " + (int) v + " is listed twice");
                }
                widths.add((int) v);
            }
            return new LadderSpec.Sizes(widths, widths.size(), 1, 0, 0, step, minW, maxW);
        }
        int count = (int) integer(s, p, "count", 5L, 1, 64);
        double span = number(s, p, "span", 4.0, 1.0, 1e4);
        if (count > 1 && span <= 1.0) {
            throw tree.error(p + "/span", "span must exceed 1 to place " + count + " sizes around N*");
        }
        double coefficient;
        double exponent;
        if (s.has("n_star_coefficient") || s.has("n_star_exponent")) {
            if (s.has("tokens_per_param")) {
                throw tree.error(p + "/tokens_per_param", "give either tokens_per_param or n_star_coefficient/n_star_exponent, not both");
            }
            coefficient = number(s, p, "n_star_coefficient", null, 1e-30, 1e30);
            exponent = number(s, p, "n_star_exponent", null, 0.05, 1.0);
        } else {
            // C = 6·N·D with D = r·N gives N* = (C / (6 r))^0.5 (Chinchilla's ~20 tokens per parameter by default)
            double r = number(s, p, "tokens_per_param", LadderSpec.Sizes.DEFAULT_TOKENS_PER_PARAM, 1e-3, 1e6);
            coefficient = Math.pow(6 * r, -0.5);
            exponent = 0.5;
        }
        return new LadderSpec.Sizes(List.of(), count, span, coefficient, exponent, step, minW, maxW);
    }

    private LadderSpec.Rules rules(JsonNode node) {
        String p = "/rules";
        JsonNode r = object(node, p, RULES);
        JsonNode depth = object(r.get("depth"), p + "/depth", DEPTH);
        JsonNode batch = object(r.get("batch"), p + "/batch", BATCH);
        JsonNode lr = object(r.get("lr"), p + "/lr", LR);
        int minB = (int) integer(batch, p + "/batch", "min", 4L, 1, 1 << 20);
        int maxB = (int) integer(batch, p + "/batch", "max", 256L, 1, 1 << 20);
        if (minB > maxB) {
            throw tree.error(p + "/batch/min", "batch min (" + minB + ") exceeds batch max (" + maxB + ")");
        }
        return new LadderSpec.Rules(
                (int) integer(depth, p + "/depth", "divisor", 100L, 1, 1 << 16),
                (int) integer(depth, p + "/depth", "min", 2L, 1, 1024),
                (int) integer(r, p, "head_dim", 32L, 2, 4096),
                minB, maxB,
                integer(batch, p + "/batch", "target_steps", 200L, 1, Long.MAX_VALUE),
                learningRate(lr, p + "/lr"),
                (int) integer(batch, p + "/batch", "multiple_of", 0L, 0, 1 << 20));
    }

    /** rules.lr: Marin's coefficient · √B / d by default, each reference and exponent overridable (LadderSpec.LearningRate). */
    private LadderSpec.LearningRate learningRate(JsonNode lr, String p) {
        LadderSpec.LearningRate marin = LadderSpec.LearningRate.marin(number(lr, p, "coefficient", 0.33, 1e-9, 1e3));
        if (lr.has("tokens_exponent") && !lr.has("tokens_ref")) {
            // a horizon term without its reference would scale every rate by D^e, e.g. 1e-2 at D = 1e6, e = -1/3
            throw tree.error(p + "/tokens_exponent", "tokens_exponent needs tokens_ref, the token horizon at which the rule gives coefficient's rate");
        }
        return new LadderSpec.LearningRate(marin.coefficient(),
                number(lr, p, "batch_ref", marin.batchRef(), 1e-9, 1e12),
                number(lr, p, "batch_exponent", marin.batchExponent(), -4, 4),
                number(lr, p, "width_ref", marin.widthRef(), 1e-9, 1e12),
                number(lr, p, "width_exponent", marin.widthExponent(), -4, 4),
                number(lr, p, "tokens_ref", marin.tokensRef(), 1, 1e30),
                number(lr, p, "tokens_exponent", marin.tokensExponent(), -4, 4));
    }

    private LadderSpec.Schedule schedule(JsonNode node) {
        String p = "/schedule";
        JsonNode s = object(node, p, SCHEDULE);
        String type = text(s, p, "type", "cosine");
        if (!type.equals("cosine") && !type.equals("wsd")) {
            throw tree.error(p + "/type", "schedule type must be cosine or wsd, got " + type);
        }
        double warmup = number(s, p, "warmup_fraction", 0.05, 0, 0.999);
        // annealing to zero by default: with 10% of the peak left, a run's last two evaluations differed by 0.45%
        return new LadderSpec.Schedule(type, warmup, number(s, p, "weight_decay", 0.1, 0, 10), number(s, p, "grad_clip", 1.0, 0, 1e6),
                number(s, p, "final_lr_fraction", 0.0, 0, 1));
    }

    private List<LadderSpec.Target> targets(JsonNode node, List<LadderSpec.Family> families) {
        List<LadderSpec.Target> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!node.isArray()) {
            throw tree.error("/targets", "targets must be a list");
        }
        for (int i = 0; i < node.size(); i++) {
            String p = "/targets/" + i;
            JsonNode t = object(node.get(i), p, TARGET);
            double budget = number(t, p, "budget", null, 1, PlausibleRange.MAX_FLOPS);
            int width = (int) integer(t, p, "width", 0L, 0, MAX_WIDTH);
            String name = text(t, p, "name", null);
            for (LadderSpec.Target other : out) {
                if (other.name().equals(name)) {
                    // both would be planned as LADDER-target-NAME: one name, two meanings
                    throw tree.error(p + "/name", "target name '" + name + "' is used twice (also targets."
                            + out.indexOf(other) + ", line " + tree.line("/targets/" + out.indexOf(other) + "/name") + ")");
                }
            }
            String family = text(t, p, "family", families.get(0).name());
            if (families.stream().noneMatch(f -> f.name().equals(family))) {
                throw tree.error(p + "/family", "no family named '" + family + "' in families");
            }
            out.add(new LadderSpec.Target(name, budget, width, family));
        }
        return out;
    }

    // ---- typed access with line-numbered errors ----

    private JsonNode object(JsonNode node, String pointer, Set<String> allowed) {
        if (node == null) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw tree.error(pointer, "expected a mapping of keys " + new java.util.TreeSet<>(allowed));
        }
        checkKeys(node, pointer, allowed);
        return node;
    }

    private void checkKeys(JsonNode node, String pointer, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw tree.error(pointer + "/" + key, "unknown key '" + key + "' (allowed here: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        }
    }

    private String text(JsonNode parent, String pointer, String key, String fallback) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw tree.error(pointer.isEmpty() ? "" : pointer, "missing required key '" + key + "'");
            }
            return fallback;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw tree.error(pointer + "/" + key, key + " must be a non-empty string");
        }
        return v.asText();
    }

    private double number(JsonNode parent, String pointer, String key, Double fallback, double min, double max) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw tree.error(pointer, "missing required key '" + key + "'");
            }
            return fallback;
        }
        double d = asNumber(v, pointer + "/" + key);
        if (!(d >= min && d <= max)) {
            throw tree.error(pointer + "/" + key, key + " must be in [" + min + ", " + max + "], got " + v.asText());
        }
        return d;
    }

    private long integer(JsonNode parent, String pointer, String key, Long fallback, long min, long max) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw tree.error(pointer, "missing required key '" + key + "'");
            }
            return fallback;
        }
        double d = asNumber(v, pointer + "/" + key);
        if (d != Math.rint(d) || d < min || d > max) {
            throw tree.error(pointer + "/" + key, key + " must be an integer in [" + min + ", " + max + "], got " + v.asText());
        }
        return (long) d;
    }

    /** YAML 1.1 reads "1e11" (no dot) as a string: accept numeric text too. */
    private double asNumber(JsonNode v, String pointer) {
        if (v.isNumber()) {
            return v.asDouble();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
        }
        throw tree.error(pointer, "expected a number, got '" + v.asText() + "'");
    }
}
