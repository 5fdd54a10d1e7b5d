package dev.wharf.auth.jdbc;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The real database servers on 127.0.0.1 that CI starts ({@code .ci/run}): PostgreSQL 5432 (trust auth) and
 * MariaDB 3306 (root, empty password), both with a database {@code test}. Tests fail, never skip, when they are
 * not there.
 */
enum TestDatabase {
    MYSQL(SqlDialect.MYSQL, "root", mysqlDriver(),
            List.of("start-stop-daemon", "--stop", "--retry", "30", "--exec", "/usr/sbin/mariadbd"),
            List.of("start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd")),
    PGSQL(SqlDialect.PGSQL, "postgres", new org.postgresql.Driver(),
            List.of("sh", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main stop"),
            List.of("sh", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"));

    final SqlDialect dialect;
    final String user;
    final Driver driver;
    private final List<String> stopCommand;
    private final List<String> startCommand;

    TestDatabase(SqlDialect dialect, String user, Driver driver, List<String> stopCommand, List<String> startCommand) {
        this.dialect = dialect;
        this.user = user;
        this.driver = driver;
        this.stopCommand = stopCommand;
        this.startCommand = startCommand;
    }

    private static Driver mysqlDriver() {
        try {
            return new com.mysql.cj.jdbc.Driver();
        } catch (SQLException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    int port() {
        return dialect.defaultPort;
    }

    Connection connect() throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", user);
        credentials.setProperty("password", "");
        return driver.connect(dialect.jdbcUrl("127.0.0.1", port(), "test", 5), credentials);
    }

    void execute(String... statements) throws SQLException {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    boolean listening() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port()), 500);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    void stop() throws IOException, InterruptedException {
        run(stopCommand);
        waitUntil(false, Duration.ofSeconds(30));
    }

    /** Starts the server and waits until it accepts SQL again. */
    void start() throws IOException, InterruptedException {
        run(startCommand);
        waitUntil(true, Duration.ofSeconds(60));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Connection ignored = connect()) {
                return;
            } catch (SQLException starting) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(this + " does not answer SQL after start", starting);
                }
                Thread.sleep(200);
            }
        }
    }

    private void waitUntil(boolean up, Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (listening() != up) {
            if (System.nanoTime() > deadline) {
                throw new IOException(this + (up ? " did not come up" : " did not stop"));
            }
            Thread.sleep(100);
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(command + " did not finish within 60 s");
        }
    }
}
