package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswdAuthBackendTest {

    private static final String BCRYPT = PasswordHashesTest.BCRYPT;
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 21);

    @TempDir
    Path temp;

    @Test
    void readsAPureFtpdFileWithCommentsLimitsAndABadLine() throws IOException {
        Path file = write("""
                # users for the test
                alice:%1$s:1001:1002:Alice:/srv/ftp/./alice:1024:2048:1:2:3:100:1048576:::::
                broken line without enough fields

                bob:%1$s:0:0::/srv/bob::::::::::::
                carol:%2$s:1003:1003::/srv/carol::::::::::::
                """.formatted(BCRYPT, PasswordHashesTest.ARGON2ID));
        PasswdAuthBackend backend = backend(file, false);

        Account alice = accepted(backend.authenticate(login("alice", "correct horse", "127.0.0.1")));
        assertEquals("/srv/ftp/./alice", alice.home());
        assertEquals("/srv/ftp", alice.rootDirectory());
        assertEquals(1001, alice.uid());
        assertEquals(1002, alice.gid());
        assertEquals(1024, alice.limits().uploadBandwidth());
        assertEquals(2048, alice.limits().downloadBandwidth());
        assertEquals(3, alice.limits().maxSessions());
        assertEquals(100, alice.limits().quotaFiles());
        assertEquals(1_048_576, alice.limits().quotaBytes());
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("bob", "correct horse", "127.0.0.1")),
                "uid 0 lines are skipped");
        accepted(backend.authenticate(login("carol", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("alice", "wrong", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("mallory", "x", "127.0.0.1")));
    }

    @Test
    void clientAndTimeRestrictionsApplyAndBadRulesFailClosed() throws IOException {
        Path file = write(String.join("\n",
                restricted("lan", "192.168.0.0/16,10.1.2.3", "", ""),
                restricted("notten", "", "10.0.0.0/8", ""),
                restricted("office", "", "", "0900-1700"),
                restricted("night", "", "", "2200-0600"),
                restricted("typo", "192.168.0.0/99", "", "")));
        PasswdAuthBackend backend = backend(file, false); // the clock says 12:00 UTC
        accepted(backend.authenticate(login("lan", "correct horse", "192.168.7.9")));
        accepted(backend.authenticate(login("lan", "correct horse", "10.1.2.3")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("lan", "correct horse", "10.1.2.4")));
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("notten", "correct horse", "10.200.0.1")));
        accepted(backend.authenticate(login("notten", "correct horse", "127.0.0.1")));
        accepted(backend.authenticate(login("office", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("night", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("typo", "correct horse", "192.168.0.1")));
    }

    @Test
    void theFileIsReReadWhenItChanges() throws Exception {
        Path file = write("alice:" + BCRYPT + ":1000:1000::/srv/alice::::::::::::\n");
        PasswdAuthBackend backend = backend(file, false);
        accepted(backend.authenticate(login("alice", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("dave", "correct horse", "127.0.0.1")));

        Files.writeString(file, "dave:" + PasswordHashesTest.ARGON2ID + ":1000:1000::/srv/dave::::::::::::\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1100); // changes are looked for at most once a second
        accepted(backend.authenticate(login("dave", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("alice", "correct horse", "127.0.0.1")),
                "removed users are gone");
    }

    @Test
    void demoAccountIsCreatedOnceWithAPrintedPasswordThatWorks() throws IOException {
        Path file = temp.resolve("var/pureftpd.passwd");
        PrintStream originalOut = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true));
        PasswdAuthBackend backend;
        try {
            backend = backend(file, true);
        } finally {
            System.setOut(originalOut);
        }
        Matcher line = Pattern.compile("Demo account created: user 'demo' password '([A-Za-z0-9]{16})' \\(home "
                + Pattern.quote(temp.resolve("var/ftp/demo").toString()) + ", stored hashed in "
                + Pattern.quote(file.toString()) + "\\)").matcher(printed.toString());
        assertTrue(line.find(), printed.toString());
        String password = line.group(1);

        Account demo = accepted(backend.authenticate(login("demo", password, "127.0.0.1")));
        assertEquals(temp.resolve("var/ftp/demo").toString(), demo.home());
        assertTrue(Files.isDirectory(temp.resolve("var/ftp/demo")));
        String stored = Files.readString(file);
        assertTrue(stored.startsWith("demo:$argon2id$"), "only the hash is stored");
        assertTrue(!stored.contains(password));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        backend(file, true); // a second start keeps the existing account
        assertEquals(List.of(stored.strip()), Files.readAllLines(file));
    }

    private PasswdAuthBackend backend(Path file, boolean demo) throws IOException {
        PasswdAuthBackend backend = new PasswdAuthBackend(
                Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC));
        backend.configure(temp.toString(), config(file.toString(), demo));
        return backend;
    }

    /** A line with client allow/deny lists and a time rule, the other fields empty. */
    private static String restricted(String user, String allowedClients, String deniedClients, String hours) {
        return String.join(":", user, BCRYPT, "1000", "1000", "", "/srv/" + user, "", "", "", "", "", "", "", "", "",
                allowedClients, deniedClients, hours);
    }

    private Path write(String content) throws IOException {
        Path file = temp.resolve("pureftpd.passwd");
        Files.writeString(file, content);
        return file;
    }

    private static LoginRequest login(String user, String password, String clientIp) {
        return new LoginRequest(user, password, new InetSocketAddress(clientIp, 40000), SERVER, false);
    }

    private static Account accepted(AuthResult result) {
        return assertInstanceOf(AuthResult.Accepted.class, result).account();
    }

    private static PasswdAuthBackend.Config config(String file, boolean demo) {
        return new PasswdAuthBackend.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return PasswdAuthBackend.Config.class;
            }

            @Override
            public String file() {
                return file;
            }

            @Override
            public boolean demo_create() {
                return demo;
            }

            @Override
            public String demo_user() {
                return "demo";
            }

            @Override
            public String demo_home() {
                return PasswdAuthBackend.HOME_VARIABLE + "/var/ftp/demo";
            }

            @Override
            public int demo_uid() {
                return 1000;
            }

            @Override
            public int demo_gid() {
                return 1000;
            }
        };
    }
}
