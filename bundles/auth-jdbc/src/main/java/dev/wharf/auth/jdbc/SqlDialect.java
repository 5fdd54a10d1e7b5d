package dev.wharf.auth.jdbc;

import java.util.Locale;

/** What differs between Pure-FTPd's MySQL and PostgreSQL backends: key prefix, default port, driver and URL. */
enum SqlDialect {
    MYSQL("MYSQL", 3306, "com.mysql.cj.jdbc.Driver"),
    PGSQL("PGSQL", 5432, "org.postgresql.Driver");

    final String keyPrefix;
    final int defaultPort;
    final String driverClass;

    SqlDialect(String keyPrefix, int defaultPort, String driverClass) {
        this.keyPrefix = keyPrefix;
        this.defaultPort = defaultPort;
        this.driverClass = driverClass;
    }

    /** The JDBC URL with connect and read timeouts, so a dead server costs a bounded time per login. */
    String jdbcUrl(String host, int port, String database, int timeoutSeconds) {
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return switch (this) {
            case MYSQL -> "jdbc:mysql://" + hostPart + ":" + port + "/" + database
                    + "?connectTimeout=" + timeoutSeconds * 1000 + "&socketTimeout=" + timeoutSeconds * 2000
                    + "&characterEncoding=UTF-8&useServerPrepStmts=false";
            case PGSQL -> "jdbc:postgresql://" + hostPart + ":" + port + "/" + database
                    + "?connectTimeout=" + timeoutSeconds + "&socketTimeout=" + timeoutSeconds * 2
                    + "&loginTimeout=" + timeoutSeconds;
        };
    }

    String lowerPrefix() {
        return keyPrefix.toLowerCase(Locale.ROOT);
    }
}
