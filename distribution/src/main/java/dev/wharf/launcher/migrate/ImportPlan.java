package dev.wharf.launcher.migrate;

import dev.wharf.launcher.migrate.Setting.Origin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What an import produces, before anything is written: Wharf's settings per PID and the account of every line. */
final class ImportPlan {

    /** Why a setting was not mapped; the report groups them so. */
    enum Kind {
        /** Wharf already behaves like this and cannot be configured otherwise: nothing is lost. */
        ALREADY("Wharf already works this way (nothing to set)"),
        /** Wharf behaves differently: set something by hand or accept the difference. */
        DIFFERS("Wharf differs: set by hand or accept the difference"),
        /** The value cannot be used (Pure-FTPd would refuse it too). */
        INVALID("Invalid lines (fix them and import again)"),
        /** Not a Pure-FTPd key. */
        UNKNOWN("Unknown keys");

        final String heading;

        Kind(String heading) {
            this.heading = heading;
        }
    }

    /** A setting, or part of one, that did not become Wharf configuration. {@code origin} is null for an absent key. */
    record Unmapped(String key, Origin origin, Kind kind, String reason) {
        @Override
        public String toString() {
            return key + (origin == null ? " (not set)" : " (" + origin + ")") + ": " + reason;
        }
    }

    /** Where the configuration came from. */
    final String source;
    /** Wharf's settings by configuration PID ({@code dev.wharf.listener~main} …), keys in the order they were set. */
    final Map<String, Map<String, String>> files = new LinkedHashMap<>();
    /** Features the configuration needs, in the order they were found. */
    final Set<String> featuresAdded = new LinkedHashSet<>();
    /** Features to take out of {@code features.properties}, each with the reason. */
    final Map<String, String> featuresRemoved = new LinkedHashMap<>();
    /** What each setting became, in the order read. */
    final Map<Setting, String> lines = new LinkedHashMap<>();
    final List<Unmapped> unmapped = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    /** Wharf defaults that differ from Pure-FTPd's for keys the configuration does not set. */
    final List<String> differingDefaults = new ArrayList<>();

    ImportPlan(String source) {
        this.source = source;
    }

    void put(String pid, String key, String value) {
        files.computeIfAbsent(pid, any -> new LinkedHashMap<>()).put(key, value);
    }
}
