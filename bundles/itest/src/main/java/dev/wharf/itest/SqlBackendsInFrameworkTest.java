package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import org.junit.jupiter.api.Timeout;
import static dev.wharf.itest.Fixture.ownedBy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Inside Felix: pgjdbc registers its own {@link DataSourceFactory}, the jdbc-mysql bundle registers one for MySQL
 * Connector/J, and the auth-jdbc components configured through ConfigAdmin (Pure-FTPd keys given directly) let
 * users from the real PostgreSQL and MariaDB on 127.0.0.1 log in over FTP.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SqlBackendsInFrameworkTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;


    private static final long WAIT_MILLIS = 15_000;

    @Test
    void postgresqlAndMariadbUsersLogInThroughTheOsgiJdbcServices() throws Exception {
        BundleContext context = FrameworkUtil.getBundle(SqlBackendsInFrameworkTest.class).getBundleContext();
        Path work = Files.createTempDirectory("wharf-itest-sql").toRealPath();
        String table = "wharf_it_osgi_" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
        DataSourceFactory postgres = driver(context, "org.postgresql.Driver");
        DataSourceFactory mysql = driver(context, "com.mysql.cj.jdbc.Driver");
        String pgUrl = "jdbc:postgresql://127.0.0.1:5432/test?connectTimeout=5";
        String myUrl = "jdbc:mysql://127.0.0.1:3306/test?connectTimeout=5000";
        execute(postgres, pgUrl, "postgres", "CREATE TABLE " + table + " (login TEXT, pw TEXT, home TEXT)",
                "INSERT INTO " + table + " VALUES ('pg-user', 'pg-secret', '" + work.resolve("pg") + "')");
        execute(mysql, myUrl, "root", "CREATE TABLE " + table + " (login TEXT, pw TEXT, home TEXT)",
                "INSERT INTO " + table + " VALUES ('my-user', 'my-secret', '" + work.resolve("my") + "')");
        Configuration listener = configAdmin.getFactoryConfiguration("dev.wharf.listener", "sql", "?");
        Configuration pgsqlConfig = configAdmin.getConfiguration("dev.wharf.auth.pgsql", "?");
        Configuration mysqlConfig = configAdmin.getConfiguration("dev.wharf.auth.mysql", "?");
        try {
            int port = freePort();
            listener.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port)));
            pgsqlConfig.update(sqlKeys("PGSQL", "5432", "postgres", table));
            mysqlConfig.update(sqlKeys("MYSQL", "3306", "root", table));
            ownedBy(Files.createDirectories(work.resolve("pg")), 2000, 2000);
            ownedBy(Files.createDirectories(work.resolve("my")), 2000, 2000);

            FTPClient pg = awaitLogin(port, "pg-user", "pg-secret");
            assertNotNull(pg, "the PostgreSQL user logs in");
            assertTrue(pg.storeFile("pg.txt", new ByteArrayInputStream("via pgjdbc".getBytes())));
            pg.disconnect();
            assertEquals("via pgjdbc", Files.readString(work.resolve("pg/pg.txt")));

            FTPClient my = awaitLogin(port, "my-user", "my-secret");
            assertNotNull(my, "the MariaDB user logs in through MySQL Connector/J");
            assertTrue(my.storeFile("my.txt", new ByteArrayInputStream("via connector/j".getBytes())));
            my.disconnect();
            assertEquals("via connector/j", Files.readString(work.resolve("my/my.txt")));

            FTPClient wrong = connect(port);
            assertTrue(!wrong.login("my-user", "pg-secret"));
            assertEquals(530, wrong.getReplyCode());
            wrong.disconnect();
        } finally {
            pgsqlConfig.delete();
            mysqlConfig.delete();
            listener.delete();
            execute(postgres, pgUrl, "postgres", "DROP TABLE IF EXISTS " + table);
            execute(mysql, myUrl, "root", "DROP TABLE IF EXISTS " + table);
        }
    }

    private static Dictionary<String, Object> sqlKeys(String prefix, String port, String user, String table) {
        return dictionary(prefix + "Server", "127.0.0.1", prefix + "Port", port, prefix + "User", user,
                prefix + "Database", "test", prefix + "Crypt", "cleartext",
                prefix + "GetPW", "SELECT pw FROM " + table + " WHERE login='\\L'",
                prefix + "DefaultUID", "2000", prefix + "DefaultGID", "2000",
                prefix + "GetDir", "SELECT home FROM " + table + " WHERE login='\\L'", "timeout.seconds", "5");
    }

    private static DataSourceFactory driver(BundleContext context, String driverClass) throws Exception {
        String filter = "(&(objectClass=" + DataSourceFactory.class.getName() + ")("
                + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=" + driverClass + "))";
        ServiceTracker<DataSourceFactory, DataSourceFactory> tracker =
                new ServiceTracker<>(context, context.createFilter(filter), null);
        tracker.open();
        DataSourceFactory factory = tracker.waitForService(WAIT_MILLIS);
        assertNotNull(factory, "a DataSourceFactory for " + driverClass + " is registered");
        return factory;
    }

    private static void execute(DataSourceFactory factory, String url, String user, String... statements)
            throws Exception {
        Properties credentials = new Properties();
        credentials.setProperty("user", user);
        try (Connection connection = factory.createDriver(null).connect(url, credentials);
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static FTPClient awaitLogin(int port, String user, String password) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            try {
                FTPClient client = connect(port);
                if (client.login(user, password)) {
                    client.enterLocalPassiveMode();
                    return client;
                }
                client.disconnect();
            } catch (IOException notYetListening) {
                // the listener or the backend is not up yet
            }
            Thread.sleep(200);
        }
        return null;
    }

    private static FTPClient connect(int port) throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(5_000);
        client.setDefaultTimeout(20_000);
        client.connect("127.0.0.1", port);
        return client;
    }


    private static Dictionary<String, Object> dictionary(String... keysAndValues) {
        Dictionary<String, Object> dictionary = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            dictionary.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return dictionary;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
