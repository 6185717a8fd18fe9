package scalelab.training;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import scalelab.registry.io.InputFormatException;
import scalelab.registry.io.StrictInput;

/**
 * The one file format of a run spec: YAML whose keys are {@link RunSpec}'s and {@link ModelConfig}'s component names.
 * {@code scalelab train --config} reads it; the ladder writes one per run for its executors.
 */
public final class RunSpecYaml {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            // a key given twice is an error, not "the last one wins"
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            // only record components are keys: derived accessors such as isMoe() are not
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setVisibility(PropertyAccessor.GETTER, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);

    private static final ObjectMapper JSON = new ObjectMapper()
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setVisibility(PropertyAccessor.GETTER, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);

    private static final String FINAL_LR_FRACTION = "finalLrFraction";

    private RunSpecYaml() {}

    /** The same keys as one line of JSON (what the registry stores; YAML is a superset, so {@link #fromYaml} reads it). */
    public static String toJson(RunSpec spec) {
        try {
            return JSON.writeValueAsString(spec);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String toYaml(RunSpec spec) {
        try {
            return YAML.writeValueAsString(spec);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RunSpec fromYaml(String yaml, String sourceName) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            if (tree instanceof ObjectNode fields && !fields.has(FINAL_LR_FRACTION)) {
                // written before the schedule's end was a field: it ended where its schedule then did
                fields.put(FINAL_LR_FRACTION, RunSpec.legacyFinalLrFraction(fields.path("schedule").asText("cosine")));
            }
            return YAML.treeToValue(tree, RunSpec.class);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String where = e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr();
            throw new IllegalArgumentException(sourceName + where + ": invalid run spec: "
                    + (cause == e ? e.getOriginalMessage() : cause.getMessage()), e);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr();
            throw new IllegalArgumentException(sourceName + where + ": not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(sourceName + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    public static RunSpec read(Path file) {
        String yaml;
        try {
            yaml = StrictInput.readUtf8(file);
        } catch (InputFormatException e) {
            throw new IllegalArgumentException(e.getMessage().replace(": cannot read file: ", ": cannot read run spec: "), e);
        }
        return fromYaml(yaml, file.toString());
    }

    /** Writes atomically (temp file, then rename), so a reader never sees half a spec. */
    public static void write(RunSpec spec, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".spec", ".tmp");
            Files.writeString(tmp, toYaml(spec));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write run spec " + file + ": " + e.getMessage(), e);
        }
    }
}
