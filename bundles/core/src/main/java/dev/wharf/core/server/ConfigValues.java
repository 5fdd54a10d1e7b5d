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
    private final SettingDefinitions definitions;

    /** @param owner how messages name the configuration, e.g. {@code Listener 'main'} */
    public ConfigValues(String owner, Map<String, ?> properties) {
        this(owner, properties, null);
    }

    /**
     * Values whose defaults and ranges come from {@code definitions}: the one-argument readers below.
     *
     * @param owner how messages name the configuration, e.g. {@code Listener 'main'}
     */
    public ConfigValues(String owner, Map<String, ?> properties, SettingDefinitions definitions) {
        this.owner = owner;
        this.properties = properties;
        this.definitions = definitions;
    }

    private SettingDefinitions.Definition declared(String key) {
        if (definitions == null) {
            throw new IllegalStateException(owner + " has no setting definitions");
        }
        return definitions.get(key);
    }

    /** {@code key} as a string, its declared default when absent (null when it declares none). */
    public String string(String key) {
        return string(key, declared(key).defaultValue());
    }

    /** {@code key} as an integer within its declared range, its declared default when absent. */
    public int integer(String key) {
        SettingDefinitions.Definition definition = declared(key);
        return integer(key, Integer.parseInt(definition.defaultValue()),
                definition.min() == null ? Integer.MIN_VALUE : Math.toIntExact(definition.min()),
                definition.max() == null ? Integer.MAX_VALUE : Math.toIntExact(definition.max()));
    }

    /** {@code key} as true or false (also yes/no, on/off, 1/0), its declared default when absent. */
    public boolean bool(String key) {
        return bool(key, Boolean.parseBoolean(declared(key).defaultValue()));
    }

    /** {@code key} as an octal number up to {@code max}, its declared default (octal digits) when absent. */
    public int octal(String key, int max) {
        return octal(key, Integer.parseInt(declared(key).defaultValue(), 8), max);
    }

    /** {@code key} as a comma-separated list, its declared default when absent. */
    public List<String> listOrDefault(String key) {
        if (properties.get(key) == null) {
            String fallback = declared(key).defaultValue();
            return fallback == null ? List.of() : Arrays.stream(fallback.split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList();
        }
        return list(key);
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
