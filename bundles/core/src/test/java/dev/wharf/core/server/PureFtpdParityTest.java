package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pure-FTPd behaviours that admins rely on, through Commons Net and raw control connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PureFtpdParityTest {

    @TempDir
    Path temp;

    @Test
    void aSessionSendingOnlyNoopsIsCutAfterTwiceTheIdleTime() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("idle.timeout", "1"));
             RawControl raw = RawControl.open(server.port(), 10_000)) {
            FTPClient working = server.loggedIn();
            Files.writeString(server.home("alice").resolve("f.txt"), "x");
            send(raw, "USER alice");
            assertTrue(raw.finalReply().startsWith("331"));
            send(raw, "PASS wonderland");
            assertTrue(raw.finalReply().startsWith("230"));
            long start = System.nanoTime();
            String reply;
            long elapsedMillis;
            do {
                Thread.sleep(250);
                send(raw, "NOOP");
                reply = raw.finalReply();
                elapsedMillis = (System.nanoTime() - start) / 1_000_000;
                if (elapsedMillis < 1900) {
                    assertTrue(reply.startsWith("200"), "NOOPs keep the session past the 1 s idle time: " + reply);
                }
                // a session that does something is not affected
                assertEquals(213, working.sendCommand("SIZE", "f.txt"));
                assertTrue(working.sendNoOp());
            } while (reply.startsWith("200") && elapsedMillis < 6000);
            assertEquals("421 Timeout (no operation for 2 seconds)", reply);
            assertTrue(elapsedMillis >= 2000 && elapsedMillis < 4000, "cut after " + elapsedMillis + " ms");
            assertNull(readOrNull(raw), "the connection is closed");
            assertEquals(213, working.sendCommand("SIZE", "f.txt"), "the working session lives on");
            working.disconnect();
        }
    }

    @Test
    void failedDirectoryChangesSlowDownAndEndTheSession() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("security.cwd.failure.delay", "200",
                "security.cwd.failures.max", "6"))) {
            Files.createDirectories(server.home("alice").resolve("real"));
            FTPClient client = server.loggedIn();
            long[] millis = new long[4];
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                assertFalse(client.changeWorkingDirectory("guess" + i));
                millis[i] = (System.nanoTime() - start) / 1_000_000;
                assertEquals(550, client.getReplyCode());
            }
            assertTrue(millis[3] >= 600, "the 4th failure in a row waits 3 x 200 ms: " + millis[3]);
            assertTrue(millis[2] >= 400, "the 3rd waits 2 x 200 ms: " + millis[2]);
            assertTrue(client.changeWorkingDirectory("real"), "a real directory still works");
            long start = System.nanoTime();
            assertFalse(client.changeWorkingDirectory("guess-again"));
            long afterSuccess = (System.nanoTime() - start) / 1_000_000;
            assertTrue(afterSuccess < millis[3], "a success ends the run: " + afterSuccess + " ms");
            for (int i = 2; i <= 5; i++) {
                assertFalse(client.changeWorkingDirectory("scan" + i));
                assertEquals(550, client.getReplyCode());
            }
            try {
                client.cwd("scan6");
            } catch (org.apache.commons.net.ftp.FTPConnectionClosedException closed) {
                // Commons Net's way of saying 421
            }
            assertEquals(421, client.getReplyCode(), "the 6th failure in a row ends the session");
            assertTrue(client.getReplyString().contains("Too many failed directory changes"));
            assertGone(client);
        }
    }

    @Test
    void anonymousOnlyLogsEveryNameInAsAnonymous() throws Exception {
        Path anonymousRoot = Files.createDirectories(temp.resolve("anon"));
        Files.writeString(anonymousRoot.resolve("welcome.txt"), "hello");
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("security.anonymous.only", "true",
                "security.anonymous.root", anonymousRoot.toString()))) {
            Files.writeString(server.home("alice").resolve("private.txt"), "mine");
            FTPClient client = server.connect();
            assertTrue(client.login("alice", "not her password"), "any name and password log in anonymously");
            client.enterLocalPassiveMode();
            assertEquals(List.of("welcome.txt"), List.of(client.listNames()), "the anonymous root, not alice's home");
            assertFalse(client.storeFile("up.txt", new ByteArrayInputStream("x".getBytes(StandardCharsets.UTF_8))),
                    "anonymous uploads stay off");
            assertFalse(Files.exists(anonymousRoot.resolve("up.txt")));
            client.disconnect();
            FTPClient anonymous = server.connect();
            assertTrue(anonymous.login("anonymous", "guest@"));
            anonymous.enterLocalPassiveMode();
            assertEquals(List.of("welcome.txt"), List.of(anonymous.listNames()));
            anonymous.disconnect();
        }
    }

    @Test
    void trustedIpAcceptsAccountsOnlyOnThatLocalAddress() throws Exception {
        Path anonymousRoot = Files.createDirectories(temp.resolve("anon"));
        Files.writeString(anonymousRoot.resolve("welcome.txt"), "hello");
        // on 127.0.0.1, with 127.0.0.2 trusted: accounts are refused, anonymous works
        try (TestServer untrusted = new TestServer(temp.resolve("u1"), Map.of("security.trusted.ip", "127.0.0.2"))) {
            FTPClient client = untrusted.connect();
            assertEquals(530, client.user("alice"));
            assertTrue(client.getReplyString().contains("Only anonymous logins"));
            assertFalse(client.login("alice", "wonderland"));
            client.disconnect();
        }
        try (TestServer untrusted = new TestServer(temp.resolve("u2"), Map.of("security.trusted.ip", "127.0.0.2",
                "security.anonymous.enabled", "true", "security.anonymous.root", anonymousRoot.toString()))) {
            Files.writeString(untrusted.home("alice").resolve("private.txt"), "mine");
            FTPClient client = untrusted.connect();
            assertTrue(client.login("alice", "wonderland"));
            client.enterLocalPassiveMode();
            assertEquals(List.of("welcome.txt"), List.of(client.listNames()), "alice is anonymous here");
            client.disconnect();
        }
        // on the trusted address itself the account logs in as usual
        try (TestServer trusted = new TestServer(temp.resolve("t"), Map.of("bind", "127.0.0.2",
                "security.trusted.ip", "127.0.0.2"))) {
            Files.writeString(trusted.home("alice").resolve("private.txt"), "mine");
            FTPClient client = trusted.connect("127.0.0.2");
            assertFalse(client.login("alice", "wrong"), "the password is still checked");
            assertTrue(client.login("alice", "wonderland"));
            client.enterLocalPassiveMode();
            assertEquals(List.of("private.txt"), List.of(client.listNames()), "her own home");
            client.disconnect();
        }
    }

    @Test
    void aPassiveHostNameIsResolvedForEachConnection() throws Exception {
        try (TestServer named = new TestServer(temp.resolve("named"), Map.of("passive.address", "localhost"))) {
            Files.writeString(named.home("alice").resolve("f.txt"), "data");
            FTPClient client = named.loggedIn();
            assertEquals(227, client.pasv());
            assertTrue(client.getReplyString().contains("(127,0,0,1,"), client.getReplyString());
            assertEquals(List.of("f.txt"), List.of(client.listNames()), "the advertised address works");
            client.disconnect();
        }
        try (TestServer unresolvable = new TestServer(temp.resolve("bad"),
                Map.of("passive.address", "no-such-host.invalid"));
             java.net.Socket socket = new java.net.Socket("127.0.0.1", unresolvable.port())) {
            socket.setSoTimeout(30_000);
            java.io.BufferedReader replies = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("421 Illegal forced IP for passive connections", replies.readLine());
            assertNull(replies.readLine(), "and the connection is closed");
        }
        assertThrows(ConfigValues.InvalidSettingException.class, () -> ListenerSettings.from(
                Map.of("passive.address", "not a name!")));
        assertThrows(ConfigValues.InvalidSettingException.class, () -> ListenerSettings.from(
                Map.of("passive.address", "10.0.0.256")));
    }

    @Test
    void aListenerOverridesTheServerWideSecuritySettingsForItsSessions() throws Exception {
        Path anonymousRoot = Files.createDirectories(temp.resolve("anon"));
        Files.writeString(anonymousRoot.resolve("welcome.txt"), "hello");
        try (TestServer server = new TestServer(temp.resolve("users"))) {
            Path home = server.home("alice");
            Files.writeString(home.resolve(".hidden"), "dot");
            Files.writeString(home.resolve("keep.txt"), "keep");
            FtpListener open = new FtpListener(server.runtime, server.services, server.security, server.limits, server.activity,
                    Map.of("service.pid", "dev.wharf.listener~open", "bind", "127.0.0.1", "port", "0",
                            "security.anonymous.enabled", "true", "security.anonymous.root", anonymousRoot.toString(),
                            "security.anonymous.upload", "true", "security.dotfiles.read", "false",
                            "security.max.per.ip", "3"));
            try {
                assertTrue(open.isListening());
                // the server-wide listener: no anonymous, dot files readable
                FTPClient main = server.connect();
                assertFalse(main.login("anonymous", "guest@"));
                main.disconnect();
                FTPClient alice = server.loggedIn();
                java.io.ByteArrayOutputStream dot = new java.io.ByteArrayOutputStream();
                assertTrue(alice.retrieveFile(".hidden", dot));
                assertEquals("dot", dot.toString(StandardCharsets.UTF_8));

                // the listener with its own security.* keys
                FTPClient guest = connect(open);
                assertTrue(guest.login("anonymous", "guest@"), guest.getReplyString());
                guest.enterLocalPassiveMode();
                assertEquals(List.of("welcome.txt"), List.of(guest.listNames()));
                assertTrue(guest.storeFile("gift.txt", new ByteArrayInputStream("for you".getBytes(
                        StandardCharsets.UTF_8))), guest.getReplyString());
                assertEquals("for you", Files.readString(anonymousRoot.resolve("gift.txt")));
                FTPClient aliceThere = connect(open);
                assertTrue(aliceThere.login("alice", "wonderland"));
                aliceThere.enterLocalPassiveMode();
                assertFalse(aliceThere.retrieveFile(".hidden", new java.io.ByteArrayOutputStream()),
                        "dot files are not readable on this listener");
                assertEquals(550, aliceThere.getReplyCode());

                // max.per.ip = 3 here (alice's session on the main listener counts: the limit is server-wide)
                FTPClient third;
                try (java.net.Socket fourth = new java.net.Socket("127.0.0.1", open.port())) {
                    fourth.setSoTimeout(10_000);
                    String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(
                            fourth.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                    assertTrue(greeting.startsWith("421 Too many connections (3)"), greeting);
                }
                third = server.connect();
                assertTrue(third.login("alice", "wonderland"), "the main listener keeps the default of 10");
                third.disconnect();

                // keys the listener does not set follow the server-wide file live
                server.security.configure(Map.of("keep.all.files", "true"));
                assertFalse(aliceThere.deleteFile("keep.txt"));
                assertTrue(Files.exists(home.resolve("keep.txt")));
                guest.disconnect();
                aliceThere.disconnect();
                alice.disconnect();
            } finally {
                open.deactivate(6);
            }
            String refused = assertThrows(ConfigValues.InvalidSettingException.class, () -> ListenerSettings.from(
                    Map.of("service.pid", "dev.wharf.listener~x", "security.ban.duration", "5"))).getMessage();
            assertTrue(refused.contains("Listener 'x'") && refused.contains("security.ban.duration"), refused);
            assertThrows(ConfigValues.InvalidSettingException.class, () -> ListenerSettings.from(
                    Map.of("security.max.per.ip", "lots")));
        }
    }

    @Test
    void aTildeInCwdIsTheHomeDirectory() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"))) {
            Files.createDirectories(server.home("alice").resolve("docs/deep"));
            Files.createDirectories(server.home("alice").resolve("other"));
            FTPClient client = server.loggedIn();
            assertTrue(client.changeWorkingDirectory("other"));
            assertTrue(client.changeWorkingDirectory("~/docs"), client.getReplyString());
            assertEquals("/docs", client.printWorkingDirectory());
            assertTrue(client.changeWorkingDirectory("~/docs/deep"));
            assertEquals("/docs/deep", client.printWorkingDirectory());
            assertTrue(client.changeWorkingDirectory("~"));
            assertEquals("/", client.printWorkingDirectory());
            assertFalse(client.changeWorkingDirectory("~root"), "~user is not expanded");
            client.changeWorkingDirectory("~/../..");
            assertEquals("/", client.printWorkingDirectory(), "~ never leads out of the home");
            client.disconnect();
        }
    }

    @Test
    void hostAndTheLocalAddressChooseTheAnonymousRoot() throws Exception {
        Path hosts = Files.createDirectories(temp.resolve("vhosts"));
        Files.writeString(Files.createDirectories(hosts.resolve("127.0.0.2")).resolve("second-address.txt"), "2");
        Files.writeString(Files.createDirectories(hosts.resolve("files.example.org")).resolve("named.txt"), "n");
        Path anonymousRoot = Files.createDirectories(temp.resolve("anon"));
        Files.writeString(anonymousRoot.resolve("default.txt"), "d");
        Files.writeString(temp.resolve("outside.txt"), "o");
        Map<String, Object> settings = Map.of("security.anonymous.enabled", "true",
                "security.anonymous.root", anonymousRoot.toString(), "security.anonymous.virtual.hosts",
                hosts.toString());
        try (TestServer first = new TestServer(temp.resolve("u1"), settings)) {
            assertEquals(List.of("default.txt"), anonymousListing(first.connect(), null),
                    "no directory for 127.0.0.1: the anonymous root");
            assertEquals(List.of("named.txt"), anonymousListing(first.connect(), "files.example.org"));
            assertEquals(List.of("named.txt"), anonymousListing(first.connect(), "FILES.example.org."));
            assertEquals(List.of("second-address.txt"), anonymousListing(first.connect(), "[127.0.0.2]"));

            FTPClient client = first.connect();
            assertTrue(client.sendCommand("FEAT") == 211 && client.getReplyString().contains(" HOST"));
            assertEquals(504, client.sendCommand("HOST", "unknown.example.org"));
            assertEquals(501, client.sendCommand("HOST", ".."));
            assertEquals(501, client.sendCommand("HOST", "../vhosts"));
            assertEquals(501, client.sendCommand("HOST", "a/b"));
            assertEquals(331, client.user("anonymous"));
            assertEquals(503, client.sendCommand("HOST", "files.example.org"), "HOST comes before USER");
            client.disconnect();
        }
        try (TestServer second = new TestServer(temp.resolve("u2"), withBind(settings, "127.0.0.2"))) {
            FTPClient client = second.connect("127.0.0.2");
            assertEquals(List.of("second-address.txt"), anonymousListing(client, null),
                    "the local address's directory, as Pure-FTPd's /etc/pure-ftpd/<ip>");
        }
    }

    private static Map<String, Object> withBind(Map<String, Object> settings, String address) {
        Map<String, Object> bound = new java.util.HashMap<>(settings);
        bound.put("bind", address);
        return bound;
    }

    /** Logs in anonymously after HOST {@code host} (unless null) and lists the root. */
    private static List<String> anonymousListing(FTPClient client, String host) throws IOException {
        if (host != null) {
            assertEquals(220, client.sendCommand("HOST", host), client.getReplyString());
        }
        assertTrue(client.login("anonymous", "guest@"), client.getReplyString());
        client.enterLocalPassiveMode();
        List<String> names = List.of(client.listNames());
        client.disconnect();
        return names;
    }

    private static FTPClient connect(FtpListener listener) throws IOException {
        FTPClient client = new FTPClient();
        client.setConnectTimeout(10_000);
        client.setDefaultTimeout(30_000);
        client.connect("127.0.0.1", listener.port());
        client.setSoTimeout(30_000);
        return client;
    }

    private static void send(RawControl raw, String line) throws IOException {
        raw.out().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        raw.out().flush();
    }

    private static String readOrNull(RawControl raw) throws IOException {
        try {
            return raw.replies().readLine();
        } catch (SocketException reset) {
            return null;
        }
    }

    private static void assertGone(FTPClient client) {
        boolean gone;
        try {
            gone = !client.sendNoOp();
        } catch (IOException closed) {
            gone = true;
        }
        assertTrue(gone, "the server closed the session");
    }
}
