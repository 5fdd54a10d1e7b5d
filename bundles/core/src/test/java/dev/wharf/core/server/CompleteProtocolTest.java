package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.apache.commons.net.ftp.FTPFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command of the complete set through Commons Net, checking replies and what happens on disk. */
class CompleteProtocolTest extends ServerTestBase {

    static Stream<Arguments> modesAndFamilies() {
        List<Arguments> cases = new ArrayList<>(List.of(Arguments.of("127.0.0.1", true),
                Arguments.of("127.0.0.1", false)));
        if (ipv6LoopbackWorks()) {
            cases.add(Arguments.of("::1", true));
            cases.add(Arguments.of("::1", false));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} passive={1}")
    @MethodSource("modesAndFamilies")
    void transfersWorkPassiveAndActiveOverIpv4AndIpv6(String host, boolean passive) throws Exception {
        try (TestServer family = new TestServer(temp.resolve("family"), Map.of("bind", host))) {
            FTPClient client = family.loggedIn(host);
            if (!passive) {
                client.enterLocalActiveMode();
                client.setActiveExternalIPAddress(host);
            }
            Path alice = family.home("alice");
            byte[] content = randomBytes(300_000);
            assertTrue(client.storeFile("data.bin", new ByteArrayInputStream(content)), client.getReplyString());
            assertArrayEquals(content, Files.readAllBytes(alice.resolve("data.bin")));

            ByteArrayOutputStream back = new ByteArrayOutputStream();
            assertTrue(client.retrieveFile("data.bin", back), client.getReplyString());
            assertArrayEquals(content, back.toByteArray());

            assertTrue(client.appendFile("data.bin", new ByteArrayInputStream(new byte[] {1, 2, 3})));
            assertEquals(content.length + 3, Files.size(alice.resolve("data.bin")));

            assertEquals(List.of("data.bin"), List.of(client.listNames()));
            FTPFile[] listed = client.listFiles();
            assertEquals(1, listed.length);
            assertEquals(content.length + 3, listed[0].getSize());
            FTPFile[] machine = client.mlistDir();
            assertEquals(1, machine.length);
            assertEquals("data.bin", machine[0].getName());
            assertEquals(content.length + 3, machine[0].getSize());
            client.disconnect();
        }
    }

    @Test
    void restResumesDownloadsAndUploads() throws Exception {
        byte[] content = randomBytes(100_000);
        Files.write(home.resolve("resume.bin"), content);
        FTPClient client = server.loggedIn();

        client.setRestartOffset(60_000);
        ByteArrayOutputStream tail = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("resume.bin", tail));
        assertArrayEquals(Arrays.copyOfRange(content, 60_000, content.length), tail.toByteArray());

        Files.write(home.resolve("partial.bin"), Arrays.copyOf(content, 40_000));
        client.setRestartOffset(40_000);
        assertTrue(client.storeFile("partial.bin",
                new ByteArrayInputStream(Arrays.copyOfRange(content, 40_000, content.length))));
        assertArrayEquals(content, Files.readAllBytes(home.resolve("partial.bin")), "resumed upload is whole");

        assertEquals(350, client.sendCommand("REST", "200000"));
        assertEquals(554, client.sendCommand("RETR", "resume.bin"));
        assertEquals(554, client.sendCommand("REST", "abc"));
        client.setFileType(FTP.ASCII_FILE_TYPE);
        assertEquals(350, client.sendCommand("REST", "10"));
        assertTrue(client.getReplyString().contains("ASCII"));
        assertEquals(503, client.sendCommand("RETR", "resume.bin"), "ASCII resume is refused");
        client.disconnect();
    }

    @Test
    void uniqueUploadsNeverOverwrite() throws Exception {
        Files.writeString(home.resolve("keep.txt"), "keep");
        FTPClient client = server.loggedIn();
        assertTrue(client.storeUniqueFile(new ByteArrayInputStream("one".getBytes(StandardCharsets.UTF_8))));
        assertTrue(client.storeUniqueFile("keep.txt", new ByteArrayInputStream("two".getBytes(StandardCharsets.UTF_8))));
        assertEquals("keep", Files.readString(home.resolve("keep.txt")), "the hint is not used as the name");
        try (Stream<Path> files = Files.list(home)) {
            List<String> stored = files.map(path -> path.getFileName().toString()).filter(n -> n.startsWith("wharf."))
                    .sorted().toList();
            assertEquals(2, stored.size(), stored.toString());
            List<String> contents = new ArrayList<>();
            for (String name : stored) {
                contents.add(Files.readString(home.resolve(name)));
            }
            assertEquals(List.of("one", "two"), contents.stream().sorted().toList());
        }
        client.disconnect();
    }

    @Test
    void renameTimesPermissionsAndSiteCommands() throws Exception {
        Files.writeString(home.resolve("old name.txt"), "x");
        FTPClient client = server.loggedIn();
        assertEquals(503, client.sendCommand("RNTO", "new.txt"), "RNTO needs RNFR");
        assertEquals(550, client.sendCommand("RNFR", "missing.txt"));
        assertTrue(client.rename("old name.txt", "new name.txt"));
        assertTrue(Files.exists(home.resolve("new name.txt")));
        assertFalse(Files.exists(home.resolve("old name.txt")));

        assertEquals(213, client.sendCommand("MFMT", "20200102030405 new name.txt"));
        assertEquals(Instant.parse("2020-01-02T03:04:05Z"), Files.getLastModifiedTime(home.resolve("new name.txt"))
                .toInstant());
        assertEquals(213, client.sendCommand("MDTM", "new name.txt"));
        assertEquals("213 20200102030405", client.getReplyString().trim());
        assertEquals(501, client.sendCommand("MFMT", "yesterday new name.txt"));

        assertEquals(213, client.sendCommand("SITE", "UTIME 20210304050607 new name.txt"));
        assertEquals(Instant.parse("2021-03-04T05:06:07Z"), modified("new name.txt"));
        assertEquals(213, client.sendCommand("SITE", "UTIME new name.txt 20220101000000 20220202000000 20220303000000 UTC"));
        assertEquals(Instant.parse("2022-02-02T00:00:00Z"), modified("new name.txt"), "the mtime argument is used");

        assertEquals(200, client.sendCommand("SITE", "CHMOD 640 new name.txt"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                home.resolve("new name.txt"))));
        assertEquals(501, client.sendCommand("SITE", "CHMOD 99 new name.txt"));
        assertEquals(200, client.sendCommand("SITE", "TIME"));
        assertEquals(214, client.sendCommand("SITE", "HELP"));
        assertEquals(500, client.sendCommand("SITE", "FROB"));
        assertEquals(501, client.sendCommand("SITE", "IDLE 999999"));
        assertEquals(200, client.sendCommand("SITE", "IDLE 1"));
        Thread.sleep(2500);
        FTPConnectionClosedException closed = assertThrows(FTPConnectionClosedException.class, client::getReply,
                "the shortened idle time applies");
        assertTrue(closed.getMessage().contains("421"), closed.getMessage());
        client.disconnect();
    }

    private Instant modified(String name) throws IOException {
        return Files.getLastModifiedTime(home.resolve(name)).toInstant();
    }

    @Test
    void machineListingsCarryTheFactsAndOptsChoosesThem() throws Exception {
        Files.write(home.resolve("f.bin"), new byte[1234]);
        Files.setLastModifiedTime(home.resolve("f.bin"), FileTime.from(Instant.parse("2024-05-06T07:08:09Z")));
        Files.createDirectory(home.resolve("sub"));
        FTPClient client = server.loggedIn();
        assertEquals(250, client.sendCommand("MLST", "f.bin"));
        String reply = client.getReplyString();
        assertTrue(reply.contains("type=file;size=1234;modify=20240506070809;perm="), reply);
        assertTrue(reply.contains("UNIX.mode=0"), reply);
        assertTrue(reply.contains("unique="), reply);
        assertTrue(reply.contains(" /f.bin"), reply);

        FTPFile[] entries = client.mlistDir();
        assertEquals(List.of("f.bin", "sub"), Arrays.stream(entries).map(FTPFile::getName).sorted().toList());
        FTPFile sub = Arrays.stream(entries).filter(FTPFile::isDirectory).findFirst().orElseThrow();
        assertEquals("sub", sub.getName());

        assertEquals(200, client.sendCommand("OPTS", "MLST type;size;"));
        assertEquals("200 MLST OPTS type;size;", client.getReplyString().trim());
        assertEquals(250, client.sendCommand("MLST", "f.bin"));
        assertTrue(client.getReplyString().contains(" type=file;size=1234; /f.bin"), client.getReplyString());
        assertEquals(550, client.sendCommand("MLST", "nothing-here"));
        client.disconnect();
    }

    @Test
    void statDescribesTheSessionOrListsAPath() throws Exception {
        Files.writeString(home.resolve("listed.txt"), "abc");
        FTPClient client = server.loggedIn();
        assertEquals(211, client.sendCommand("STAT"));
        assertTrue(client.getReplyString().contains("Logged in as alice"), client.getReplyString());
        assertEquals(213, client.sendCommand("STAT", "/"));
        assertTrue(client.getReplyString().contains("listed.txt"), client.getReplyString());
        client.disconnect();
    }

    @Test
    void listOptionsAndGlobbing() throws Exception {
        Files.write(home.resolve("a.txt"), new byte[10]);
        Files.write(home.resolve("b.txt"), new byte[300]);
        Files.write(home.resolve("c.log"), new byte[20]);
        Files.setLastModifiedTime(home.resolve("a.txt"), FileTime.from(Instant.parse("2025-01-01T00:00:00Z")));
        Files.setLastModifiedTime(home.resolve("b.txt"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Files.setLastModifiedTime(home.resolve("c.log"), FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        Files.createDirectories(home.resolve("dir/deeper"));
        Files.writeString(home.resolve("dir/inner.txt"), "i");
        FTPClient client = server.loggedIn();

        assertEquals(List.of("a.txt", "b.txt"), names(client.listFiles("*.txt")));
        assertEquals(List.of("dir/inner.txt"), List.of(client.listNames("dir/*.txt")));
        assertEquals(List.of("a.txt", "b.txt", "c.log", "dir"), List.of(client.listNames()));
        assertEquals(List.of("dir/deeper", "dir/inner.txt"), List.of(client.listNames("dir")));
        assertEquals(List.of("dir", "c.log", "a.txt", "b.txt"), names(client.listFiles("-t")), "newest first");
        assertEquals(List.of("dir", "c.log", "b.txt", "a.txt"), names(client.listFiles("-r")));
        assertEquals(List.of("b.txt", "c.log", "a.txt"), names(client.listFiles("-S")).stream()
                .filter(name -> !name.equals("dir")).toList(), "largest first");
        assertEquals(List.of("dir"), names(client.listFiles("-d dir")));
        String recursive = rawListing(client, "LIST -R");
        assertTrue(recursive.contains("/dir:") && recursive.contains("/dir/deeper:") && recursive.contains("inner.txt"),
                recursive);
        String classified = rawListing(client, "LIST -1F");
        assertTrue(classified.contains("dir/\r\n") && classified.contains("a.txt\r\n"), classified);
        assertEquals(550, client.sendCommand("LIST", "****.txt"), "at most three wildcards");
        client.disconnect();
    }

    private static List<String> names(FTPFile[] files) {
        return Arrays.stream(files).map(FTPFile::getName).toList();
    }

    /** The raw bytes of a listing command over an EPSV connection, to see exactly what was sent. */
    private static String rawListing(FTPClient client, String command) throws IOException {
        assertEquals(229, client.sendCommand("EPSV"));
        String reply = client.getReplyString();
        int port = Integer.parseInt(reply.substring(reply.indexOf("(|||") + 4, reply.indexOf("|)")));
        try (Socket data = new Socket("127.0.0.1", port)) {
            int space = command.indexOf(' ');
            assertEquals(150, client.sendCommand(command.substring(0, space), command.substring(space + 1)));
            String text = new String(data.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(226, client.getReply());
            return text;
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        try (RawControl control = RawControl.open(server.port(), 10_000)) {
            BufferedReader replies = control.replies();
            OutputStream out = control.out();
            out.write("USER alice\r\nPASS wonderland\r\nPWD\r\nNOOP\r\nSYST\r\nTYPE I\r\n".getBytes(
                    StandardCharsets.US_ASCII));
            out.write(new byte[] {(byte) 0xFF, (byte) 0xF4, (byte) 0xFF, (byte) 0xF2});
            out.write("ABOR\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> codes = new ArrayList<>();
            String line;
            while ((line = replies.readLine()) != null) {
                if (line.length() > 3 && line.charAt(3) == ' ') {
                    codes.add(line.substring(0, 3));
                }
            }
            assertEquals(List.of("331", "230", "257", "200", "215", "200", "226", "221"), codes);
        }
    }

    /** Over loopback the default sends by copying; {@code sendfile = true} is what remote clients get. */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "true"})
    void abortingAGigabyteDownloadKeepsTheSessionUsable(String sendfile) throws Exception {
        try (TestServer server = new TestServer(temp.resolve("abort-" + sendfile), Map.of("sendfile", sendfile))) {
            abortAGigabyteDownload(server, server.home("alice"));
        }
    }

    private static void abortAGigabyteDownload(TestServer server, Path home) throws Exception {
        try (RandomAccessFile big = new RandomAccessFile(home.resolve("huge.bin").toFile(), "rw")) {
            big.setLength(1L << 30); // sparse: costs no disk
        }
        Files.writeString(home.resolve("small.txt"), "still works");
        FTPClient client = server.loggedIn();
        InputStream download = client.retrieveFileStream("huge.bin");
        assertNotNull(download, client.getReplyString());
        byte[] chunk = new byte[1 << 20];
        int read = download.readNBytes(chunk, 0, chunk.length);
        assertEquals(chunk.length, read);

        assertEquals(213, client.sendCommand("STAT"), "STAT is answered during the transfer");
        assertTrue(client.getReplyString().contains("bytes transferred"), client.getReplyString());
        assertEquals(426, client.sendCommand("ABOR"), "the transfer's own reply comes first");
        assertEquals(226, client.getReply(), "then ABOR's");
        download.close();

        assertEquals(200, client.sendCommand("NOOP"));
        ByteArrayOutputStream small = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("small.txt", small), client.getReplyString());
        assertEquals("still works", small.toString(StandardCharsets.UTF_8));
        client.disconnect();
    }

    @Test
    void emptyFilesHugeDirectoriesSpacesAndUtf8Names() throws Exception {
        FTPClient client = server.loggedIn();
        assertTrue(client.storeFile("empty.bin", new ByteArrayInputStream(new byte[0])));
        assertEquals(0, Files.size(home.resolve("empty.bin")));
        ByteArrayOutputStream nothing = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile("empty.bin", nothing));
        assertEquals(0, nothing.size());

        String name = "Grüße aus 東京 (v2).txt";
        assertEquals(200, client.sendCommand("OPTS", "UTF8 ON"));
        assertTrue(client.storeFile(name, new ByteArrayInputStream("hallo".getBytes(StandardCharsets.UTF_8))));
        assertEquals("hallo", Files.readString(home.resolve(name)));
        assertTrue(List.of(client.listNames()).contains(name));
        assertTrue(names(client.listFiles()).contains(name));
        assertTrue(client.makeDirectory("dir with spaces"));
        assertTrue(client.changeWorkingDirectory("dir with spaces"));
        assertEquals("/dir with spaces", client.printWorkingDirectory());

        Path many = Files.createDirectory(home.resolve("many"));
        for (int i = 0; i < 5000; i++) {
            Files.createFile(many.resolve(String.format("file-%05d", i)));
        }
        assertEquals(5000, client.listFiles("/many").length);
        String[] names = client.listNames("/many");
        assertEquals(5000, names.length);
        assertEquals("/many/file-04999", names[4999]);
        client.disconnect();
    }

    @Test
    void bannerAndDirectoryMessagesAreShown() throws Exception {
        Files.writeString(home.resolve(".banner"), "Welcome to the test site\nBe nice");
        Files.createDirectory(home.resolve("news"));
        Files.writeString(home.resolve("news/.message"), "Fresh news in here");
        FTPClient client = server.connect();
        assertTrue(client.login("alice", "wonderland"));
        assertTrue(client.getReplyString().contains("230-Welcome to the test site"), client.getReplyString());
        assertTrue(client.changeWorkingDirectory("news"));
        assertTrue(client.getReplyString().contains("250-Fresh news in here"), client.getReplyString());
        client.disconnect();
    }

    @Test
    void reinitializeAndTheSmallCommands() throws Exception {
        FTPClient client = server.loggedIn();
        assertEquals(202, client.sendCommand("ALLO", "1000"));
        assertEquals(202, client.sendCommand("ACCT", "x"));
        assertEquals(502, client.sendCommand("SMNT", "/"));
        assertEquals(550, client.sendCommand("PRET", "RETR missing.bin"));
        assertEquals(200, client.sendCommand("PRET", "STOR new.bin"));
        assertEquals(214, client.sendCommand("HELP"));
        assertTrue(client.getReplyString().contains("MLSD"));
        assertEquals(214, client.sendCommand("HELP", "RETR"));
        assertEquals(200, client.sendCommand("MODE", "S"));
        assertEquals(504, client.sendCommand("MODE", "B"));
        assertEquals(200, client.sendCommand("STRU", "F"));
        assertEquals(504, client.sendCommand("STRU", "R"));
        assertEquals(226, client.sendCommand("ABOR"), "ABOR with nothing to abort");
        assertEquals(220, client.sendCommand("REIN"));
        assertEquals(530, client.sendCommand("PWD"), "REIN logs out");
        assertTrue(client.login("alice", "wonderland"));
        client.disconnect();
    }

    @Test
    void epsvAllAndTheAnnouncedPassiveAddress() throws Exception {
        try (TestServer nat = new TestServer(temp.resolve("nat"), Map.of("passive.address", "10.1.2.3"))) {
            FTPClient client = nat.loggedIn();
            assertEquals(227, client.sendCommand("PASV"));
            assertTrue(client.getReplyString().contains("(10,1,2,3,"), client.getReplyString());
            assertEquals(229, client.sendCommand("EPSV"));
            assertEquals(200, client.sendCommand("EPSV", "ALL"));
            assertEquals(501, client.sendCommand("PASV"));
            assertEquals(501, client.sendCommand("PORT", "127,0,0,1,200,10"));
            assertEquals(229, client.sendCommand("EPSV"));
            client.disconnect();
        }
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static boolean ipv6LoopbackWorks() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException noIpv6) {
            return false;
        }
    }
}
