package dev.wharf.auth.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import dev.wharf.core.server.EmbeddedServer;
import dev.wharf.core.server.TcpProxy;
import dev.wharf.crypt.PasswordHashes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SQL backends against the real PostgreSQL and MariaDB on 127.0.0.1, through a real FTP listener. */
class SqlAuthBackendTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 21);

    @TempDir
    Path temp;

    private TestDatabase database;
    private String table;
    private JdbcAuthBackend backend;

    private void createUsers(TestDatabase db) throws Exception {
        database = db;
        table = "wharf_it_users_" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
        String home = temp.resolve("ftp").toString();
        database.execute("CREATE TABLE " + table + " (login VARCHAR(64), password VARCHAR(255), hash VARCHAR(255),"
                + " uid INT, gid INT, dir VARCHAR(255), qtafs INT, qtasz INT, bw_ul INT, bw_dl INT, ratio_ul INT,"
                + " ratio_dl INT, client_ip VARCHAR(64), client_number BIGINT)");
        insert("alice", "alice-pw", PasswordHashes.argon2id("alice-pw"), 1001, 1002, home + "/./alice", 100, 10, 50,
                60, 1, 2, "127.0.0.1", 2130706433L);
        insert("bob", "bob-pw", "$6$saltstring16char$GhJZgX9PBqfW9IttGVlwIfNP.VHA5GEoLGQKabjQmVcsZRFze3x15RlE4r6"
                + "OIFXNDh3rMLuzEExbJ6q69PI/f0", 1003, 1003, home + "/bob", 0, 0, 0, 0, 0, 0, "127.0.0.1", null);
        insert("rooty", "rooty-pw", null, 0, 1000, home + "/rooty", 0, 0, 0, 0, 0, 0, "127.0.0.1", null);
        insert("twin", "twin-pw", null, 1004, 1004, home + "/twin", 0, 0, 0, 0, 0, 0, "127.0.0.1", null);
        insert("twin", "twin-pw", null, 1005, 1005, home + "/twin", 0, 0, 0, 0, 0, 0, "127.0.0.1", null);
        insert("faraway", "faraway-pw", null, 1006, 1006, home + "/faraway", 0, 0, 0, 0, 0, 0, "10.9.8.7", null);
    }

    private void insert(String login, String password, String hash, int uid, int gid, String dir, int qtafs,
                        int qtasz, int bwUl, int bwDl, int ratioUl, int ratioDl, String clientIp, Long number)
            throws Exception {
        try (Connection connection = database.connect();
             var statement = connection.prepareStatement("INSERT INTO " + table
                     + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Object[] values = {login, password, hash, uid, gid, dir, qtafs, qtasz, bwUl, bwDl, ratioUl, ratioDl,
                    clientIp, number};
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            statement.executeUpdate();
        }
    }

    @AfterEach
    void dropTable() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (database != null && table != null) {
            database.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    /** A configuration file as an admin migrating from Pure-FTPd would have it. */
    private Path configFile(String crypt, String passwordColumn, int port) throws IOException {
        String p = database.dialect.keyPrefix;
        String mixed = p.charAt(0) + p.substring(1).toLowerCase(Locale.ROOT); // "Mysql": keys are case-insensitive
        String conf = String.join("\n",
                "# migrated from Pure-FTPd",
                p + "Server     127.0.0.1",
                p + "Port       " + port,
                p + "User       " + database.user,
                p + "Database   test",
                p + "Crypt      " + crypt,
                p + "GetPW      SELECT " + passwordColumn + " FROM " + table + " WHERE login='\\L'",
                // \R and \D (numeric, unquoted) must reach the database as the client's address
                p + "GetUID     SELECT uid FROM " + table + " WHERE login='\\L' AND client_ip='\\R'",
                mixed + "GetGID SELECT gid FROM " + table
                        + " WHERE login='\\L' AND (client_number IS NULL OR client_number=\\D)",
                // \I and \P inside a longer literal
                p + "GetDir     SELECT dir FROM " + table + " WHERE login='\\L' AND '\\I:\\P' LIKE '127.0.0.1:%'",
                p + "GetQTAFS   SELECT qtafs FROM " + table + " WHERE login='\\L'",
                p + "GetQTASZ   SELECT qtasz FROM " + table + " WHERE login='\\L'",
                p + "GetRatioUL SELECT ratio_ul FROM " + table + " WHERE login='\\L'",
                p + "GetRatioDL SELECT ratio_dl FROM " + table + " WHERE login='\\L'",
                p + "GetBandwidthUL SELECT bw_ul FROM " + table + " WHERE login='\\L'",
                p + "GetBandwidthDL SELECT bw_dl FROM " + table + " WHERE login='\\L'",
                "");
        Path file = temp.resolve("pureftpd-" + database.name().toLowerCase(Locale.ROOT) + ".conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return file;
    }

    private JdbcAuthBackend backend(Path configFile, int timeoutSeconds, Map<String, ?> overrides) {
        backend = SqlBackends.create(database.dialect, database.name().toLowerCase(Locale.ROOT),
                config(configFile.toString(), timeoutSeconds), overrides, temp.toString(), database.driver,
                new dev.wharf.crypt.PasswordChecker());
        return backend;
    }

    static SqlBackendConfig config(String file, int timeoutSeconds) {
        return new SqlBackendConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return SqlBackendConfig.class;
            }

            @Override
            public String config_file() {
                return file;
            }

            @Override
            public int pool_size() {
                return 4;
            }

            @Override
            public int timeout_seconds() {
                return timeoutSeconds;
            }
        };
    }

    private static AuthResult login(JdbcAuthBackend backend, String user, String password) {
        return backend.authenticate(new LoginRequest(user, password, CLIENT, SERVER, false));
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void cleartextUserLogsInOverFtpAndUploadsIntoTheHomeFromTheDatabase(TestDatabase db) throws Exception {
        createUsers(db);
        JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 5, Map.of());
        Files.createDirectories(temp.resolve("ftp/alice"));
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(sql, db.name(), 0)) {
            FTPClient client = server.login("alice", "alice-pw");
            assertEquals("/alice", client.printWorkingDirectory());
            assertTrue(client.storeFile("hello.txt", new ByteArrayInputStream("from sql".getBytes())));
            client.logout();
            client.disconnect();
            assertEquals("from sql", Files.readString(temp.resolve("ftp/alice/hello.txt")));

            IOException wrong = assertThrowsIo(() -> server.login("alice", "wrong"));
            assertTrue(wrong.getMessage().contains("530"), wrong.getMessage());
            IOException unknown = assertThrowsIo(() -> server.login("nobody", "x"));
            assertTrue(unknown.getMessage().contains("530"), unknown.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyPerUserAttributeComesFromItsQuery(TestDatabase db) throws Exception {
        createUsers(db);
        JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 5, Map.of());
        Account alice = assertInstanceOf(AuthResult.Accepted.class, login(sql, "alice", "alice-pw")).account();
        assertEquals(temp.resolve("ftp") + "/./alice", alice.home());
        assertEquals(1001, alice.uid());
        assertEquals(1002, alice.gid());
        assertEquals(new AccountLimits(100, 10L * 1024 * 1024, 50L * 1024, 60L * 1024, 1, 2, 0), alice.limits());
        Account bob = assertInstanceOf(AuthResult.Accepted.class, login(sql, "bob", "bob-pw")).account();
        assertEquals(AccountLimits.NONE, bob.limits(), "0 in a limit column means no limit");

        assertInstanceOf(AuthResult.Unknown.class, login(sql, "nobody", "x"));
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "alice", "alice-pw "));
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "rooty", "rooty-pw"), "uid 0 refused");
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "twin", "twin-pw"), "two rows are ambiguous");
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "faraway", "faraway-pw"),
                "\\R is bound: the uid query finds no row for another client address");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void attributesAndGroupsComeFromTheirMultiRowQueries(TestDatabase db) throws Exception {
        createUsers(db);
        String extras = table + "_extras";
        database.execute("CREATE TABLE " + extras + " (login VARCHAR(64), name VARCHAR(64), val VARCHAR(255))");
        database.execute("CREATE TABLE " + table + "_groups (login VARCHAR(64), gid INT)");
        try {
            database.execute("INSERT INTO " + extras + " VALUES ('alice', 'storage', 's3'), "
                    + "('alice', 'storage.bucket', 'alice-files'), ('alice', 'folder.pub.path', '/pub')");
            database.execute("INSERT INTO " + table + "_groups VALUES ('alice', 3001), ('alice', 3000), "
                    + "('bob', 0)");
            String p = database.dialect.keyPrefix;
            JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 5, Map.of(
                    p + "GetAttributes", "SELECT name, val FROM " + extras + " WHERE login='\\L'",
                    p + "GetGroups", "SELECT gid FROM " + table + "_groups WHERE login='\\L'"));
            Account alice = assertInstanceOf(AuthResult.Accepted.class, login(sql, "alice", "alice-pw")).account();
            assertEquals(Map.of("storage", "s3", "storage.bucket", "alice-files", "folder.pub.path", "/pub"),
                    alice.attributes());
            assertEquals("[3000, 3001]", java.util.Arrays.toString(alice.groups()));
            assertInstanceOf(AuthResult.Rejected.class, login(sql, "bob", "bob-pw"),
                    "a supplementary group 0 refuses the account");
            sql.close();
            JdbcAuthBackend without = backend(configFile("cleartext", "password", db.port()), 5, Map.of());
            Account plain = assertInstanceOf(AuthResult.Accepted.class, login(without, "alice", "alice-pw"))
                    .account();
            assertEquals(Map.of(), plain.attributes(), "the keys are optional");
            assertEquals(0, plain.groups().length);
        } finally {
            database.execute("DROP TABLE IF EXISTS " + extras);
            database.execute("DROP TABLE IF EXISTS " + table + "_groups");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void hashedPasswordsWithCryptAnyAndDefaultIdsFromTheCfg(TestDatabase db) throws Exception {
        createUsers(db);
        String p = db.dialect.keyPrefix;
        Map<String, Object> overrides = new HashMap<>();
        overrides.put(p + "DefaultUID", "2000");
        overrides.put(p + "DefaultGID", "2001");
        JdbcAuthBackend sql = backend(configFile("any", "hash", db.port()), 5, overrides);
        Account alice = assertInstanceOf(AuthResult.Accepted.class, login(sql, "alice", "alice-pw")).account();
        assertEquals(2000, alice.uid());
        assertEquals(2001, alice.gid());
        assertInstanceOf(AuthResult.Accepted.class, login(sql, "bob", "correct horse"));
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "bob", "bob-pw"));
        assertInstanceOf(AuthResult.Rejected.class, login(sql, "rooty", "rooty-pw"), "NULL hash never matches");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void theHealthCheckSaysWhetherTheDatabaseAnswers(TestDatabase db) throws Exception {
        createUsers(db);
        JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 5, Map.of());
        dev.wharf.api.health.HealthCheck.Result up = sql.reachable();
        assertTrue(up.ok(), up.detail());
        assertTrue(up.detail().startsWith("database 127.0.0.1:" + db.port() + "/test reachable ("), up.detail());
        sql.close();

        int closed;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            closed = free.getLocalPort(); // nothing listens there once this is closed
        }
        JdbcAuthBackend gone = backend(configFile("cleartext", "password", closed), 2, Map.of());
        long start = System.nanoTime();
        dev.wharf.api.health.HealthCheck.Result down = gone.reachable();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(!down.ok(), down.detail());
        assertTrue(down.detail().startsWith("database 127.0.0.1:" + closed + "/test unreachable: "), down.detail());
        assertTrue(millis < 10_000, "answered within the timeout: " + millis + " ms");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void sqlInjectionInTheUserNameFindsNobodyAndChangesNothing(TestDatabase db) throws Exception {
        createUsers(db);
        JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 5, Map.of());
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(sql, db.name(), 0)) {
            for (String attack : new String[] {"alice' OR '1'='1", "' OR ''='", "alice'-- ", "alice' #",
                    "x' UNION SELECT 'alice-pw", "alice\\", "alice'; DROP TABLE " + table + "; --"}) {
                IOException refused = assertThrowsIo(() -> server.login(attack, "alice-pw"));
                assertTrue(refused.getMessage().contains("530"), attack + ": " + refused.getMessage());
                assertInstanceOf(AuthResult.Unknown.class, login(sql, attack, "alice-pw"), attack);
            }
        }
        try (Connection connection = db.connect(); Statement statement = connection.createStatement();
             ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
            assertTrue(count.next());
            assertEquals(6, count.getInt(1), "the table is intact");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void hungDatabaseGives421WithinTheTimeoutAndLoginsComeBack(TestDatabase db) throws Exception {
        createUsers(db);
        try (TcpProxy proxy = new TcpProxy(db.port())) {
            JdbcAuthBackend sql = backend(configFile("cleartext", "password", proxy.port()), 1, Map.of());
            try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(sql, db.name(), 0)) {
                server.login("alice", "alice-pw").disconnect();
                proxy.blackHole();
                long started = System.nanoTime();
                assertEquals(421, loginReply(server, "alice", "alice-pw"));
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < 8_000, "421 after " + millis + " ms");
                proxy.restore();
                server.login("alice", "alice-pw").disconnect();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void databaseStoppedAndRestartedDuringALoginLoop(TestDatabase db) throws Exception {
        createUsers(db);
        JdbcAuthBackend sql = backend(configFile("cleartext", "password", db.port()), 2, Map.of());
        try (EmbeddedServer server = new EmbeddedServer().addAuthBackend(sql, db.name(), 0)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(230, loginReply(server, "alice", "alice-pw"));
            }
            try {
                db.stop();
                for (int i = 0; i < 3; i++) {
                    long started = System.nanoTime();
                    assertEquals(421, loginReply(server, "alice", "alice-pw"), "while " + db + " is down");
                    long millis = (System.nanoTime() - started) / 1_000_000;
                    assertTrue(millis < 10_000, "421 after " + millis + " ms");
                }
            } finally {
                db.start();
            }
            // recovers by itself: the pool drops its dead connections
            for (int i = 0; i < 3; i++) {
                assertEquals(230, loginReply(server, "alice", "alice-pw"), "after " + db + " came back");
            }
        }
    }

    /** The reply to PASS; 421 closes the connection, which Commons Net reports as an exception naming it. */
    static int loginReply(EmbeddedServer server, String user, String password) throws IOException {
        FTPClient client = server.connect();
        try {
            client.user(user);
            return client.pass(password);
        } catch (FTPConnectionClosedException closed) {
            if (closed.getMessage() != null && closed.getMessage().contains("421")) {
                return 421;
            }
            throw closed;
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static IOException assertThrowsIo(IoAction action) {
        try {
            action.run();
        } catch (IOException expected) {
            return expected;
        }
        return fail("expected the login to fail");
    }
}
