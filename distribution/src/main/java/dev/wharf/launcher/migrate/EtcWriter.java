package dev.wharf.launcher.migrate;

import dev.wharf.launcher.ConfigFiles;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Brings an import's plan to {@code etc/}: a missing {@code .cfg} is written; one that already has the imported values
 * is left alone; one with other values is reported and left alone unless forced, in which case only the imported keys
 * are changed in it (its comments and other keys stay). {@code features.properties} gets the features the
 * configuration needs. Every write replaces the file atomically, so a running server never reads half a file.
 */
final class EtcWriter {

    /** What {@code etc/features.properties} holds in a fresh distribution. */
    static final List<String> DEFAULT_FEATURES = List.of("base", "core", "storage-local", "auth-passwd", "tls");

    enum Status {
        /** The file does not exist yet. */
        NEW,
        /** It has the imported values already. */
        UNCHANGED,
        /** It has other values and --force changes them. */
        UPDATED,
        /** It has other values and is left alone (no --force). */
        CONFLICT
    }

    /**
     * One configuration file's fate.
     *
     * @param differences for UPDATED and CONFLICT: {@code key = old -> new}
     * @param content     what is (or would be) written; null when nothing is
     */
    record Outcome(String pid, Path file, Status status, List<String> differences, String content) {
    }

    /** The features file's fate; {@code content} null when it stays as it is. */
    record FeaturesOutcome(Path file, List<String> after, List<String> added, Map<String, String> removed,
                           boolean created, String content) {
    }

    private EtcWriter() {
    }

    static List<Outcome> prepare(Path etc, ImportPlan plan, boolean force) throws IOException {
        List<Outcome> outcomes = new ArrayList<>();
        List<Map.Entry<String, Map<String, String>>> files = new ArrayList<>(plan.files.entrySet());
        files.sort(Comparator.comparingInt(entry -> ConfMapper.PID_ORDER.indexOf(entry.getKey())));
        for (Map.Entry<String, Map<String, String>> entry : files) {
            String pid = entry.getKey();
            Map<String, String> wanted = entry.getValue();
            Path file = ConfigFiles.fileFor(etc, pid);
            if (!Files.exists(file)) {
                StringBuilder text = new StringBuilder();
                text.append("# Configuration ").append(pid).append(", imported from Pure-FTPd's ").append(plan.source)
                        .append(" by bin/wharf import-conf.\n")
                        .append("# Edit freely: changes are applied while the server runs.\n");
                wanted.forEach((key, value) -> text.append(ConfigFiles.line(key, value)));
                outcomes.add(new Outcome(pid, file, Status.NEW, List.of(), text.toString()));
                continue;
            }
            String existing = read(file);
            Properties current = load(existing, file);
            List<String> differences = new ArrayList<>();
            Map<String, String> changes = new LinkedHashMap<>();
            wanted.forEach((key, value) -> {
                String old = current.getProperty(key);
                if (old == null) {
                    differences.add(key + " (not set) -> " + value);
                    changes.put(key, value);
                } else if (!same(old, value)) {
                    differences.add(key + " = " + old.strip() + " -> " + value);
                    changes.put(key, value);
                }
            });
            if (differences.isEmpty()) {
                outcomes.add(new Outcome(pid, file, Status.UNCHANGED, List.of(), null));
            } else if (!force) {
                outcomes.add(new Outcome(pid, file, Status.CONFLICT, differences, null));
            } else {
                outcomes.add(new Outcome(pid, file, Status.UPDATED, differences,
                        update(existing, changes, plan.source)));
            }
        }
        return outcomes;
    }

    static FeaturesOutcome prepareFeatures(Path etc, ImportPlan plan) throws IOException {
        Path file = etc.resolve("features.properties");
        boolean exists = Files.exists(file);
        String existing = exists ? read(file) : null;
        List<String> before = exists ? featureNames(load(existing, file)) : DEFAULT_FEATURES;
        Set<String> after = new LinkedHashSet<>(before);
        Map<String, String> removed = new LinkedHashMap<>();
        plan.featuresRemoved.forEach((name, reason) -> {
            if (after.remove(name)) {
                removed.put(name, reason);
            }
        });
        List<String> added = new ArrayList<>();
        for (String name : plan.featuresAdded) {
            if (after.add(name)) {
                added.add(name);
            }
        }
        String line = "features = " + String.join(", ", after);
        String content;
        if (!exists) {
            content = "# Features started with the server, in order (see system/features/).\n" + line + "\n";
        } else if (added.isEmpty() && removed.isEmpty()) {
            content = null;
        } else {
            content = replaceFeaturesLine(existing, line);
        }
        return new FeaturesOutcome(file, List.copyOf(after), added, removed, !exists, content);
    }

    /** Writes what the outcomes say should be written. */
    static void apply(List<Outcome> outcomes, FeaturesOutcome features) throws IOException {
        for (Outcome outcome : outcomes) {
            if (outcome.content() != null) {
                ConfigFiles.replace(outcome.file(), outcome.content());
            }
        }
        if (features.content() != null) {
            ConfigFiles.replace(features.file(), features.content());
        }
    }

    /** Same value, counting yes/true/on and no/false/off as equal. */
    private static boolean same(String old, String wanted) {
        String a = old.strip();
        Boolean x = PureFtpdKeys.bool(a);
        Boolean y = PureFtpdKeys.bool(wanted);
        if (x != null && y != null && !a.matches("\\d+")) {
            return x.equals(y);
        }
        return a.equals(wanted);
    }

    /**
     * The existing text with the (first) line of each changed key replaced, later duplicates of it removed (they would
     * win), and keys it did not have appended.
     */
    static String update(String existing, Map<String, String> wanted, String source) {
        StringBuilder text = new StringBuilder();
        Set<String> done = new LinkedHashSet<>();
        for (String logical : logicalLines(existing)) {
            String key = keyOf(logical);
            if (key == null || !wanted.containsKey(key)) {
                text.append(logical).append('\n');
            } else if (done.add(key)) {
                text.append(ConfigFiles.line(key, wanted.get(key)));
            }
        }
        List<String> missing = wanted.keySet().stream().filter(key -> !done.contains(key)).toList();
        if (!missing.isEmpty()) {
            text.append("# imported from Pure-FTPd's ").append(source).append(" by bin/wharf import-conf\n");
            missing.forEach(key -> text.append(ConfigFiles.line(key, wanted.get(key))));
        }
        return text.toString();
    }

    private static String replaceFeaturesLine(String existing, String line) {
        StringBuilder text = new StringBuilder();
        boolean written = false;
        for (String logical : logicalLines(existing)) {
            if (!"features".equals(keyOf(logical))) {
                text.append(logical).append('\n');
            } else if (!written) {
                text.append(line).append('\n');
                written = true;
            }
        }
        if (!written) {
            text.append(line).append('\n');
        }
        return text.toString();
    }

    /** Lines as java.util.Properties sees them: a line ending in an odd number of backslashes goes on. */
    static List<String> logicalLines(String text) {
        List<String> result = new ArrayList<>();
        StringBuilder logical = null;
        String[] physical = text.split("\n", -1);
        int count = text.endsWith("\n") ? physical.length - 1 : physical.length;
        for (int i = 0; i < count; i++) {
            String line = physical[i];
            if (logical == null) {
                String stripped = line.stripLeading();
                if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
                    result.add(line);
                    continue;
                }
                logical = new StringBuilder(line);
            } else {
                logical.append('\n').append(line);
            }
            if (!continues(line)) {
                result.add(logical.toString());
                logical = null;
            }
        }
        if (logical != null) {
            result.add(logical.toString());
        }
        return result;
    }

    private static boolean continues(String line) {
        int backslashes = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    private static String keyOf(String logical) {
        Properties one = new Properties();
        try {
            one.load(new StringReader(logical));
        } catch (IOException | IllegalArgumentException malformed) {
            return null;
        }
        return one.isEmpty() ? null : one.stringPropertyNames().iterator().next();
    }

    private static List<String> featureNames(Properties properties) {
        return Arrays.stream(properties.getProperty("features", "").split(",")).map(String::strip)
                .filter(name -> !name.isEmpty()).distinct().toList();
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static Properties load(String text, Path file) throws IOException {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IllegalArgumentException malformed) {
            throw new IOException(file + ": not a properties file: " + malformed.getMessage(), malformed);
        }
        return properties;
    }
}
