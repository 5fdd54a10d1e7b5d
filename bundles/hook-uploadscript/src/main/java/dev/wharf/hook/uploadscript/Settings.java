package dev.wharf.hook.uploadscript;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The upload script configuration, checked as a whole: a value that cannot be used is reported with its key and
 * no settings come out of it, so the hook does nothing rather than guess what the admin meant.
 *
 * @param program        the program to run per upload, or empty
 * @param timeoutSeconds how long the program may run before it (and what it started) is killed
 * @param pipe           the FIFO a running {@code pure-uploadscript} reads, or empty
 * @param lock           the lock file taken around each write to the FIFO, shared with Pure-FTPd
 * @param pipeTimeoutSeconds how long to wait for the FIFO's reader, the lock and the write before dropping a record
 * @param aborted        also pass on aborted uploads whose file is still there (APPE/REST leftovers)
 */
record Settings(Optional<Path> program, int timeoutSeconds, Optional<Path> pipe, Path lock, int pipeTimeoutSeconds,
                boolean aborted) {

    static final String PROGRAM = "program";
    static final String TIMEOUT = "timeout.seconds";
    static final String PIPE = "pipe";
    static final String LOCK = "lock";
    static final String PIPE_TIMEOUT = "pipe.timeout.seconds";
    static final String ABORTED = "aborted";

    /** Where Pure-FTPd and {@code pure-uploadscript} have the FIFO (compiled in; the latter reads no other). */
    static final String PURE_FTPD_PIPE = "/var/run/pure-ftpd.upload.pipe";
    static final String PURE_FTPD_LOCK = "/var/run/pure-ftpd.upload.lock";
    static final int DEFAULT_TIMEOUT = 60;
    static final int DEFAULT_PIPE_TIMEOUT = 5;

    /** A value that cannot be used; the message names the key. */
    static final class InvalidSettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidSettingException(String key, Object value, String expected) {
            super("invalid value for '" + key + "': '" + value + "' (expected " + expected + ")");
        }
    }

    /** Reads ConfigAdmin properties (strings from FileInstall, or typed values). */
    static Settings from(Map<String, ?> properties) {
        return new Settings(absolutePath(properties, PROGRAM),
                integer(properties, TIMEOUT, DEFAULT_TIMEOUT, 1, 86_400),
                absolutePath(properties, PIPE),
                absolutePath(properties, LOCK).orElse(Path.of(PURE_FTPD_LOCK)),
                integer(properties, PIPE_TIMEOUT, DEFAULT_PIPE_TIMEOUT, 1, 3_600),
                bool(properties, ABORTED, false));
    }

    /** Whether uploads are passed on to anything at all. */
    boolean active() {
        return program.isPresent() || pipe.isPresent();
    }

    @Override
    public String toString() {
        return "program " + program.map(Path::toString).orElse("(none)") + " (timeout " + timeoutSeconds + " s), pipe "
                + pipe.map(path -> path + " (lock " + lock + ", timeout " + pipeTimeoutSeconds + " s)").orElse("(none)")
                + ", aborted uploads " + (aborted ? "passed on" : "ignored");
    }

    private static String raw(Map<String, ?> properties, String key) {
        Object value = properties.get(key);
        if (value == null) {
            return null;
        }
        String text = value.toString().strip();
        return text.isEmpty() ? null : text;
    }

    private static Optional<Path> absolutePath(Map<String, ?> properties, String key) {
        String value = raw(properties, key);
        if (value == null) {
            return Optional.empty();
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidSettingException(key, value, "an absolute path without control characters");
        }
        try {
            Path path = Path.of(value);
            if (path.isAbsolute()) {
                return Optional.of(path.normalize());
            }
        } catch (InvalidPathException notAPath) {
            // reported below
        }
        throw new InvalidSettingException(key, value, "an absolute path");
    }

    private static int integer(Map<String, ?> properties, String key, int fallback, int min, int max) {
        String value = raw(properties, key);
        if (value == null) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new InvalidSettingException(key, value, "an integer " + min + "-" + max);
    }

    private static boolean bool(Map<String, ?> properties, String key, boolean fallback) {
        String value = raw(properties, key);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new InvalidSettingException(key, value, "true or false");
        };
    }
}
