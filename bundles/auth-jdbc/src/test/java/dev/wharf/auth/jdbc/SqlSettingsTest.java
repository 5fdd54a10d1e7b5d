package dev.wharf.auth.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlSettingsTest {

    @TempDir
    Path temp;

    @Test
    void placeholdersBecomeBoundParametersNeverSqlText() {
        QueryTemplate template = QueryTemplate.compile(
                "SELECT dir FROM users WHERE User='\\L' AND ip=\\D AND port=\\p AND x='a\\Ib' AND y='\\n'");
        QueryTemplate.Statement statement = template.statements().get(0);
        assertEquals("SELECT dir FROM users WHERE User=? AND ip=? AND port=? AND x=CONCAT('a', ?, 'b') AND y='\\n'",
                statement.sql());
        assertEquals(List.of(new QueryTemplate.Parameter('L', false), new QueryTemplate.Parameter('D', true),
                new QueryTemplate.Parameter('P', true), new QueryTemplate.Parameter('I', false)),
                statement.parameters());
    }

    @Test
    void semicolonsOutsideQuotesSeparateStatementsAndControlCharactersAreDropped() {
        QueryTemplate template = QueryTemplate.compile("SET @a='x;y'; SELECT\t1 FROM t WHERE u='\\L'\u0000;");
        assertEquals(2, template.statements().size());
        assertEquals("SET @a='x;y'", template.statements().get(0).sql());
        assertEquals("SELECT1 FROM t WHERE u=?", template.statements().get(1).sql());
        assertThrows(IllegalArgumentException.class, () -> QueryTemplate.compile("SELECT 'open"));
    }

    @Test
    void readsPureFtpdFileWithCaseInsensitiveKeysAndCfgOverrides() throws Exception {
        Path file = temp.resolve("pureftpd-pgsql.conf");
        Files.writeString(file, """
                # comment
                PGSQLServer     db.example
                pgsqlport       6543
                PGSQLUser       ftp
                PGSQLPassword   s3cret
                PGSQLDatabase   pureftpd
                PGSQLCrypt      md5
                PGSQLGetPW      SELECT "Password" FROM "users" WHERE "User"='\\L'
                PGSQLGetUID     SELECT "Uid" FROM "users" WHERE "User"='\\L'
                PGSQLDefaultGID 1000
                PGSQLGetDir     SELECT "Dir" FROM "users" WHERE "User"='\\L'
                """);
        SqlSettings settings = SqlSettings.load(SqlDialect.PGSQL, file, Map.of("PGSQLServer", "127.0.0.1"));
        assertEquals("127.0.0.1", settings.server);
        assertEquals(6543, settings.port);
        assertEquals("md5", settings.crypt);
        assertEquals(1000, settings.defaultGid);
        assertNull(settings.getGid);
        assertNull(settings.getQuotaFiles);
        assertEquals("SELECT \"Password\" FROM \"users\" WHERE \"User\"=?",
                settings.getPassword.statements().get(0).sql());
    }

    @Test
    void unknownKeysMissingQueriesAndSocketsAreClearErrors() throws Exception {
        Path file = temp.resolve("bad.conf");
        Files.writeString(file, "MYSQLServer localhost\nMYSQLFrobnicate 1\n");
        var unknown = assertThrows(SqlSettings.BadSettingsException.class,
                () -> SqlSettings.load(SqlDialect.MYSQL, file, Map.of()));
        assertTrue(unknown.getMessage().contains("line 2"), unknown.getMessage());
        var missing = assertThrows(SqlSettings.BadSettingsException.class, () -> SqlSettings.load(SqlDialect.MYSQL,
                null, Map.of("MYSQLServer", "h", "MYSQLUser", "u", "MYSQLDatabase", "d")));
        assertTrue(missing.getMessage().contains("MYSQLGetpw is missing"), missing.getMessage());
        var socket = assertThrows(SqlSettings.BadSettingsException.class,
                () -> SqlSettings.load(SqlDialect.MYSQL, null, Map.of("MYSQLSocket", "/run/mysqld.sock")));
        assertTrue(socket.getMessage().contains("Socket is not supported"), socket.getMessage());
        var crypt = assertThrows(SqlSettings.BadSettingsException.class, () -> SqlSettings.load(SqlDialect.MYSQL,
                null, Map.of("MYSQLServer", "h", "MYSQLUser", "u", "MYSQLDatabase", "d", "MYSQLCrypt", "password")));
        assertTrue(crypt.getMessage().contains("MYSQLCrypt"), crypt.getMessage());
    }

    @Test
    void remoteIpv4AsDecimal() throws Exception {
        assertEquals(2130706433L, JdbcAuthBackend.ipv4AsNumber(InetAddress.getByName("127.0.0.1")));
        assertEquals(4294967295L, JdbcAuthBackend.ipv4AsNumber(InetAddress.getByName("255.255.255.255")));
        assertNull(JdbcAuthBackend.ipv4AsNumber(InetAddress.getByName("::1")));
    }
}
