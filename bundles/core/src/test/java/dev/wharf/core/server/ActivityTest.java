package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.api.hook.UploadEvent;
import dev.wharf.core.activity.SessionInfo;
import dev.wharf.core.admin.AdminCommands;
import dev.wharf.core.admin.AdminSocket;
import dev.wharf.core.security.SecurityShellCommands;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPSClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;

/**
 * What the operator sees: transfer log lines in each of Pure-FTPd's formats, {@code who} during a live transfer,
 * {@code kick}, {@code stats}, the admin socket {@code bin/wharf} uses, Event Admin events and upload hooks.
 */
class ActivityTest {

    @TempDir
    Path temp;

    /** Uploads "new file.txt" (13 bytes) and downloads it again, then returns the log's lines. */
    private List<String> logLinesFor(String format) throws IOException {
        Path log = temp.resolve(format + ".log");
        try (TestServer server = new TestServer(temp.resolve(format), Map.of("transferlog.format", format,
                "transferlog.file", log.toString()))) {
            FTPClient client = server.loggedIn();
            assertTrue(client.storeFile("new file.txt", new ByteArrayInputStream("Hello, world!".getBytes())));
            assertTrue(client.retrieveFile("new file.txt", new ByteArrayOutputStream()));
            client.logout();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            return Files.readAllLines(log);
        }
    }

    private String realPath(String format) throws IOException {
        return temp.resolve(format).toRealPath().resolve("alice/new file.txt").toString();
    }

    @Test
    void clfLinesNameTheClientUserRequestAndSize() throws IOException {
        List<String> lines = logLinesFor("clf");
        assertEquals(2, lines.size(), lines.toString());
        String path = realPath("clf").replace(" ", "%20");
        Pattern upload = Pattern.compile("127\\.0\\.0\\.1 - alice \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} "
                + "[+-]\\d{4}] \"PUT " + Pattern.quote(path) + "\" 200 13");
        assertTrue(upload.matcher(lines.get(0)).matches(), lines.get(0));
        assertTrue(lines.get(1).contains("\"GET " + path + "\" 200 13"), lines.get(1));
    }

    @Test
    void statsLinesCarryTimeSessionUserHostDirectionBytesSecondsAndFile() throws IOException {
        List<String> lines = logLinesFor("stats");
        Pattern line = Pattern.compile("(\\d{10}) [0-9a-f]+\\.[0-9a-f]+ alice 127\\.0\\.0\\.1 ([UD]) 13 (\\d+) (.*)");
        var upload = line.matcher(lines.get(0));
        assertTrue(upload.matches(), lines.get(0));
        assertEquals("U", upload.group(2));
        assertEquals(realPath("stats"), upload.group(4));
        long loggedAt = Long.parseLong(upload.group(1));
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - loggedAt) < 60, "unix time of the transfer");
        var download = line.matcher(lines.get(1));
        assertTrue(download.matches(), lines.get(1));
        assertEquals("D", download.group(2));
    }

    @Test
    void w3cLogStartsWithItsHeaderAndUsesUtcTimes() throws IOException {
        List<String> lines = logLinesFor("w3c");
        assertEquals("#Software: Wharf", lines.get(0));
        assertEquals("#Version: 1.0", lines.get(1));
        assertTrue(lines.get(2).matches("#Date: \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"), lines.get(2));
        assertEquals("#Fields: date time c-ip cs-method cs-uri-stem sc-status cs-username sc-bytes", lines.get(3));
        String path = Pattern.quote(realPath("w3c").replace(" ", "%20"));
        assertTrue(lines.get(4).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} 127\\.0\\.0\\.1 \\[]created "
                + path + " 226 alice 13"), lines.get(4));
        assertTrue(lines.get(5).matches(".* 127\\.0\\.0\\.1 \\[]sent " + path + " 226 alice 13"), lines.get(5));
    }

    @Test
    void xferlogLinesFollowXferlog5() throws IOException {
        List<String> lines = logLinesFor("xferlog");
        String path = Pattern.quote(realPath("xferlog").replace(' ', '_'));
        Pattern line = Pattern.compile("[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4} (\\d+) "
                + "127\\.0\\.0\\.1 13 " + path + " b _ ([io]) r alice ftp 1 \\* c");
        var upload = line.matcher(lines.get(0));
        assertTrue(upload.matches(), lines.get(0));
        assertEquals("i", upload.group(2));
        var download = line.matcher(lines.get(1));
        assertTrue(download.matches(), lines.get(1));
        assertEquals("o", download.group(2));
    }

    @Test
    void anAbortedUploadIsLoggedIncompleteAndReachesTheHooksAsIncomplete() throws Exception {
        Path log = temp.resolve("x.log");
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("transferlog.format", "xferlog",
                "transferlog.file", log.toString(), "limits.quota.size", "1"))) {
            LinkedBlockingQueue<UploadEvent> uploads = new LinkedBlockingQueue<>();
            server.services.addUploadHook(uploads::add, Map.of("component.name", "test-hook"));
            FTPClient client = server.loggedIn();
            try {
                client.storeFile("too-big.bin", new ByteArrayInputStream(new byte[3 * 1024 * 1024]));
            } catch (IOException cutOff) {
                client.getReply();
            }
            assertEquals(552, client.getReplyCode());
            UploadEvent event = uploads.poll(10, TimeUnit.SECONDS);
            assertFalse(event.complete());
            assertEquals("/too-big.bin", event.virtualPath());
            assertTrue(Files.readString(log).trim().endsWith(" i r alice ftp 1 * i"), Files.readString(log));
            client.logout();
        }
    }

    @Test
    void whoListsALiveTransferAndKickEndsIt() throws Exception {
        // 1 MiB/s: a 4 MiB download lasts long enough to be seen
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("limits.bandwidth.download", "1024"))) {
            Files.write(server.home("alice").resolve("slow.bin"), new byte[4 * 1024 * 1024]);
            AdminCommands admin = new AdminCommands(server.activity, new SecurityShellCommands(server.security));
            FTPClient idle = server.connect();
            FTPClient client = server.loggedIn();
            CompletableFuture<Boolean> download = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.retrieveFile("slow.bin", new ByteArrayOutputStream());
                } catch (IOException cut) {
                    return false;
                }
            });
            SessionInfo transferring = waitForTransfer(server);
            assertEquals("alice", transferring.account());
            assertEquals("/slow.bin", transferring.file());
            assertEquals(4 * 1024 * 1024, transferring.total());
            assertTrue(transferring.transferred() > 0);

            String machine = admin.who("-s");
            assertTrue(machine.lines().anyMatch(line -> line.matches(transferring.id()
                    + "\\|alice\\|\\d+\\| DL \\|/slow\\.bin\\|127\\.0\\.0\\.1\\|127\\.0\\.0\\.1\\|" + server.port()
                    + "\\|\\d+\\|4096\\|\\d{1,3}\\|\\d+")), machine);
            assertTrue(machine.lines().anyMatch(line -> line.matches("\\d+\\|\\?\\|\\d+\\|IDLE\\|\\|.*")),
                    "the session that is not logged in shows as ?: " + machine);
            String json = admin.who("json");
            assertTrue(json.contains("\"account\": \"alice\"") && json.contains("\"state\": \"DL\"")
                    && json.contains("\"file\": \"/slow.bin\"") && json.contains("\"account\": null"), json);
            assertTrue(admin.who().contains("/slow.bin"), admin.who());
            assertTrue(admin.stats().contains("Sessions now: 2 (1 logged in, 1 transferring)"), admin.stats());

            assertEquals("Session " + transferring.id() + " disconnected.", admin.kick(Long.toString(transferring.id())));
            assertFalse(download.get(10, TimeUnit.SECONDS), "the kicked download does not complete");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.activity.who().size() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, server.activity.who().size(), "only the idle session is left");
            assertTrue(idle.sendNoOp(), "other sessions are not touched");
            idle.disconnect();
        }
    }

    private static SessionInfo waitForTransfer(TestServer server) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (SessionInfo session : server.activity.who()) {
                if (session.state().equals("DL") && session.transferred() > 0) {
                    return session;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no transfer seen in " + server.activity.who());
    }

    @Test
    void adminSocketAnswersWhoStatsMrtgAndRefusesNonsense() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of())) {
            AdminSocket socket = new AdminSocket(new AdminCommands(server.activity,
                    new SecurityShellCommands(server.security)));
            Path path = temp.resolve("run/admin.sock");
            socket.open(path);
            try {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
                FTPClient client = server.loggedIn();
                String who = ask(path, "who -s");
                assertTrue(who.startsWith("OK\n") && who.contains("|alice|"), who);
                String mrtg = ask(path, "stats mrtg " + server.port());
                List<String> lines = mrtg.lines().toList();
                assertEquals(List.of("OK", "1", "1"), lines.subList(0, 3), mrtg);
                assertTrue(lines.get(3).matches("0 days, 0:00:\\d{2}"), mrtg);
                assertEquals(5, lines.size());
                assertEquals("OK\n0\n0\n", ask(path, "stats mrtg 1").substring(0, 7));
                assertTrue(ask(path, "bans").startsWith("OK\nNo address is banned."));
                assertTrue(ask(path, "kick 999999").startsWith("ERROR\nNo session 999999"));
                assertTrue(ask(path, "rm -rf /").startsWith("ERROR\nusage: "));
                client.logout();
            } finally {
                socket.deactivate();
            }
            assertFalse(Files.exists(path), "the socket file goes with the server");
        }
    }

    private static String ask(Path socket, String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            try (InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    @Test
    void fileActivityIsPostedToEventAdmin() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of())) {
            List<Event> events = new CopyOnWriteArrayList<>();
            server.activity.setEventAdmin(new EventAdmin() {
                @Override
                public void postEvent(Event event) {
                    events.add(event);
                }

                @Override
                public void sendEvent(Event event) {
                    events.add(event);
                }
            });
            FTPClient client = server.loggedIn();
            assertTrue(client.makeDirectory("dir"));
            assertTrue(client.storeFile("dir/a.txt", new ByteArrayInputStream("abc".getBytes())));
            assertTrue(client.retrieveFile("dir/a.txt", new ByteArrayOutputStream()));
            assertTrue(client.rename("dir/a.txt", "dir/b.txt"));
            assertTrue(client.deleteFile("dir/b.txt"));
            assertTrue(client.removeDirectory("dir"));
            client.logout();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (events.size() < 8 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(WharfEvents.LOGIN, WharfEvents.MKDIR, WharfEvents.UPLOAD, WharfEvents.DOWNLOAD,
                    WharfEvents.RENAME, WharfEvents.DELETE, WharfEvents.RMDIR, WharfEvents.LOGOUT),
                    events.stream().map(Event::getTopic).toList());
            Event upload = events.get(2);
            assertEquals("alice", upload.getProperty(WharfEvents.ACCOUNT));
            assertEquals("/dir/a.txt", upload.getProperty(WharfEvents.PATH));
            assertEquals(3L, upload.getProperty(WharfEvents.SIZE));
            assertEquals(true, upload.getProperty(WharfEvents.COMPLETE));
            assertEquals("127.0.0.1", upload.getProperty(WharfEvents.CLIENT_ADDRESS));
            Event rename = events.get(4);
            assertEquals("/dir/a.txt", rename.getProperty(WharfEvents.FROM_PATH));
            assertEquals("/dir/b.txt", rename.getProperty(WharfEvents.PATH));
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void failedLoginsBansAndTlsHandshakesArePostedWithTheBackendAndItsLatency() throws Exception {
        // Commons Net's FTPSClient does not resume the control connection's TLS session on data connections
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("security.ban.after.failures", "2",
                "security.login.failure.delay", "0", "tls.session.reuse", "false"))) {
            List<Event> events = new CopyOnWriteArrayList<>();
            server.activity.setEventAdmin(new EventAdmin() {
                @Override
                public void postEvent(Event event) {
                    events.add(event);
                }

                @Override
                public void sendEvent(Event event) {
                    events.add(event);
                }
            });
            FTPSClient secure = new FTPSClient(false);
            secure.setTrustManager(org.apache.commons.net.util.TrustManagerUtils.getAcceptAllTrustManager());
            secure.setDefaultTimeout(30_000);
            secure.connect("127.0.0.1", server.port());
            secure.execAUTH("TLS");
            secure.execPBSZ(0);
            secure.execPROT("P");
            assertTrue(secure.login("alice", "wonderland"), secure.getReplyString());
            secure.enterLocalPassiveMode();
            assertTrue(secure.listNames() != null, secure.getReplyString());
            secure.logout();
            secure.disconnect();

            FTPClient guesser = server.connect();
            assertFalse(guesser.login("alice", "wrong"));
            assertEquals(530, guesser.getReplyCode());
            org.apache.commons.net.ftp.FTPConnectionClosedException closed = org.junit.jupiter.api.Assertions
                    .assertThrows(org.apache.commons.net.ftp.FTPConnectionClosedException.class,
                            () -> guesser.login("nobody", "wrong"));
            assertEquals(421, guesser.getReplyCode(), "the second failure bans the address: " + closed);
            FTPClient banned = new FTPClient();
            org.junit.jupiter.api.Assertions.assertThrows(
                    org.apache.commons.net.ftp.FTPConnectionClosedException.class,
                    () -> banned.connect("127.0.0.1", server.port()));
            assertEquals(421, banned.getReplyCode(), "refused at connect");

            long deadline = System.nanoTime() + 5_000_000_000L;
            java.util.function.Predicate<String> counted = topic -> !topic.equals(WharfEvents.LOGOUT);
            while (events.stream().map(Event::getTopic).filter(counted).count() < 6
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<Event> relevant = events.stream().filter(event -> counted.test(event.getTopic())).toList();
            assertEquals(List.of(WharfEvents.TLS_HANDSHAKE, WharfEvents.LOGIN, WharfEvents.TLS_HANDSHAKE,
                    WharfEvents.LOGIN_FAILED, WharfEvents.LOGIN_FAILED, WharfEvents.BAN),
                    relevant.stream().map(Event::getTopic).toList());
            Event control = relevant.get(0);
            assertEquals("control", control.getProperty(WharfEvents.TLS_CHANNEL));
            assertEquals(true, control.getProperty(WharfEvents.COMPLETE));
            assertTrue(String.valueOf(control.getProperty(WharfEvents.TLS_PROTOCOL)).startsWith("TLSv1."));
            Event login = relevant.get(1);
            assertEquals("test-users", login.getProperty(WharfEvents.AUTH_BACKEND));
            assertTrue((Long) login.getProperty(WharfEvents.AUTH_NANOS) > 0);
            assertEquals(server.port(), login.getProperty(WharfEvents.LOCAL_PORT));
            assertEquals("data", relevant.get(2).getProperty(WharfEvents.TLS_CHANNEL));
            Event wrongPassword = relevant.get(3);
            assertEquals("alice", wrongPassword.getProperty(WharfEvents.ACCOUNT));
            assertEquals("test-users", wrongPassword.getProperty(WharfEvents.AUTH_BACKEND));
            assertEquals(false, wrongPassword.getProperty(WharfEvents.BANNED));
            Event unknownUser = relevant.get(4);
            assertEquals("nobody", unknownUser.getProperty(WharfEvents.ACCOUNT));
            assertNull(unknownUser.getProperty(WharfEvents.AUTH_BACKEND), "no backend knows the user");
            assertEquals(1_800_000L, relevant.get(5).getProperty(WharfEvents.DURATION_MILLIS));
            assertEquals("127.0.0.1", relevant.get(5).getProperty(WharfEvents.CLIENT_ADDRESS));
        }
    }
}
