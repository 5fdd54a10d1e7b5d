package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.security.SecurityShellCommands;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;

/** The security rules through a real client, with hostile input. */
class SecurityTest extends ServerTestBase {

    private static final String SECRET = "top secret";

    @Test
    void thirtyWaysOutOfTheHomeAllFail() throws Exception {
        Path secret = server.base.resolve("secret.txt");
        Files.writeString(secret, SECRET);
        Files.createDirectories(home.resolve("sub"));
        Files.createSymbolicLink(home.resolve("link-out"), server.base);
        Files.createSymbolicLink(home.resolve("chain2"), home.resolve("link-out"));
        Files.createSymbolicLink(home.resolve("chain1"), home.resolve("chain2"));
        Files.createSymbolicLink(home.resolve("file-link"), secret);
        Files.createSymbolicLink(home.resolve("sub/up"), Path.of("../.."));
        List<String> attacks = List.of("../secret.txt", "../../secret.txt", "/../secret.txt",
                "/../../../../secret.txt", "..//secret.txt", "./../secret.txt", "sub/../../secret.txt",
                "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt", "..%2fsecret.txt", "..\\secret.txt",
                "..\\..\\secret.txt", "....//secret.txt", ".../secret.txt", "..;/secret.txt",
                "///../secret.txt", "..\u0000/secret.txt", "..%00/secret.txt", "link-out/secret.txt",
                "chain1/secret.txt", "file-link", "sub/up/secret.txt", "sub/./../../secret.txt", "~/../secret.txt",
                "../secret.txt/", "../secret.txt.", " ../secret.txt", "\t../secret.txt", "sub/up/users/../secret.txt",
                "/sub/up/../secret.txt", "link-out/alice/../secret.txt", "chain1/../secret.txt");
        assertTrue(attacks.size() >= 30);
        FTPClient client = server.loggedIn();
        for (String attack : attacks) {
            ByteArrayOutputStream stolen = new ByteArrayOutputStream();
            client.retrieveFile(attack, stolen);
            String got = stolen.toString(StandardCharsets.UTF_8);
            assertTrue(got.isEmpty() || got.equals("overwritten"), "RETR " + attack + " gave only what is inside: "
                    + got);

            client.sendCommand("SIZE", attack);
            assertFalse(client.getReplyString().contains(Long.toString(SECRET.length())) && client.getReplyCode() == 213,
                    "SIZE " + attack);
            client.sendCommand("DELE", attack);
            client.sendCommand("RNFR", attack);
            client.sendCommand("RNTO", "moved");
            client.storeFile(attack, new ByteArrayInputStream("overwritten".getBytes(StandardCharsets.UTF_8)));
            client.sendCommand("SITE", "CHMOD 000 " + attack);
            client.sendCommand("MFMT", "20000101000000 " + attack);
            if (client.changeWorkingDirectory(attack)) {
                assertTrue(client.printWorkingDirectory().startsWith("/"), attack);
                assertFalse(Stream.of(client.listNames()).anyMatch("secret.txt"::equals), "CWD " + attack);
                client.changeWorkingDirectory("/");
            }
            assertEquals(SECRET, Files.readString(secret), "the file outside is untouched after " + attack);
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
        }
        client.disconnect();
    }

    /**
     * A dangling symbolic link at an upload's name: STOR replaces the link itself with the uploaded file (its
     * data goes to a temporary file renamed over the name), while APPE, which writes in place, is refused. The
     * link's target outside the home is never created.
     */
    @Test
    void uploadsOverADanglingLinkNeverCreateItsTarget() throws Exception {
        Path outside = server.base.resolve("created-outside.txt");
        Files.createSymbolicLink(home.resolve("dangling"), outside);
        Files.createSymbolicLink(home.resolve("dangling-too"), outside);
        FTPClient client = server.loggedIn();
        assertFalse(client.appendFile("dangling-too", new ByteArrayInputStream("appended".getBytes())));
        assertEquals(553, client.getReplyCode(), client.getReplyString());
        assertTrue(client.storeFile("dangling", new ByteArrayInputStream("stored".getBytes())),
                client.getReplyString());
        client.disconnect();
        assertFalse(Files.exists(outside, LinkOption.NOFOLLOW_LINKS), "nothing was written outside the home");
        assertTrue(Files.isRegularFile(home.resolve("dangling"), LinkOption.NOFOLLOW_LINKS), "the link is replaced");
        assertEquals("stored", Files.readString(home.resolve("dangling")));
        assertTrue(Files.isSymbolicLink(home.resolve("dangling-too")), "the refused APPE left the link alone");
    }

    @Test
    void activeConnectionsOnlyToTheClientAndNeverToLowPorts() throws Exception {
        FTPClient client = server.loggedIn();
        assertEquals(500, client.sendCommand("PORT", "127,0,0,2,195,80"));
        assertEquals(501, client.sendCommand("PORT", "127,0,0,1,0,80"));
        assertEquals(500, client.sendCommand("EPRT", "|1|127.0.0.2|50000|"));
        assertEquals(501, client.sendCommand("EPRT", "|1|127.0.0.1|21|"));
        client.disconnect();

        try (TestServer fxp = new TestServer(temp.resolve("fxp"), Map.of("security.fxp.enabled", "true"))) {
            FTPClient trusted = fxp.loggedIn();
            assertEquals(200, trusted.sendCommand("PORT", "127,0,0,2,195,80"), "FXP when the admin allows it");
            trusted.disconnect();
        }
    }

    @Test
    void aPassiveConnectionFromAnotherAddressIsDroppedAndTheClientStillGetsItsData() throws Exception {
        Files.writeString(home.resolve("data.txt"), "the real data");
        FTPClient client = server.loggedIn();
        assertEquals(227, client.sendCommand("PASV"));
        String reply = client.getReplyString();
        String[] numbers = reply.substring(reply.indexOf('(') + 1, reply.indexOf(')')).split(",");
        int port = Integer.parseInt(numbers[4]) * 256 + Integer.parseInt(numbers[5]);
        try (Socket intruder = new Socket(); Socket real = new Socket()) {
            intruder.bind(new InetSocketAddress("127.0.0.2", 0));
            intruder.connect(new InetSocketAddress("127.0.0.1", port));
            real.connect(new InetSocketAddress("127.0.0.1", port));
            assertEquals(150, client.sendCommand("RETR", "data.txt"));
            assertEquals("the real data", new String(real.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(226, client.getReply());
            intruder.setSoTimeout(5000);
            assertEquals(-1, intruder.getInputStream().read(), "the intruder got nothing and was closed");
        }
        client.disconnect();
    }

    @Test
    void nulBytesAndCommandFloodsAreHandled() throws Exception {
        try (RawControl control = RawControl.open(server.port(), 20_000)) {
            BufferedReader replies = control.replies();
            OutputStream out = control.out();
            out.write("USER al\u0000ice\r\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("331 User al_ice OK. Password required", replies.readLine());
            out.write("USER alice\r\nPASS wonderland\r\nCWD a\u0000b\r\n".getBytes(StandardCharsets.UTF_8));
            assertTrue(replies.readLine().startsWith("331"));
            assertTrue(control.finalReply().startsWith("230"));
            assertTrue(replies.readLine().startsWith("550"), "a NUL in a path is refused");

            int flood = 20_000;
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    byte[] noop = "NOOP\r\n".getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < flood; i++) {
                        out.write(noop);
                    }
                    out.flush();
                } catch (IOException ignored) {
                    // the reader below fails then
                }
            });
            for (int i = 0; i < flood; i++) {
                assertEquals("200 Zzz...", replies.readLine());
            }
            writer.join();
        }
        FTPClient other = server.loggedIn();
        assertEquals(257, other.sendCommand("PWD"), "the server is fine after the flood");
        other.disconnect();
    }

    @Test
    void repeatedFailuresBanTheAddressUntilTheBanExpires() throws Exception {
        try (TestServer strict = new TestServer(temp.resolve("strict"), Map.of("security.ban.after.failures", "3",
                "security.ban.duration", "2", "security.login.failure.delay", "0"))) {
            FTPClient attacker = strict.connect();
            assertFalse(attacker.login("alice", "guess1"));
            assertEquals(530, attacker.getReplyCode());
            assertFalse(attacker.login("nobody", "guess2"));
            assertEquals(530, attacker.getReplyCode(), "the same reply for an unknown user");
            attacker.sendCommand("USER", "alice");
            assertClosedWith421(() -> attacker.sendCommand("PASS", "guess3"), "the third failure bans");
            attacker.disconnect();

            assertEquals(421, greetingCode(strict), "a banned address is turned away at connect");
            SecurityShellCommands shell = new SecurityShellCommands(strict.security);
            assertTrue(shell.bans().startsWith("127.0.0.1"), shell.bans());

            Thread.sleep(2200);
            assertEquals(220, greetingCode(strict), "the ban expired");
            FTPClient client = strict.loggedIn();
            client.disconnect();

            FTPClient again = strict.connect();
            again.login("alice", "x");
            again.login("alice", "y");
            again.sendCommand("USER", "alice");
            assertClosedWith421(() -> again.sendCommand("PASS", "z"), "banned again");
            assertEquals("Ban on 127.0.0.1 lifted.", shell.unban("127.0.0.1"));
            assertEquals(220, greetingCode(strict), "the admin lifted the ban");
        }
    }

    /** Commons Net turns a 421 into an exception; returns its message. */
    private static String assertClosedWith421(org.junit.jupiter.api.function.Executable command, String why) {
        org.apache.commons.net.ftp.FTPConnectionClosedException closed = org.junit.jupiter.api.Assertions
                .assertThrows(org.apache.commons.net.ftp.FTPConnectionClosedException.class, command, why);
        assertTrue(closed.getMessage().contains("421"), closed.getMessage());
        return closed.getMessage();
    }

    private static int greetingCode(TestServer target) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", target.port())) {
            socket.setSoTimeout(5000);
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            return Integer.parseInt(line.substring(0, 3));
        }
    }

    @Test
    void connectionsPerAddressAndSessionsPerAccountAreLimited() throws Exception {
        try (TestServer limited = new TestServer(temp.resolve("limited"), Map.of("security.max.per.ip", "2",
                "security.max.per.user", "1"))) {
            FTPClient first = limited.loggedIn();
            FTPClient second = limited.connect();
            assertEquals(421, greetingCode(limited), "a third connection from the same address");
            String refusal = assertClosedWith421(() -> second.login("alice", "wonderland"),
                    "a second session of the same account");
            assertTrue(refusal.contains("421"), refusal);
            first.disconnect();
        }
    }

    @Test
    void anonymousIsOffByDefaultAndReadOnlyWhenOn() throws Exception {
        FTPClient client = server.connect();
        assertFalse(client.login("anonymous", "guest@"));
        assertEquals(530, client.getReplyCode());
        client.disconnect();

        Path anonymousRoot = Files.createDirectories(temp.resolve("anon"));
        Files.writeString(anonymousRoot.resolve("welcome.txt"), "hello");
        Files.writeString(anonymousRoot.resolve(".secret"), "hidden");
        try (TestServer open = new TestServer(temp.resolve("open"), Map.of("security.anonymous.enabled", "true",
                "security.anonymous.root", anonymousRoot.toString()))) {
            FTPClient guest = open.connect();
            assertTrue(guest.login("anonymous", "anything"));
            guest.enterLocalPassiveMode();
            assertEquals(List.of("welcome.txt"), List.of(guest.listNames("-a")), "no dot files for anonymous");
            ByteArrayOutputStream hidden = new ByteArrayOutputStream();
            assertFalse(guest.retrieveFile(".secret", hidden));
            assertFalse(guest.storeFile("upload.txt", new ByteArrayInputStream(new byte[1])));
            assertEquals(550, guest.getReplyCode());
            assertFalse(guest.deleteFile("welcome.txt"));
            assertFalse(guest.makeDirectory("new"));
            assertTrue(Files.exists(anonymousRoot.resolve("welcome.txt")));
            assertFalse(Files.exists(anonymousRoot.resolve("upload.txt")));
            guest.disconnect();
        }
        try (TestServer uploads = new TestServer(temp.resolve("uploads"), Map.of("security.anonymous.enabled", "true",
                "security.anonymous.root", anonymousRoot.toString(), "security.anonymous.upload", "true"))) {
            FTPClient guest = uploads.connect();
            assertTrue(guest.login("ftp", ""));
            guest.enterLocalPassiveMode();
            assertTrue(guest.storeFile("warez.bin", new ByteArrayInputStream(new byte[] {1, 2, 3})));
            Path stored = anonymousRoot.resolve("warez.bin");
            assertFalse(Files.getPosixFilePermissions(stored).toString().contains("OTHERS_READ"));
            assertFalse(guest.retrieveFile("warez.bin", new ByteArrayOutputStream()), "not approved yet");
            assertTrue(guest.getReplyString().contains("approved"));
            Files.setPosixFilePermissions(stored, PosixFilePermissions.fromString("rw-r--r--"));
            ByteArrayOutputStream approved = new ByteArrayOutputStream();
            assertTrue(guest.retrieveFile("warez.bin", approved), "approved by the admin");
            assertArrayEquals(new byte[] {1, 2, 3}, approved.toByteArray());
            assertFalse(guest.storeFile("welcome.txt", new ByteArrayInputStream(new byte[1])), "no overwriting");
            assertEquals("hello", Files.readString(anonymousRoot.resolve("welcome.txt")));
            guest.disconnect();
        }
    }

    @Test
    void uploadProtectionsAndUmasks() throws Exception {
        Files.writeString(home.resolve("precious.txt"), "original");
        Files.writeString(home.resolve(".hidden"), "dot");
        try (TestServer keep = new TestServer(temp.resolve("users"), Map.of("security.keep.all.files", "true",
                "security.no.rename", "true", "security.no.chmod", "true", "security.dotfiles.write", "false",
                "security.dotfiles.read", "false", "security.umask.files", "077", "security.umask.dirs", "077"))) {
            FTPClient client = keep.loggedIn();
            assertFalse(client.deleteFile("precious.txt"));
            assertFalse(client.storeFile("precious.txt", new ByteArrayInputStream(new byte[1])));
            assertEquals("original", Files.readString(home.resolve("precious.txt")));
            assertEquals(550, client.sendCommand("RNFR", "precious.txt"));
            assertEquals(550, client.sendCommand("SITE", "CHMOD 777 precious.txt"));
            assertFalse(client.storeFile(".htaccess", new ByteArrayInputStream(new byte[1])));
            assertEquals(553, client.getReplyCode());
            assertFalse(client.retrieveFile(".hidden", new ByteArrayOutputStream()));
            assertFalse(List.of(client.listNames("-a")).contains(".hidden"));
            assertTrue(client.storeFile("fresh.txt", new ByteArrayInputStream(new byte[1])));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    home.resolve("fresh.txt"))));
            assertTrue(client.makeDirectory("private"));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    home.resolve("private"))));
            client.disconnect();
        }
        try (TestServer renaming = new TestServer(temp.resolve("users"), Map.of("security.autorename", "true",
                "security.customer.proof", "true"))) {
            FTPClient client = renaming.loggedIn();
            assertTrue(client.storeFile("precious.txt", new ByteArrayInputStream("v2".getBytes(StandardCharsets.UTF_8))));
            assertTrue(client.storeFile("precious.txt", new ByteArrayInputStream("v3".getBytes(StandardCharsets.UTF_8))));
            assertEquals("original", Files.readString(home.resolve("precious.txt")));
            assertEquals("v2", Files.readString(home.resolve("precious.txt.1")));
            assertEquals("v3", Files.readString(home.resolve("precious.txt.2")));
            assertEquals(200, client.sendCommand("SITE", "CHMOD 000 precious.txt"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    home.resolve("precious.txt"))), "customer-proof keeps the owner's rights");
            client.disconnect();
        }
        try (TestServer full = new TestServer(temp.resolve("users"), Map.of("security.disk.max.percent", "1"))) {
            FTPClient client = full.loggedIn();
            assertFalse(client.storeFile("big.bin", new ByteArrayInputStream(new byte[10])));
            assertEquals(452, client.getReplyCode(), "uploads refused when the disk is fuller than allowed");
            client.disconnect();
        }
    }

    @Test
    void stalledTransfersAreAbortedAfterTheDataTimeout() throws Exception {
        try (java.io.RandomAccessFile big = new java.io.RandomAccessFile(home.resolve("big.bin").toFile(), "rw")) {
            big.setLength(1L << 30);
        }
        try (TestServer impatient = new TestServer(temp.resolve("users"), Map.of("data.timeout", "1"))) {
            FTPClient client = impatient.loggedIn();
            java.io.InputStream download = client.retrieveFileStream("big.bin");
            // read nothing: the server's writes block until the watchdog gives up
            long started = System.nanoTime();
            assertEquals(426, client.getReply(), "a download the client stopped reading is aborted");
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10));
            download.close();

            OutputStream upload = client.storeFileStream("slow.bin");
            upload.write(new byte[100]);
            upload.flush();
            // send nothing more: the socket timeout ends the upload
            assertEquals(451, client.getReply(), "an upload that stopped sending is aborted");
            upload.close();
            assertFalse(Files.exists(home.resolve("slow.bin")), "nothing under the final name");
            assertEquals(200, client.sendCommand("NOOP"), "the session goes on");
            client.disconnect();
        }
    }

    @Test
    void aClientKilledDuringATlsUploadLeavesNoFileUnderTheFinalName() throws Exception {
        // over TLS the missing close_notify proves the upload incomplete; plain FTP has no such marker
        Path source = temp.resolve("200mb.bin");
        byte[] block = new byte[1 << 20];
        new Random(5).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(source)) {
            for (int i = 0; i < 200; i++) {
                out.write(block);
            }
        }
        Process curl = new ProcessBuilder("curl", "--silent", "--ssl-reqd", "--insecure", "--limit-rate", "20M",
                "--user", "alice:wonderland",
                "-T", source.toString(), "ftp://127.0.0.1:" + server.port() + "/upload.bin")
                .redirectErrorStream(true).start();
        long deadline = System.currentTimeMillis() + 20_000;
        while (!hasTemporaryUpload() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(hasTemporaryUpload(), "the upload started");
        Thread.sleep(1000);
        curl.destroyForcibly(); // SIGKILL, mid-transfer
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
        deadline = System.currentTimeMillis() + 20_000;
        while (hasTemporaryUpload() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(home.resolve("upload.bin")), "nothing under the final name");
        assertFalse(hasTemporaryUpload(), "the temporary file is removed");
    }

    /**
     * Whether an upload is being written in the home: an unnamed file ({@code O_TMPFILE}, which {@code /proc} shows
     * as {@code home/#inode (deleted)}) the server (this JVM) holds open there, or a named temporary file on file
     * systems without unnamed ones.
     */
    private boolean hasTemporaryUpload() throws IOException {
        try (Stream<Path> files = Files.list(home)) {
            if (files.anyMatch(path -> path.getFileName().toString().startsWith(".wharf-upload."))) {
                return true;
            }
        }
        String unnamed = home.toRealPath() + "/#";
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            return open.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(unnamed);
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            });
        }
    }


}
