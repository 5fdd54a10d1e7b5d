package dev.wharf.auth.ldap;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The keys of Pure-FTPd's {@code pureftpd-ldap.conf}: {@code Key value} lines, keys case-insensitive, {@code #}
 * comment lines; an unknown key is an error, as in Pure-FTPd.
 */
final class LdapSettings {

    enum AuthMethod { BIND, PASSWORD }

    static final Set<String> KEYS = Set.of("ldapscheme", "ldapserver", "ldapport", "ldapbasedn", "ldapbinddn",
            "ldapbindpw", "ldapfilter", "ldaphomedir", "ldapdefaulthomedirectory", "ldapversion", "ldapusetls",
            "ldapauthmethod", "ldapdefaultuid", "ldapdefaultgid", "ldapforcedefaultuid", "ldapforcedefaultgid",
            // Wharf's own: account attributes and supplementary groups
            "ldapattribute", "ldapgroupattribute", "ldapgroupfilter");
    /** The one key that may be given several times (one mapping a line); its values add up. */
    private static final String REPEATABLE = "ldapattribute";

    final boolean ldaps;
    final String server;
    final int port;
    final String baseDn;
    final String bindDn;
    final String bindPassword;
    final String filter;
    final String homeAttribute;
    final String defaultHome;
    final boolean startTls;
    final AuthMethod authMethod;
    final int defaultUid;
    final int defaultGid;
    final boolean forceDefaultUid;
    final boolean forceDefaultGid;
    /** Account attribute name → the LDAP attribute of the user's entry it is read from (LDAPAttribute). */
    final Map<String, String> attributeMapping;
    /** A multi-valued attribute of the user's entry holding supplementary group numbers, or null. */
    final String groupAttribute;
    /** A filter (\L = login) finding posixGroup entries whose gidNumber is a supplementary group, or null. */
    final String groupFilter;

    static final class BadSettingsException extends Exception {
        BadSettingsException(String message) {
            super(message);
        }
    }

    private LdapSettings(Map<String, String> values) throws BadSettingsException {
        String scheme = values.getOrDefault("ldapscheme", "ldap").toLowerCase(Locale.ROOT);
        if (!scheme.equals("ldap") && !scheme.equals("ldaps")) {
            throw new BadSettingsException("LDAPScheme '" + scheme + "' is not supported (ldap or ldaps)");
        }
        ldaps = scheme.equals("ldaps");
        server = URLDecoder.decode(values.getOrDefault("ldapserver", "localhost"), StandardCharsets.UTF_8);
        port = number(values, "ldapport", ldaps ? 636 : 389);
        baseDn = values.get("ldapbasedn");
        if (baseDn == null || baseDn.isBlank()) {
            throw new BadSettingsException("LDAPBaseDN is missing");
        }
        bindDn = values.getOrDefault("ldapbinddn", "");
        bindPassword = values.getOrDefault("ldapbindpw", "");
        filter = values.getOrDefault("ldapfilter", "(&(objectClass=posixAccount)(uid=\\L))");
        if (!filter.contains("\\L")) {
            throw new BadSettingsException("LDAPFilter must contain \\L (the login name)");
        }
        homeAttribute = values.getOrDefault("ldaphomedir", "homeDirectory");
        defaultHome = values.getOrDefault("ldapdefaulthomedirectory", "");
        String version = values.getOrDefault("ldapversion", "3");
        if (!version.equals("3")) {
            throw new BadSettingsException("LDAPVersion " + version + " is not supported (3)");
        }
        startTls = flag(values, "ldapusetls") && !ldaps;
        String method = values.getOrDefault("ldapauthmethod", bindDn.isEmpty() ? "BIND" : "PASSWORD")
                .toUpperCase(Locale.ROOT);
        try {
            authMethod = AuthMethod.valueOf(method);
        } catch (IllegalArgumentException unknown) {
            throw new BadSettingsException("LDAPAuthMethod '" + method + "' is not BIND or PASSWORD");
        }
        defaultUid = number(values, "ldapdefaultuid", 0);
        defaultGid = number(values, "ldapdefaultgid", 0);
        forceDefaultUid = flag(values, "ldapforcedefaultuid");
        forceDefaultGid = flag(values, "ldapforcedefaultgid");
        Map<String, String> mapping = new java.util.LinkedHashMap<>();
        String mappings = values.getOrDefault(REPEATABLE, "");
        for (String pair : mappings.split("[,\\n]")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            if (equals <= 0 || equals == pair.length() - 1) {
                throw new BadSettingsException("LDAPAttribute '" + pair.strip()
                        + "' must be account-attribute=ldapAttribute (e.g. storage=wharfStorage)");
            }
            mapping.put(pair.substring(0, equals).strip(), pair.substring(equals + 1).strip());
        }
        attributeMapping = Map.copyOf(mapping);
        groupAttribute = values.getOrDefault("ldapgroupattribute", "").isBlank() ? null
                : values.get("ldapgroupattribute").strip();
        String groups = values.getOrDefault("ldapgroupfilter", "");
        if (!groups.isBlank() && !groups.contains("\\L")) {
            throw new BadSettingsException("LDAPGroupFilter must contain \\L (the login name), e.g. "
                    + "(&(objectClass=posixGroup)(memberUid=\\L))");
        }
        groupFilter = groups.isBlank() ? null : groups.strip();
    }

    static LdapSettings load(Path file, Map<String, String> overrides) throws BadSettingsException, IOException {
        Map<String, String> values = new HashMap<>();
        if (file != null) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int number = 1; number <= lines.size(); number++) {
                String line = lines.get(number - 1).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] keyAndValue = line.split("\\s+", 2);
                String key = keyAndValue[0].toLowerCase(Locale.ROOT);
                if (!KEYS.contains(key)) {
                    throw new BadSettingsException(file + " line " + number + ": unknown key '" + keyAndValue[0]
                            + "'");
                }
                put(values, key, keyAndValue.length > 1 ? keyAndValue[1].strip() : "");
            }
        }
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            String key = override.getKey().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new BadSettingsException("unknown key '" + override.getKey() + "' in the configuration");
            }
            put(values, key, override.getValue().strip());
        }
        return new LdapSettings(values);
    }

    private static void put(Map<String, String> values, String key, String value) {
        if (key.equals(REPEATABLE)) {
            values.merge(key, value, (before, more) -> before + "\n" + more);
        } else {
            values.put(key, value);
        }
    }

    private static int number(Map<String, String> values, String key, int fallback) throws BadSettingsException {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException notNumber) {
            throw new BadSettingsException(key + " must be a number, got '" + value + "'");
        }
    }

    private static boolean flag(Map<String, String> values, String key) {
        return List.of("true", "yes", "on", "1").contains(values.getOrDefault(key, "false").toLowerCase(Locale.ROOT));
    }
}
