package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The FTP protocol over real sockets with Apache Commons Net as the client. */
class FtpProtocolTest extends ServerTestBase {

    @Test
    void goodLoginLandsInHomeAndBadLoginIsRefused() throws IOException {
        FTPClient client = server.connect();
        assertEquals(220, client.getReplyCode());
        assertFalse(client.login("alice", "wrong"));
        assertEquals(530, client.getReplyCode());
        assertFalse(client.login("nobody", "wonderland"));
        assertEquals(530, client.getReplyCode());
        assertTrue(client.login("alice", "wonderland"));
        assertEquals(230, client.getReplyCode());
        assertEquals("/", client.printWorkingDirectory());
        assertEquals(215, client.syst() > 0 ? client.getReplyCode() : -1);
        client.logout();
        assertEquals(221, client.getReplyCode());
        client.disconnect();
    }

    @Test
    void commandsBeforeLoginGet530AndUnknownCommandsGet500() throws IOException {
        FTPClient client = server.connect();
        assertEquals(530, client.sendCommand("PWD"));
        assertEquals(530, client.sendCommand("RETR", "anything"));
        assertEquals(500, client.sendCommand("FROBNICATE"));
        assertEquals(501, client.sendCommand("USER"));
        assertEquals(200, client.sendCommand("NOOP"));
        assertEquals(211, client.sendCommand("FEAT"));
        assertTrue(client.getReplyString().contains("EPSV"));
        assertEquals(200, client.sendCommand("OPTS", "UTF8 ON"));
        client.disconnect();
    }

    @Test
    void tenThousandByteLineGetsAClearErrorAndTheServerCarriesOn() throws IOException {
        try (RawControl control = RawControl.open(server.port(), 10_000)) {
            BufferedReader replies = control.replies();
            OutputStream out = control.out();
            out.write(("USER " + "x".repeat(10_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("421 Line too long", replies.readLine());
            assertNull(replies.readLine(), "the connection is closed after the 421");
        }
        FTPClient client = server.loggedIn();
        assertEquals(257, client.sendCommand("PWD"));
        client.disconnect();
    }

    /** A line under the limit but far longer than most (the session's line buffer grows for it) is served. */
    @Test
    void aLongLineWithinTheLimitIsServedWhole() throws IOException {
        try (RawControl control = RawControl.open(server.port(), 10_000)) {
            BufferedReader replies = control.replies();
            OutputStream out = control.out();
            String name = "d".repeat(200) + "/" + "e".repeat(3_000); // 3,201 + "CWD " + CR: under 4,096
            out.write(("USER alice\r\nPASS wonderland\r\nCWD " + name + "\r\nNOOP\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(replies.readLine().startsWith("331"));
            assertTrue(control.finalReply().startsWith("230 "));
            String cwd = control.finalReply();
            assertTrue(cwd.startsWith("550 ") && cwd.contains("e".repeat(3_000)), "the whole name arrived: " + cwd);
            assertTrue(control.finalReply().startsWith("200 "), "the session carries on");
        }
    }

    /**
     * A busy session's command loop hands the connection back to its virtual thread after a second of silence; a
     * command that arrives in pieces around that moment (a slow link, someone typing) must not lose its start.
     */
    @Test
    void commandsSplitAcrossPausesArriveWhole() throws Exception {
        try (RawControl control = RawControl.open(server.port(), 10_000)) {
            BufferedReader replies = control.replies();
            OutputStream out = control.out();
            out.write("USER alice\r\nPASS wonderland\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(replies.readLine().startsWith("331"));
            String loggedIn = control.finalReply();
            assertTrue(loggedIn.startsWith("230 "), loggedIn);
            for (String[] pieces : new String[][] {{"NO", "OP\r\n"}, {"PW", "D\r", "\n"}, {"\u00ff", "\u00f1NOOP\r\n"}}) {
                for (String piece : pieces) {
                    out.write(piece.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(1_300);
                }
                String reply = replies.readLine();
                assertTrue(reply.startsWith("200 ") || reply.startsWith("257 "), String.join("|", pieces) + " -> "
                        + reply);
            }
        }
    }

    /**
     * A command sent during one transfer waits for it; the next command then ends that transfer's control watcher,
     * and when it starts a second watched transfer, the two watchers must hand the connection back in turn: no
     * command after the second transfer may go unanswered (it did, now and then, when they overlapped).
     */
    @Test
    void commandsAfterBackToBackWatchedTransfersAreAllAnswered() throws Exception {
        byte[] file = new byte[512 * 1024];
        new Random(9).nextBytes(file);
        // 1,024 KB/s: each download lasts half a second, long enough for a control watcher to start
        try (TestServer slow = new TestServer(temp.resolve("slow"), Map.of("limits.bandwidth.download", "1024"));
             RawControl control = RawControl.open(slow.port(), 5_000)) {
            Files.write(slow.home("alice").resolve("f.bin"), file);
            BufferedReader replies = control.replies();
            int firstPort = logInForPassiveBinary(control);
            try (Socket first = new Socket("127.0.0.1", firstPort)) {
                send(control, "RETR f.bin\r\n");
                assertTrue(replies.readLine().startsWith("150 "));
                Thread.sleep(250);
                send(control, "PASV\r\n"); // read by the watcher and queued until the download ends
                assertArrayEquals(file, first.getInputStream().readAllBytes());
            }
            assertTrue(replies.readLine().startsWith("226 "));
            int secondPort = passivePort(replies.readLine());
            try (Socket second = new Socket("127.0.0.1", secondPort)) {
                send(control, "RETR f.bin\r\n");
                assertTrue(replies.readLine().startsWith("150 "));
                assertArrayEquals(file, second.getInputStream().readAllBytes());
            }
            assertTrue(replies.readLine().startsWith("226 "));
            for (int i = 0; i < 5; i++) {
                send(control, "NOOP\r\n");
                assertEquals("200 Zzz...", replies.readLine(), "NOOP " + i + " is answered");
            }
            send(control, "QUIT\r\n");
            assertTrue(replies.readLine().startsWith("221"));
        }
    }

    /**
     * The next PASV of a session gets the same listener again (no socket, bind and listen per small file), but a
     * connection still queued from the earlier PASV is closed, never taken for the next transfer.
     */
    @Test
    void aPassiveListenerServesAgainWithoutAConnectionLeftFromBefore() throws Exception {
        byte[] file = "the data of this transfer".getBytes(StandardCharsets.US_ASCII);
        try (TestServer reuse = new TestServer(temp.resolve("reuse"), Map.of());
             RawControl control = RawControl.open(reuse.port(), 5_000)) {
            Files.write(reuse.home("alice").resolve("f.bin"), file);
            BufferedReader replies = control.replies();
            int firstPort = logInForPassiveBinary(control);
            try (Socket left = new Socket("127.0.0.1", firstPort)) {
                left.setSoTimeout(5_000);
                send(control, "PASV\r\n");
                assertEquals(firstPort, passivePort(replies.readLine()), "the listener serves again");
                try (Socket current = new Socket("127.0.0.1", firstPort)) {
                    send(control, "RETR f.bin\r\n");
                    assertTrue(replies.readLine().startsWith("150 "));
                    assertArrayEquals(file, current.getInputStream().readAllBytes());
                }
                assertTrue(replies.readLine().startsWith("226 "));
                assertEquals(-1, left.getInputStream().read(), "the connection left from before was closed unused");
            }
            send(control, "QUIT\r\n");
            assertTrue(replies.readLine().startsWith("221"));
        }
    }

    /**
     * In passive mode the 150 comes before the server waits for the data connection, so a client that connects
     * only once it has seen the 150 is served at once (the control socket here gives up after 5 s, well before the
     * server's 10 s data timeout).
     */
    @Test
    void aPassiveClientMayConnectAfterThe150() throws Exception {
        byte[] file = "sent to a client that connects late".getBytes(StandardCharsets.US_ASCII);
        byte[] upload = "uploaded by a client that connects late".getBytes(StandardCharsets.US_ASCII);
        try (TestServer late = new TestServer(temp.resolve("late"), Map.of());
             RawControl control = RawControl.open(late.port(), 5_000)) {
            Files.write(late.home("alice").resolve("f.bin"), file);
            BufferedReader replies = control.replies();
            int port = logInForPassiveBinary(control);
            send(control, "RETR f.bin\r\n");
            assertTrue(replies.readLine().startsWith("150 "));
            try (Socket data = new Socket("127.0.0.1", port)) {
                assertArrayEquals(file, data.getInputStream().readAllBytes());
            }
            assertTrue(replies.readLine().startsWith("226 "));

            send(control, "PASV\r\n");
            port = passivePort(replies.readLine());
            send(control, "STOR up.bin\r\n");
            assertTrue(replies.readLine().startsWith("150 "));
            try (Socket data = new Socket("127.0.0.1", port)) {
                data.getOutputStream().write(upload);
            }
            assertTrue(replies.readLine().startsWith("226 "));
            assertArrayEquals(upload, Files.readAllBytes(late.home("alice").resolve("up.bin")));
            send(control, "QUIT\r\n");
            assertTrue(replies.readLine().startsWith("221"));
        }
    }

    /** Logs alice in, asks for binary mode and a passive port, and returns that port. */
    private static int logInForPassiveBinary(RawControl control) throws IOException {
        BufferedReader replies = control.replies();
        send(control, "USER alice\r\nPASS wonderland\r\nTYPE I\r\nPASV\r\n");
        assertTrue(replies.readLine().startsWith("331"));
        assertTrue(control.finalReply().startsWith("230 "));
        assertTrue(replies.readLine().startsWith("200 "));
        return passivePort(replies.readLine());
    }

    private static void send(RawControl control, String lines) throws IOException {
        control.out().write(lines.getBytes(StandardCharsets.US_ASCII));
        control.out().flush();
    }

    /** The data port of a {@code 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)} reply. */
    private static int passivePort(String reply) {
        assertTrue(reply.startsWith("227 "), reply);
        String[] numbers = reply.substring(reply.indexOf('(') + 1, reply.indexOf(')')).split(",");
        return Integer.parseInt(numbers[4]) * 256 + Integer.parseInt(numbers[5]);
    }

    @Test
    void httpRequestsAreCutOff() throws IOException {
        try (RawControl control = RawControl.open(server.port(), 10_000)) {
            BufferedReader replies = control.replies();
            control.out().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("500 HTTP command: [get]", replies.readLine());
            assertNull(replies.readLine());
        }
    }

    @Test
    void listingShowsNamesSizesAndDirectories() throws IOException {
        Files.write(home.resolve("report.txt"), new byte[1234]);
        Files.createDirectory(home.resolve("photos"));
        Files.writeString(home.resolve(".hidden"), "x");
        FTPClient client = server.loggedIn();
        FTPFile[] files = client.listFiles();
        assertEquals(226, client.getReplyCode());
        assertEquals(2, files.length, Arrays.toString(files));
        FTPFile photos = files[0];
        FTPFile report = files[1];
        assertEquals("photos", photos.getName());
        assertTrue(photos.isDirectory());
        assertEquals("report.txt", report.getName());
        assertTrue(report.isFile());
        assertEquals(1234, report.getSize());
        assertEquals(List.of("photos", "report.txt"), List.of(client.listNames()));
        List<String> all = Arrays.stream(client.listFiles("-a")).map(FTPFile::getName).toList();
        assertEquals(List.of(".", "..", ".hidden", "photos", "report.txt"), all, "-a shows dot files");
        client.disconnect();
    }

    /** Large directories are formatted on several threads; the listing must still be complete and in order. */
    @Test
    void largeListingsKeepEveryEntryInNameOrder() throws IOException {
        int count = 1_500;
        Path big = Files.createDirectory(home.resolve("big"));
        for (int i = count - 1; i >= 0; i--) {
            Files.write(big.resolve(String.format("f-%04d.bin", i)), new byte[i % 37]);
        }
        FTPClient client = server.loggedIn();
        FTPFile[] listed = client.listFiles("big");
        assertEquals(226, client.getReplyCode());
        assertEquals(count, listed.length);
        for (int i = 0; i < count; i++) {
            assertEquals(String.format("f-%04d.bin", i), listed[i].getName(), "LIST in name order");
            assertEquals(i % 37, listed[i].getSize());
        }
        FTPFile[] facts = client.mlistDir("big");
        assertEquals(226, client.getReplyCode());
        assertEquals(count, facts.length);
        Map<String, Long> sizes = new java.util.HashMap<>();
        for (FTPFile file : facts) {
            sizes.put(file.getName(), file.getSize());
        }
        for (int i = 0; i < count; i++) {
            assertEquals(i % 37, sizes.get(String.format("f-%04d.bin", i)), "MLSD has every entry with its size");
        }
        client.disconnect();
    }

    /** MLSD and LIST send their lines a part at a time; over the cap they stop after 10,000 entries, each once. */
    @Test
    void listingsOfAHugeDirectoryStopAtTheCapWithEveryEntryOnce() throws IOException {
        Path huge = Files.createDirectory(home.resolve("huge"));
        for (int i = 0; i < 10_050; i++) {
            Files.createFile(huge.resolve("h-" + i));
        }
        FTPClient client = server.loggedIn();
        FTPFile[] facts = client.mlistDir("huge");
        assertEquals(226, client.getReplyCode());
        assertTrue(client.getReplyString().contains("10000 matches total"), client.getReplyString());
        assertEquals(10_000, facts.length);
        assertEquals(10_000, Arrays.stream(facts).map(FTPFile::getName).distinct().count());
        assertTrue(Arrays.stream(facts).allMatch(file -> file.isFile() && file.getSize() == 0));

        FTPFile[] listed = client.listFiles("huge");
        assertTrue(client.getReplyString().contains("Output truncated to 10000 matches"), client.getReplyString());
        assertEquals(10_000, listed.length);
        List<String> names = Arrays.stream(listed).map(FTPFile::getName).toList();
        assertEquals(names.stream().sorted().toList(), names, "LIST sends its parts in name order");
        assertEquals(10_000, names.stream().distinct().count());
        assertTrue(Arrays.stream(listed).allMatch(file -> file.isFile() && file.getSize() == 0));
        client.disconnect();
    }

    @Test
    void fiftyMegabyteRoundTripKeepsEveryByte() throws Exception {
        byte[] content = new byte[50 * 1024 * 1024];
        new Random(42).nextBytes(content);
        String expected = sha256(content);
        FTPClient client = server.loggedIn();

        assertTrue(client.storeFile("big.bin", new ByteArrayInputStream(content)), client.getReplyString());
        assertEquals(226, client.getReplyCode());
        Path onDisk = server.home("alice").resolve("big.bin");
        assertEquals(content.length, Files.size(onDisk));
        assertEquals(expected, sha256(Files.readAllBytes(onDisk)));
        try (var leftovers = Files.list(server.home("alice"))) {
            assertEquals(List.of(onDisk), leftovers.toList(), "no temporary upload file is left behind");
        }

        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        CountingDigestSink sink = new CountingDigestSink(digest);
        assertTrue(client.retrieveFile("big.bin", sink), client.getReplyString());
        assertEquals(226, client.getReplyCode());
        assertEquals(content.length, sink.count);
        assertEquals(expected, HexFormat.of().formatHex(digest.digest()));
        assertEquals(213, client.sendCommand("SIZE", "big.bin"));
        assertEquals("213 " + content.length, client.getReplyString().trim());
        client.disconnect();
    }

    /**
     * Plain downloads leave the file by sendfile or by a read-and-write loop (by default for loopback clients and
     * for files that fit in one buffer; larger files through a borrowed 512 KiB buffer): every byte arrives either
     * way, from the start or from a restart offset.
     */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "true", "false"})
    void downloadsArriveWholeBySendfileAndByCopy(String sendfile) throws Exception {
        byte[] content = new byte[3 * 1024 * 1024 + 12_345];
        new Random(7).nextBytes(content);
        byte[] small = Arrays.copyOf(content, 1_000);
        try (TestServer configured = new TestServer(temp.resolve("sendfile-" + sendfile), Map.of("sendfile",
                sendfile))) {
            Files.write(configured.home("alice").resolve("big.bin"), content);
            Files.write(configured.home("alice").resolve("small.bin"), small);
            FTPClient client = configured.loggedIn();

            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            assertTrue(client.retrieveFile("big.bin", whole), client.getReplyString());
            assertEquals(sha256(content), sha256(whole.toByteArray()));

            int offset = 100_003; // not on a buffer boundary (64 KiB, or 512 KiB when a large buffer is free)
            client.setRestartOffset(offset);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            assertTrue(client.retrieveFile("big.bin", rest), client.getReplyString());
            assertEquals(sha256(Arrays.copyOfRange(content, offset, content.length)), sha256(rest.toByteArray()));

            ByteArrayOutputStream smallBack = new ByteArrayOutputStream();
            assertTrue(client.retrieveFile("small.bin", smallBack), client.getReplyString());
            assertArrayEquals(small, smallBack.toByteArray());
            client.disconnect();
        }
    }

    @Test
    void activeModeAndAsciiTransfersWork() throws IOException {
        Files.writeString(server.home("alice").resolve("unix.txt"), "one\ntwo\n");
        FTPClient client = server.loggedIn();
        client.enterLocalActiveMode();
        ByteArrayOutputStream binary = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("unix.txt", binary), client.getReplyString());
        assertEquals("one\ntwo\n", binary.toString(StandardCharsets.US_ASCII));

        assertEquals(200, client.sendCommand("TYPE", "A"));
        client.enterLocalPassiveMode();
        InputStream raw = client.retrieveFileStream("unix.txt");
        byte[] wire = raw.readAllBytes();
        raw.close();
        assertTrue(client.completePendingCommand());
        assertEquals("one\r\ntwo\r\n", new String(wire, StandardCharsets.US_ASCII), "ASCII sends CRLF");

        OutputStream upload = client.storeFileStream("dos.txt");
        upload.write("a\r\nb\r\n".getBytes(StandardCharsets.US_ASCII));
        upload.close();
        assertTrue(client.completePendingCommand());
        assertEquals("a\nb\n", Files.readString(server.home("alice").resolve("dos.txt")), "ASCII stores LF");
        client.disconnect();
    }

    @Test
    void activeConnectionsToOtherHostsOrLowPortsAreRefused() throws IOException {
        FTPClient client = server.loggedIn();
        assertEquals(500, client.sendCommand("PORT", "10,0,0,1,200,10"));
        assertEquals(501, client.sendCommand("PORT", "127,0,0,1,0,80"));
        assertEquals(501, client.sendCommand("PORT", "garbage"));
        assertEquals(500, client.sendCommand("EPRT", "|1|10.0.0.1|51000|"));
        client.disconnect();
    }

    @Test
    void pathsCannotEscapeTheHome() throws IOException {
        Files.writeString(server.base.resolve("secret.txt"), "top secret");
        Files.createSymbolicLink(server.home("alice").resolve("escape"), server.base);
        Files.createSymbolicLink(server.home("alice").resolve("escape.txt"), server.base.resolve("secret.txt"));
        FTPClient client = server.loggedIn();

        assertTrue(client.changeWorkingDirectory("../../.."));
        assertEquals("/", client.printWorkingDirectory(), ".. stops at the root");
        assertFalse(client.retrieveFile("../secret.txt", new ByteArrayOutputStream()));
        assertEquals(550, client.getReplyCode());
        assertFalse(client.retrieveFile("/../../secret.txt", new ByteArrayOutputStream()));
        assertEquals(550, client.getReplyCode());
        assertFalse(client.retrieveFile("escape.txt", new ByteArrayOutputStream()), "symlink out of the root");
        assertEquals(550, client.getReplyCode());
        assertFalse(client.changeWorkingDirectory("escape"));
        assertEquals(550, client.getReplyCode());
        assertFalse(client.storeFile("escape/secret.txt", new ByteArrayInputStream(new byte[3])));
        assertEquals(553, client.getReplyCode());
        assertTrue(client.storeFile("../secret.txt", new ByteArrayInputStream(new byte[3])), "lands in the home");
        assertEquals(3, Files.size(server.home("alice").resolve("secret.txt")));
        assertEquals("top secret", Files.readString(server.base.resolve("secret.txt")), "outside file untouched");
        assertEquals(550, client.sendCommand("CWD", "a\u0001b"));
        client.disconnect();
    }

    @Test
    void directoriesAndFilesCanBeManaged() throws IOException {
        FTPClient client = server.loggedIn();
        assertTrue(client.makeDirectory("docs"));
        assertEquals(257, client.getReplyCode());
        assertTrue(Files.isDirectory(server.home("alice").resolve("docs")));
        assertTrue(client.changeWorkingDirectory("docs"));
        assertEquals("/docs", client.printWorkingDirectory());
        assertTrue(client.storeFile("a.txt", new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8))));
        assertEquals(213, client.sendCommand("MDTM", "a.txt"));
        assertTrue(client.getReplyString().trim().matches("213 \\d{14}"));
        assertTrue(client.changeToParentDirectory());
        assertFalse(client.removeDirectory("docs"), "not empty");
        assertEquals(550, client.getReplyCode());
        assertTrue(client.deleteFile("docs/a.txt"));
        assertEquals(250, client.getReplyCode());
        assertTrue(client.removeDirectory("docs"));
        assertFalse(Files.exists(server.home("alice").resolve("docs")));
        assertFalse(client.deleteFile("docs/a.txt"));
        assertEquals(550, client.getReplyCode());
        client.disconnect();
    }

    @Test
    void rejectedStopsTheChainUnknownFallsThroughAndRootNeverLogsIn() throws IOException {
        AtomicInteger asked = new AtomicInteger();
        AuthBackend gatekeeper = request -> switch (request.user()) {
            case "alice" -> AuthResult.rejected("alice is banned here");
            case "root" -> AuthResult.accepted(new Account("root", server.home("alice").toString(), 0, 0,
                    AccountLimits.NONE));
            default -> {
                asked.incrementAndGet();
                yield AuthResult.unknown();
            }
        };
        server.services.addAuthBackend(gatekeeper, TestServer.properties("gatekeeper", 100));
        FTPClient client = server.connect();
        assertFalse(client.login("alice", "wonderland"), "Rejected stops the chain");
        assertFalse(client.login("root", "anything"));
        assertTrue(client.getReplyString().contains("can't trust you"));
        client.disconnect();

        server.services.removeAuthBackend(gatekeeper);
        FTPClient again = server.loggedIn();
        assertEquals(257, again.sendCommand("PWD"));
        again.disconnect();

        server.services.addAuthBackend(gatekeeper, TestServer.properties("gatekeeper", 100));
        server.passwords.put("bob", "builder");
        java.nio.file.Files.createDirectories(server.home("bob"));
        FTPClient bob = server.connect();
        assertTrue(bob.login("bob", "builder"), "Unknown falls through to the next backend");
        assertEquals(1, asked.get());
        bob.disconnect();
    }

    @Test
    void idleSessionsAreClosedAndExtraClientsRefused() throws IOException {
        try (TestServer strict = new TestServer(temp.resolve("strict"), Map.of("idle.timeout", "1",
                "max.clients", "1"))) {
            // only logged-in sessions take places: a connection that has not logged in yet never keeps a user out
            try (Socket first = new Socket("127.0.0.1", strict.port())) {
                first.setSoTimeout(10_000);
                BufferedReader firstReplies = new BufferedReader(new InputStreamReader(first.getInputStream(),
                        StandardCharsets.UTF_8));
                TestPrograms.skipGreeting(firstReplies);
                first.getOutputStream().write("USER alice\r\nPASS wonderland\r\n".getBytes(StandardCharsets.UTF_8));
                assertTrue(firstReplies.readLine().startsWith("331"));
                String loggedIn;
                do {
                    loggedIn = firstReplies.readLine();
                } while (loggedIn.startsWith("230-"));
                assertTrue(loggedIn.startsWith("230 "), loggedIn);
                try (Socket second = new Socket("127.0.0.1", strict.port())) {
                    second.setSoTimeout(10_000);
                    BufferedReader secondReplies = new BufferedReader(new InputStreamReader(second.getInputStream(),
                            StandardCharsets.UTF_8));
                    assertEquals("421 1 users (the maximum) are already logged in, sorry", secondReplies.readLine());
                }
                assertEquals("421 Timeout - try typing a little faster next time", firstReplies.readLine());
                assertNull(firstReplies.readLine());
            }
        }
    }

    @Test
    void uploadHooksHearAboutCompletedUploadsEvenWhenAnotherHookFails() throws Exception {
        java.util.concurrent.BlockingQueue<dev.wharf.api.hook.UploadEvent> events =
                new java.util.concurrent.LinkedBlockingQueue<>();
        server.services.addUploadHook(event -> {
            throw new IllegalStateException("a broken hook");
        }, TestServer.properties("broken", 10));
        server.services.addUploadHook(events::add, TestServer.properties("recorder", 0));
        FTPClient client = server.loggedIn();
        assertTrue(client.storeFile("hooked.txt", new ByteArrayInputStream(new byte[777])));
        dev.wharf.api.hook.UploadEvent event = events.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertNotNull(event, "the hook was called");
        assertEquals("alice", event.account());
        assertEquals("/hooked.txt", event.virtualPath());
        assertEquals(777, event.size());
        assertEquals(server.home("alice").resolve("hooked.txt"), event.file());
        assertTrue(event.complete());
        assertEquals(257, client.sendCommand("PWD"), "the session is unaffected by the failing hook");
        client.disconnect();
    }

    @Test
    void brokenSettingsNameTheKey() {
        InvalidSettingException invalid = assertThrows(InvalidSettingException.class, () ->
                ListenerSettings.from(Map.of("service.pid", "dev.wharf.listener~main", "port", "abc")));
        assertEquals("Listener 'main': invalid value for 'port': 'abc' (expected an integer 0-65535)",
                invalid.getMessage());
        FtpListener idle = new FtpListener(server.runtime, server.services, server.security, server.limits, server.activity, Map.of("service.pid", "dev.wharf.listener~main",
                "port", "abc"));
        assertFalse(idle.isListening(), "a broken configuration leaves the listener idle, logged as an error");
        idle.deactivate(6);
        String passive = assertThrows(InvalidSettingException.class, () -> ListenerSettings.from(
                Map.of("passive.ports", "80-90"))).getMessage();
        assertTrue(passive.contains("'passive.ports'"), passive);
        String sendfile = assertThrows(InvalidSettingException.class, () -> ListenerSettings.from(
                Map.of("sendfile", "sometimes"))).getMessage();
        assertTrue(sendfile.contains("'sendfile'") && sendfile.contains("auto, true or false"), sendfile);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Digests what the client writes, without keeping 50 MB in memory twice. */
    private static final class CountingDigestSink extends OutputStream {
        private final MessageDigest digest;
        long count;

        CountingDigestSink(MessageDigest digest) {
            this.digest = digest;
        }

        @Override
        public void write(int b) {
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }
    }
}
