package dev.wharf.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Writes a feature's default configurations as {@code etc/*.cfg} files for FileInstall, once: an existing file is
 * the admin's and is never touched. The importer ({@code dev.wharf.launcher.migrate}) writes its files with the
 * same format and the same atomic replacement.
 */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * The file FileInstall maps to {@code pid}: {@code a.b.cfg} for a singleton, {@code a.b-name.cfg} for the
     * factory configuration {@code a.b~name}.
     */
    public static Path fileFor(Path etc, String pid) {
        return etc.resolve(pid.replace('~', '-') + ".cfg");
    }

    /**
     * Returns whether a file was written. A factory configuration's default (the listener {@code main}) is written
     * only while no instance of that factory has a file: an admin who removed {@code main} and kept, say,
     * {@code dev.wharf.listener-ftps.cfg} does not get it back at the next start.
     */
    static boolean writeIfMissing(Path etc, String feature, String pid, Map<String, String> properties)
            throws IOException {
        Path file = fileFor(etc, pid);
        if (Files.exists(file)) {
            return false;
        }
        int tilde = pid.indexOf('~');
        if (tilde > 0 && Files.isDirectory(etc)) {
            String instancePrefix = pid.substring(0, tilde) + "-";
            try (java.util.stream.Stream<Path> files = Files.list(etc)) {
                if (files.map(f -> f.getFileName().toString())
                        .anyMatch(name -> name.startsWith(instancePrefix) && name.endsWith(".cfg"))) {
                    return false;
                }
            }
        }
        StringBuilder text = new StringBuilder();
        text.append("# Configuration ").append(pid).append(", first written from feature '").append(feature)
                .append("'.\n# Edit freely: changes are applied while the server runs.\n");
        properties.forEach((key, value) -> text.append(line(key, value)));
        Files.createDirectories(etc);
        replace(file, text.toString());
        return true;
    }

    /** One {@code key = value} line, newline included, as FileInstall reads it back. */
    public static String line(String key, String value) {
        return key + " = " + escape(value) + "\n";
    }

    /**
     * Replaces (or creates) {@code file} with {@code text} through a temporary file in the same directory, so the
     * running server's FileInstall never reads half a file.
     */
    public static void replace(Path file, String text) throws IOException {
        Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), ".", ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** Properties-file escaping for values (FileInstall reads .cfg files like java.util.Properties). */
    public static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> escaped.append("\\\\");
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                case '\t' -> escaped.append("\\t");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }
}
