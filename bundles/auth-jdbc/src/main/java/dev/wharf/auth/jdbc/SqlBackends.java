package dev.wharf.auth.jdbc;

import dev.wharf.crypt.PasswordChecker;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a {@link JdbcAuthBackend} from component configuration and a JDBC driver. */
final class SqlBackends {

    private static final Logger LOG = LoggerFactory.getLogger(SqlBackends.class);
    static final String HOME_VARIABLE = "${wharf.home}";

    private SqlBackends() {
    }

    static JdbcAuthBackend create(SqlDialect dialect, String name, SqlBackendConfig config,
                                  Map<String, ?> properties, String serverHome, Driver driver,
                                  PasswordChecker passwords) {
        Path file = config.config_file().isBlank() ? null
                : Path.of(config.config_file().replace(HOME_VARIABLE, serverHome)).toAbsolutePath();
        Map<String, String> overrides = new TreeMap<>();
        properties.forEach((key, value) -> {
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.startsWith("mysql") || lower.startsWith("pgsql")) {
                overrides.put(key, String.valueOf(value));
            }
        });
        SqlSettings settings;
        try {
            settings = SqlSettings.load(dialect, file, overrides);
        } catch (SqlSettings.BadSettingsException | IOException bad) {
            String message = name + " backend not started: " + (file == null ? "" : file + ": ") + bad.getMessage();
            LOG.error("{}", message);
            throw new IllegalArgumentException(message, bad);
        }
        int timeout = Math.max(1, config.timeout_seconds());
        String url = dialect.jdbcUrl(settings.server, settings.port, settings.database, timeout);
        ConnectionPool pool = new ConnectionPool(() -> open(driver, url, settings), Math.max(1, config.pool_size()),
                timeout * 1000L, timeout);
        LOG.info("{} backend: users from {}:{}/{} as {} (crypt {}, pool {})", name, settings.server, settings.port,
                settings.database, settings.user, settings.crypt, config.pool_size());
        return new JdbcAuthBackend(name, settings, pool, timeout, passwords);
    }

    private static Connection open(Driver driver, String url, SqlSettings settings) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", settings.user);
        credentials.setProperty("password", settings.password);
        Connection connection = driver.connect(url, credentials);
        if (connection == null) {
            throw new SQLNonTransientConnectionException("the driver does not accept " + url, "08001");
        }
        return connection;
    }

    static String serverHome(BundleContext context) {
        String home = context.getProperty("wharf.home");
        return home != null ? home : Path.of("").toAbsolutePath().toString();
    }
}
