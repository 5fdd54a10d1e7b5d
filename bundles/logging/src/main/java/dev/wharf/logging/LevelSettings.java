package dev.wharf.logging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The levels one {@code dev.wharf.logging} configuration asks for, checked: the root's (null when it named no
 * level), each named logger's, and a sentence for every value that was left out.
 */
record LevelSettings(String root, Map<String, String> loggers, List<String> problems) {

    static final List<String> LEVELS = List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE", "OFF");
    static final String ROOT = org.slf4j.Logger.ROOT_LOGGER_NAME;

    static LevelSettings parse(String pid, String level, String[] loggers) {
        List<String> problems = new ArrayList<>();
        String root = level(level);
        if (root == null) {
            problems.add("Setting 'level' of " + pid + ": '" + level + "' is not a level (" + choices()
                    + "); the root logger keeps its level from start-up");
        }
        Map<String, String> named = new LinkedHashMap<>();
        // a .cfg file gives one comma-separated string, a typed configuration an array
        for (String value : loggers == null ? new String[0] : loggers) {
            for (String entry : value.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                int equals = entry.indexOf('=');
                String name = equals < 0 ? "" : entry.substring(0, equals).strip();
                String wanted = equals < 0 ? null : level(entry.substring(equals + 1));
                if (equals < 0) {
                    problems.add(ignored(pid, entry, "it is not name=LEVEL"));
                } else if (name.isEmpty()) {
                    problems.add(ignored(pid, entry, "it names no logger"));
                } else if (wanted == null) {
                    problems.add(ignored(pid, entry, "'" + entry.substring(equals + 1).strip() + "' is not a level ("
                            + choices() + ")"));
                } else {
                    // a later entry for the same logger wins, as a later line of a file would
                    named.put(name.equalsIgnoreCase(ROOT) ? ROOT : name, wanted);
                }
            }
        }
        return new LevelSettings(root, named, problems);
    }

    /** {@code text} as one of {@link #LEVELS}, in any case; null if it is none. */
    static String level(String text) {
        if (text == null) {
            return null;
        }
        String upper = text.strip().toUpperCase(Locale.ROOT);
        return LEVELS.contains(upper) ? upper : null;
    }

    private static String ignored(String pid, String entry, String why) {
        return "Setting 'loggers' of " + pid + ": entry '" + entry.strip() + "' ignored, " + why;
    }

    private static String choices() {
        return String.join(", ", LEVELS);
    }
}
