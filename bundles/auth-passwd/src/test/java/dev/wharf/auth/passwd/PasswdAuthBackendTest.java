package dev.wharf.auth.passwd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.auth.LoginRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import dev.wharf.crypt.PasswordHashes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswdAuthBackendTest {

    /** Hashes of "correct horse" made by other tools; the crypt bundle's tests name the commands. */
    static final String BCRYPT = "$2y$06$GTV8F.ItivNXtk.dMNG4Y.iQzU1yYDCMEUntolZ/qezgWoy/dw5ra";
    static final String ARGON2ID = "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0MTZi"
            + "$98uRr1rOVStoZkoPNXJF+iguoT5eGV6E1ENbhENQkVQ";
    static final String SHA512 = "$6$saltstring16char$GhJZgX9PBqfW9IttGVlwIfNP.VHA5GEoLGQKabjQmVcsZRFze3x15RlE4r6"
            + "OIFXNDh3rMLuzEExbJ6q69PI/f0";

    @TempDir
    Path temp;

    @Test
    void readsAPureFtpdFileWithCommentsLimitsAndABadLine() {
        Path file = write("""
                # users for the test
                alice:%1$s:1001:1002:Alice:/srv/ftp/./alice:1024:2048:1:2:3:100:1048576:::::
                broken line without enough fields

                bob:%1$s:0:0::/srv/bob::::::::::::
                carol:%2$s:1003:1003::/srv/carol::::::::::::
                """.formatted(BCRYPT, ARGON2ID));
        PasswdAuthBackend backend = backend(file, false);

        Account alice = accepted(backend.authenticate(login("alice", "correct horse", "127.0.0.1")));
        assertEquals("alice", alice.name());
        assertEquals("/srv/ftp/./alice", alice.home());
        assertEquals("/srv/ftp", alice.rootDirectory());
        assertEquals(1001, alice.uid());
        assertEquals(1002, alice.gid());
        assertEquals(1024, alice.limits().uploadBandwidth());
        assertEquals(2048, alice.limits().downloadBandwidth());
        assertEquals(3, alice.limits().maxSessions());
        assertEquals(100, alice.limits().quotaFiles());
        assertEquals(1_048_576, alice.limits().quotaBytes());
        assertEquals(1, alice.limits().uploadRatio());
        assertEquals(2, alice.limits().downloadRatio());
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("bob", "correct horse", "127.0.0.1")),
                "uid 0 is refused, and the name is not left to the next backend");
        accepted(backend.authenticate(login("carol", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("alice", "wrong", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("mallory", "x", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("broken", "x", "127.0.0.1")));
    }

    @Test
    void groupsAndAttributesComeFromTheFileBesideThePasswdFileWhichStaysAsPurePwWritesIt() throws Exception {
        Path file = write("""
                alice:%1$s:1001:1002::/srv/alice::::::::::::
                bob:%1$s:1003:1003::/srv/bob::::::::::::
                """.formatted(BCRYPT));
        Files.writeString(file.resolveSibling(file.getFileName() + ".attributes"), """
                # extras for the test
                alice:groups=2001, 2002
                alice:storage=s3
                alice:storage.endpoint=http://127.0.0.1:9000/a=b
                alice:folder.pub.path=/pub
                alice:groups=2003
                bob:groups=x
                no separator
                """);
        PasswdAuthBackend backend = backend(file, false);
        Account alice = accepted(backend.authenticate(login("alice", "correct horse", "127.0.0.1")));
        assertEquals(List.of(2001, 2002, 2003), java.util.Arrays.stream(alice.groups()).boxed().toList());
        assertEquals(java.util.Map.of("storage", "s3", "storage.endpoint", "http://127.0.0.1:9000/a=b",
                "folder.pub.path", "/pub"), alice.attributes());
        Account bob = accepted(backend.authenticate(login("bob", "correct horse", "127.0.0.1")));
        assertEquals(0, bob.groups().length, "a malformed groups line is skipped");
        assertEquals(java.util.Map.of(), bob.attributes());
        assertEquals(2, PasswdFile.read(file).size(), "the passwd file itself is untouched");
    }

    @Test
    void unsupportedAndEmptyHashesRejectEvenTheMatchingText() {
        Path file = write(String.join("\n",
                "plain:correct horse:1000:1000::/srv/plain::::::::::::",
                "empty::1000:1000::/srv/empty::::::::::::",
                "scrypt:$7$CU..../....salt$hash:1000:1000::/srv/scrypt::::::::::::",
                "shadow:" + SHA512 + ":1000:1000::/srv/shadow::::::::::::"));
        PasswdAuthBackend backend = backend(file, false);
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("plain", "correct horse", "::1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("empty", "", "::1")));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("scrypt", "correct horse", "::1")));
        accepted(backend.authenticate(login("shadow", "correct horse", "::1")));
    }

    @Test
    void clientAndTimeRestrictionsApplyAndBadRulesFailClosed() {
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
    void timeWindowsWrapPastMidnightAndMalformedOnesRefuse() {
        Path file = write(String.join("\n",
                restricted("office", "", "", "0900-1700"),
                restricted("night", "", "", "2200-0600"),
                restricted("sloppy", "", "", "9-17")));
        PasswdAuthBackend lateEvening = backend(file, false, "2026-11-23T23:30:00Z");
        assertInstanceOf(AuthResult.Rejected.class, lateEvening.authenticate(login("office", "correct horse", "::1")));
        accepted(lateEvening.authenticate(login("night", "correct horse", "::1")));
        assertInstanceOf(AuthResult.Rejected.class, lateEvening.authenticate(login("sloppy", "correct horse", "::1")));
        PasswdAuthBackend lastMinute = backend(file, false, "2026-11-23T17:00:59Z");
        accepted(lastMinute.authenticate(login("office", "correct horse", "::1")));
    }

    @Test
    void localAddressRulesLookAtTheServerSideOfTheConnection() {
        Path file = write(String.join("\n",
                line("inside", "10.0.0.1,172.16.0.0/12", "", "", "", ""),
                line("notpublic", "", "203.0.113.0/24", "", "", ""),
                line("both", "", "", "192.0.2.0/24", "192.0.2.66", "")));
        PasswdAuthBackend backend = backend(file, false);
        accepted(backend.authenticate(login("inside", "correct horse", "192.0.2.1", "10.0.0.1")));
        accepted(backend.authenticate(login("inside", "correct horse", "192.0.2.1", "172.31.255.254")));
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("inside", "correct horse", "192.0.2.1", "2001:db8::21")),
                "an IPv6 server address matches no IPv4 rule");
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("inside", "correct horse", "10.0.0.1", "10.0.0.2")),
                "the client address does not count for local rules");
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("notpublic", "correct horse", "10.0.0.1", "203.0.113.10")));
        accepted(backend.authenticate(login("notpublic", "correct horse", "10.0.0.1", "10.0.0.2")));
        accepted(backend.authenticate(login("both", "correct horse", "192.0.2.65", "10.0.0.2")));
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("both", "correct horse", "192.0.2.66", "10.0.0.2")),
                "deny wins inside the allowed range");
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("both", "correct horse", "198.51.100.1", "10.0.0.2")));
        assertInstanceOf(AuthResult.Rejected.class,
                backend.authenticate(login("both", "wrong", "192.0.2.65", "10.0.0.2")));
    }

    @Test
    void theFileIsReReadWhenItChanges() throws Exception {
        Path file = write("alice:" + BCRYPT + ":1000:1000::/srv/alice::::::::::::\n");
        PasswdAuthBackend backend = backend(file, false);
        accepted(backend.authenticate(login("alice", "correct horse", "127.0.0.1")));
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("dave", "correct horse", "127.0.0.1")));

        Files.writeString(file, "dave:" + ARGON2ID + ":1000:1000::/srv/dave::::::::::::\n"
                + "erin:" + SHA512 + ":1000:1000::/srv/erin::::::::::::\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1100); // changes are looked for at most once a second
        ConsoleCapture.Captured<AuthResult> afterChange =
                ConsoleCapture.capture(() -> backend.authenticate(login("dave", "correct horse", "127.0.0.1")));
        accepted(afterChange.result());
        assertTrue(afterChange.err().contains("Reloaded 2 users from " + file), afterChange.err());
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("alice", "correct horse", "127.0.0.1")),
                "removed users are gone");

        // A file that cannot be read any more (here: replaced by a directory) keeps the last good users.
        Files.delete(file);
        Files.createDirectory(file);
        Thread.sleep(1100);
        ConsoleCapture.Captured<AuthResult> unreadable =
                ConsoleCapture.capture(() -> backend.authenticate(login("erin", "correct horse", "127.0.0.1")));
        accepted(unreadable.result());
        assertTrue(unreadable.err().contains("Cannot re-read " + file), unreadable.err());

        // A file that is gone has no users.
        Files.delete(file);
        Thread.sleep(1100);
        assertInstanceOf(AuthResult.Unknown.class, backend.authenticate(login("erin", "correct horse", "127.0.0.1")));
    }

    @Test
    void demoAccountIsCreatedOnceWithAPrintedAndLoggedPasswordThatWorks() throws Exception {
        Path file = temp.resolve("var/pureftpd.passwd");
        Path home = temp.resolve("var/ftp/demo");
        ConsoleCapture.Captured<PasswdAuthBackend> start = ConsoleCapture.capture(() -> backend(file, true));
        PasswdAuthBackend backend = start.result();
        Pattern announcement = Pattern.compile("Demo account created: user 'demo' password '([A-Za-z0-9]{16})' "
                + "\\(home " + Pattern.quote(home.toString()) + ", stored hashed in " + Pattern.quote(file.toString())
                + "\\)");
        Matcher printed = announcement.matcher(start.out());
        assertTrue(printed.find(), start.out());
        String password = printed.group(1);
        Matcher logged = announcement.matcher(start.err());
        assertTrue(logged.find() && logged.group(1).equals(password), start.err());
        assertTrue(start.err().contains("INFO"), start.err());

        Account demo = accepted(backend.authenticate(login("demo", password, "127.0.0.1")));
        assertEquals(home.toString(), demo.home());
        assertEquals(1000, demo.uid());
        assertEquals(1000, demo.gid());
        assertTrue(Files.isDirectory(home));
        assertInstanceOf(AuthResult.Rejected.class, backend.authenticate(login("demo", password + "x", "127.0.0.1")));
        String stored = Files.readString(file);
        assertTrue(stored.startsWith("demo:$argon2id$v=19$m=65536,t=2,p=1$"), "only the hash is stored");
        assertFalse(stored.contains(password));
        PasswdEntry entry = PasswdEntry.parse(stored.strip());
        assertTrue(new dev.wharf.crypt.PasswordChecker().verify(entry.passwordHash(), password),
                "the stored hash checks on its own");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var leftovers = Files.list(file.getParent())) {
            // the lock file stays on purpose: deleting it would let two editors lock different files
            assertEquals(List.of("ftp", file.getFileName().toString(), file.getFileName() + ".lock"),
                    leftovers.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
        }

        ConsoleCapture.Captured<PasswdAuthBackend> restart = ConsoleCapture.capture(() -> backend(file, true));
        assertEquals(List.of(stored.strip()), Files.readAllLines(file), "a second start keeps the account");
        assertFalse(restart.out().contains("Demo account created"));
    }

    @Test
    void noDemoAccountUnlessAskedOrWhenUsersExist() throws Exception {
        Path file = temp.resolve("var/pureftpd.passwd");
        backend(file, false);
        assertFalse(Files.exists(file), "demo.create defaults to off");

        Path existing = write("# only comments\nalice:" + BCRYPT + ":1000:1000::/srv/alice::::::::::::\n");
        String before = Files.readString(existing);
        backend(existing, true);
        assertEquals(before, Files.readString(existing));
    }

    private PasswdAuthBackend backend(Path file, boolean demo) {
        return backend(file, demo, "2026-11-23T12:00:00Z");
    }

    private PasswdAuthBackend backend(Path file, boolean demo, String now) {
        PasswdAuthBackend backend = new PasswdAuthBackend(new dev.wharf.crypt.PasswordChecker(),
                Clock.fixed(Instant.parse(now), ZoneOffset.UTC));
        backend.configure(temp.toString(), TestConfig.passwd(file.toString(), true, demo));
        return backend;
    }

    /** A line with client allow/deny lists and a time rule, the other fields empty. */
    private static String restricted(String user, String allowedClients, String deniedClients, String hours) {
        return line(user, "", "", allowedClients, deniedClients, hours);
    }

    /** A line with the password "correct horse", address lists and a time rule, the other fields empty. */
    private static String line(String user, String allowedLocal, String deniedLocal, String allowedClients,
                               String deniedClients, String hours) {
        return String.join(":", user, BCRYPT, "1000", "1000", "", "/srv/" + user, "", "", "", "", "", "", "",
                allowedLocal, deniedLocal, allowedClients, deniedClients, hours);
    }

    private Path write(String content) {
        Path file = temp.resolve("pureftpd.passwd");
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static LoginRequest login(String user, String password, String clientIp) {
        return login(user, password, clientIp, "127.0.0.1");
    }

    private static LoginRequest login(String user, String password, String clientIp, String serverIp) {
        return new LoginRequest(user, password, new InetSocketAddress(clientIp, 40000),
                new InetSocketAddress(serverIp, 21), false);
    }

    private static Account accepted(AuthResult result) {
        return assertInstanceOf(AuthResult.Accepted.class, result).account();
    }

}
