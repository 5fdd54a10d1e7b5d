package dev.wharf.core.server;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads typed values from ConfigAdmin properties (FileInstall hands every value over as a string) and reports a
 * bad one with its key, so an admin knows which line of which file to fix.
 */
public final class ConfigValues {

    /** A configuration value that cannot be used; the message names the owner and the key. */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidSettingException(String owner, String key, Object value, String expected) {
            super(owner + ": invalid value for '" + key + "': '" + value + "' (expected " + expected + ")");
        }
    }

    private final String owner;
    private final Map<String, ?> properties;

    /** @param owner how messages name the configuration, e.g. {@code Listener 'main'} */
    public ConfigValues(String owner, Map<String, ?> properties) {
        this.owner = owner;
        this.properties = properties;
    }

    private String raw(String key) {
        Object value = properties.get(key);
        if (value == null) {
            return null;
        }
        String text = value.toString().trim();
        return text.isEmpty() ? null : text;
    }

    public InvalidSettingException invalid(String key, String expected) {
        return new InvalidSettingException(owner, key, raw(key), expected);
    }

    public String string(String key, String fallback) {
        String value = raw(key);
        return value == null ? fallback : value;
    }

    public int integer(String key, int fallback, int min, int max) {
        String value = raw(key);
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
        throw invalid(key, "an integer " + min + "-" + max);
    }

    /** An octal number such as a umask ({@code 022}). */
    public int octal(String key, int fallback, int max) {
        String value = raw(key);
        if (value == null) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value, 8);
            if (number >= 0 && number <= max) {
                return number;
            }
        } catch (NumberFormatException notOctal) {
            // reported below
        }
        throw invalid(key, "an octal number up to " + Integer.toOctalString(max));
    }

    public boolean bool(String key, boolean fallback) {
        String value = raw(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, "true or false");
        };
    }

    /** A comma-separated list (or a String[] from a typed configuration). */
    public List<String> list(String key) {
        Object value = properties.get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String[] array) {
            return Arrays.stream(array).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        return Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
