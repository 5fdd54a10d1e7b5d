package dev.wharf.launcher;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OSGi R8 feature (Feature Service spec, chapter 159) as far as the launcher needs it: bundles with their
 * start order, and default configurations by PID ({@code factoryPid~name} for factory configurations).
 */
record FeatureDescriptor(String name, List<BundleReference> bundles, Map<String, Map<String, String>> configurations) {

    /** A bundle by Maven coordinates; it lives in {@code system/} in Maven repository layout. */
    record BundleReference(String groupId, String artifactId, String version, int startOrder) {

        static BundleReference parse(String id, int startOrder) {
            String[] parts = id.split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("bundle id must be groupId:artifactId:version, got '" + id + "'");
            }
            if (startOrder < 1) {
                throw new IllegalArgumentException("start-order of " + id + " must be 1 or more, got " + startOrder);
            }
            return new BundleReference(parts[0], parts[1], parts[2], startOrder);
        }

        /**
         * The bundle location: a {@code reference:} URL, so that Felix reads the jar where it lies in {@code system/}
         * instead of copying it into its cache at every start.
         */
        String location(Path system) {
            return "reference:" + file(system).toUri();
        }

        Path file(Path system) {
            return system.resolve(groupId.replace('.', '/')).resolve(artifactId).resolve(version)
                    .resolve(artifactId + "-" + version + ".jar");
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    /** Thrown for a descriptor that is missing or cannot be read; the message names the file. */
    static final class InvalidFeatureException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidFeatureException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static FeatureDescriptor read(String name, Path file) throws InvalidFeatureException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             JsonReader json = Json.createReader(reader)) {
            JsonObject feature = json.readObject();
            List<BundleReference> bundles = new ArrayList<>();
            JsonArray bundleArray = feature.getJsonArray("bundles");
            if (bundleArray != null) {
                for (JsonValue entry : bundleArray) {
                    JsonObject bundle = entry.asJsonObject();
                    bundles.add(BundleReference.parse(bundle.getString("id"),
                            Integer.parseInt(text(bundle.getOrDefault("start-order", Json.createValue("10"))))));
                }
            }
            Map<String, Map<String, String>> configurations = new LinkedHashMap<>();
            JsonObject configurationObject = feature.getJsonObject("configurations");
            if (configurationObject != null) {
                configurationObject.forEach((pid, value) -> {
                    Map<String, String> properties = new LinkedHashMap<>();
                    value.asJsonObject().forEach((key, property) -> properties.put(key, text(property)));
                    configurations.put(pid, properties);
                });
            }
            return new FeatureDescriptor(name, List.copyOf(bundles), configurations);
        } catch (NoSuchFileException missing) {
            throw new InvalidFeatureException("Feature '" + name + "' not found: no " + file, missing);
        } catch (IOException | JsonException | ClassCastException | IllegalArgumentException
                 | NullPointerException malformed) {
            throw new InvalidFeatureException("Feature descriptor " + file + " cannot be used: "
                    + malformed.getMessage(), malformed);
        }
    }

    /** Configuration values as {@code .cfg} text: arrays become comma-separated lists. */
    private static String text(JsonValue value) {
        return switch (value.getValueType()) {
            case STRING -> ((JsonString) value).getString();
            case NUMBER -> ((JsonNumber) value).toString();
            case TRUE -> "true";
            case FALSE -> "false";
            case ARRAY -> String.join(",", value.asJsonArray().stream().map(FeatureDescriptor::text).toList());
            default -> throw new IllegalArgumentException("unsupported value " + value);
        };
    }
}
