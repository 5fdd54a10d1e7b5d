package dev.wharf.auth.jdbc;

import dev.wharf.crypt.StoredPasswords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The keys of Pure-FTPd's {@code pureftpd-mysql.conf} / {@code pureftpd-pgsql.conf}: {@code Key value} lines,
 * keys case-insensitive, {@code #} comment lines, an unknown key is an error (as in Pure-FTPd). Both
 * {@code MYSQL} and {@code PGSQL} prefixes are accepted by either backend, so a file can be reused as is.
 */
final class SqlSettings {

    /** Key names without their {@code MYSQL}/{@code PGSQL} prefix, lower case. */
    static final Set<String> KEYS = Set.of("server", "port", "socket", "user", "password", "database", "crypt",
            "getpw", "getuid", "defaultuid", "getgid", "defaultgid", "getdir", "getqtafs", "getqtasz", "getratioul",
            "getratiodl", "getbandwidthul", "getbandwidthdl", "forcetildeexpansion", "transactions",
            // Wharf's own: rows of (name, value) account attributes, and rows of supplementary group numbers
            "getattributes", "getgroups");

    final String server;
    final int port;
    final String user;
    final String password;
    final String database;
    final String crypt;
    final QueryTemplate getPassword;
    final QueryTemplate getUid;
    final int defaultUid;
    final QueryTemplate getGid;
    final int defaultGid;
    final QueryTemplate getDir;
    final QueryTemplate getQuotaFiles;
    final QueryTemplate getQuotaMegabytes;
    final QueryTemplate getRatioUpload;
    final QueryTemplate getRatioDownload;
    final QueryTemplate getBandwidthUpload;
    final QueryTemplate getBandwidthDownload;
    /** Optional: each row a (name, value) account attribute, e.g. storage or folder.pub.path. */
    final QueryTemplate getAttributes;
    /** Optional: each row one supplementary group number. */
    final QueryTemplate getGroups;
    final boolean transactions;

    static final class BadSettingsException extends Exception {
        BadSettingsException(String message) {
            super(message);
        }
    }

    private SqlSettings(SqlDialect dialect, Map<String, String> values) throws BadSettingsException {
        server = values.get("server");
        if (server == null || server.isBlank()) {
            throw new BadSettingsException(values.containsKey("socket")
                    ? dialect.keyPrefix + "Socket is not supported (JDBC talks TCP): set " + dialect.keyPrefix
                    + "Server" : dialect.keyPrefix + "Server is missing");
        }
        port = values.containsKey("port") ? number(dialect, values, "port") : dialect.defaultPort;
        user = required(dialect, values, "user");
        password = values.getOrDefault("password", "");
        database = required(dialect, values, "database");
        crypt = values.getOrDefault("crypt", "cleartext").toLowerCase(Locale.ROOT);
        if (!StoredPasswords.isSqlCryptType(crypt)) {
            throw new BadSettingsException(dialect.keyPrefix + "Crypt '" + crypt
                    + "' is not one of cleartext, crypt, argon2, md5, sha1, any");
        }
        getPassword = template(dialect, values, "getpw", true);
        getDir = template(dialect, values, "getdir", true);
        defaultUid = values.containsKey("defaultuid") ? number(dialect, values, "defaultuid") : -1;
        defaultGid = values.containsKey("defaultgid") ? number(dialect, values, "defaultgid") : -1;
        // as in Pure-FTPd, a default id replaces its query
        getUid = defaultUid >= 0 ? null : template(dialect, values, "getuid", true);
        getGid = defaultGid >= 0 ? null : template(dialect, values, "getgid", true);
        getQuotaFiles = template(dialect, values, "getqtafs", false);
        getQuotaMegabytes = template(dialect, values, "getqtasz", false);
        getRatioUpload = template(dialect, values, "getratioul", false);
        getRatioDownload = template(dialect, values, "getratiodl", false);
        getBandwidthUpload = template(dialect, values, "getbandwidthul", false);
        getBandwidthDownload = template(dialect, values, "getbandwidthdl", false);
        getAttributes = template(dialect, values, "getattributes", false);
        getGroups = template(dialect, values, "getgroups", false);
        String transactionFlag = values.getOrDefault("transactions", "off").toLowerCase(Locale.ROOT);
        transactions = dialect == SqlDialect.MYSQL && List.of("on", "1", "yes", "true").contains(transactionFlag);
    }

    /**
     * Reads {@code file} (when not {@code null}) and then applies {@code overrides} (keys from the .cfg, same names
     * as in the file).
     */
    static SqlSettings load(SqlDialect dialect, Path file, Map<String, String> overrides)
            throws BadSettingsException, IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (file != null) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int number = 1; number <= lines.size(); number++) {
                String line = lines.get(number - 1).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] keyAndValue = line.split("\\s+", 2);
                String key = normalise(keyAndValue[0]);
                if (key == null) {
                    throw new BadSettingsException(file + " line " + number + ": unknown key '" + keyAndValue[0]
                            + "'");
                }
                values.put(key, keyAndValue.length > 1 ? keyAndValue[1].strip() : "");
            }
        }
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            String key = normalise(override.getKey());
            if (key == null) {
                throw new BadSettingsException("unknown key '" + override.getKey() + "' in the configuration");
            }
            values.put(key, override.getValue().strip());
        }
        return new SqlSettings(dialect, values);
    }

    /** The key without prefix in lower case, or {@code null} when it is none of Pure-FTPd's SQL keys. */
    static String normalise(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        for (SqlDialect dialect : SqlDialect.values()) {
            if (lower.startsWith(dialect.lowerPrefix())) {
                String rest = lower.substring(dialect.lowerPrefix().length());
                return KEYS.contains(rest) ? rest : null;
            }
        }
        return null;
    }

    private static String required(SqlDialect dialect, Map<String, String> values, String key)
            throws BadSettingsException {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new BadSettingsException(dialect.keyPrefix + display(key) + " is missing");
        }
        return value;
    }

    private static int number(SqlDialect dialect, Map<String, String> values, String key)
            throws BadSettingsException {
        try {
            return Integer.parseInt(values.get(key).strip());
        } catch (NumberFormatException notNumber) {
            throw new BadSettingsException(dialect.keyPrefix + display(key) + " must be a number");
        }
    }

    private static QueryTemplate template(SqlDialect dialect, Map<String, String> values, String key,
                                          boolean mandatory) throws BadSettingsException {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            if (mandatory) {
                throw new BadSettingsException(dialect.keyPrefix + display(key) + " is missing");
            }
            return null;
        }
        try {
            return QueryTemplate.compile(value);
        } catch (IllegalArgumentException malformed) {
            throw new BadSettingsException(dialect.keyPrefix + display(key) + ": " + malformed.getMessage());
        }
    }

    private static String display(String key) {
        return key.isEmpty() ? key : Character.toUpperCase(key.charAt(0)) + key.substring(1);
    }
}
