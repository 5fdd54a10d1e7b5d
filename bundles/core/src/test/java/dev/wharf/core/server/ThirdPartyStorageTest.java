package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.StorageCapability;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.example.wharf.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A storage provider written against the API alone (the example bundle's {@link MemoryStorageProvider}, here
 * configured to declare no capabilities) driven through a real FTP client: files go to it, not the disk; what it cannot do is refused before data moves;
 * FEAT, HELP and MLST show only what it supports; quotas work on it; an account chooses it with its {@code storage}
 * attribute; a provider that goes away closes its sessions with 421 after their running transfer.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ThirdPartyStorageTest {

    @TempDir
    Path temp;

    private final MemoryStorageProvider memory = new MemoryStorageProvider("memory", 64L << 20, Set.of());

    /** A server whose alice is served by the memory provider (named {@code memory}, ranked below the local one). */
    private TestServer server(Map<String, Object> settings) throws IOException {
        TestServer server = new TestServer(temp.resolve("users"), settings);
        server.services.addStorageProvider(memory, Map.of("wharf.storage.name", "memory", "service.ranking", -10,
                "service.id", 4242L));
        server.attributes.put("alice", Map.of("storage", "memory"));
        return server;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The reply to a command the server answers with 421 and a close (Commons Net throws for those). */
    private static int closingReply(FTPClient client, String command) throws IOException {
        try {
            return client.sendCommand(command);
        } catch (org.apache.commons.net.ftp.FTPConnectionClosedException closed) {
            return client.getReplyCode();
        }
    }

    private static byte[] retrieve(FTPClient client, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile(name, out), client.getReplyString());
        return out.toByteArray();
    }

    @Test
    void storMkdListRetrWorkAndTheFilesAreInTheProviderNotOnDisk() throws Exception {
        try (TestServer server = server(Map.of())) {
            FTPClient client = server.loggedIn();
            byte[] data = randomBytes(3 * 1024 * 1024 + 17, 1);
            assertTrue(client.makeDirectory("docs"), client.getReplyString());
            assertEquals(257, client.getReplyCode());
            assertTrue(client.storeFile("docs/big.bin", new ByteArrayInputStream(data)), client.getReplyString());
            assertEquals(226, client.getReplyCode());

            FTPFile[] listed = client.listFiles("docs");
            assertEquals(1, listed.length, Arrays.toString(listed));
            assertEquals("big.bin", listed[0].getName());
            assertEquals(data.length, listed[0].getSize());
            assertEquals(sha256(data), sha256(retrieve(client, "docs/big.bin")));
            assertEquals(sha256(data), sha256(TestServer.storedContent(memory, "memory", server.home("alice").toString(), "/docs/big.bin")));
            assertEquals(List.of(), listDisk(server.home("alice")), "nothing may reach the local disk");

            assertTrue(client.rename("docs/big.bin", "docs/moved.bin"), client.getReplyString());
            assertTrue(client.deleteFile("docs/moved.bin"), client.getReplyString());
            assertTrue(client.removeDirectory("docs"), client.getReplyString());
            assertEquals(0, client.listFiles().length);
            client.logout();
        }
    }

    private static List<String> listDisk(Path home) throws IOException {
        try (var entries = Files.list(home)) {
            return entries.map(path -> path.getFileName().toString()).toList();
        }
    }

    @Test
    void whatTheStorageCannotDoIsRefusedWith504BeforeAnyDataMoves() throws Exception {
        try (TestServer server = server(Map.of())) {
            FTPClient client = server.loggedIn();
            byte[] data = randomBytes(4096, 2);
            assertTrue(client.storeFile("file.bin", new ByteArrayInputStream(data)), client.getReplyString());

            assertFalse(client.appendFile("file.bin", new ByteArrayInputStream(new byte[100])));
            assertEquals(504, client.getReplyCode());
            assertTrue(client.getReplyString().contains("APPE is not supported by this storage"),
                    client.getReplyString());

            client.setRestartOffset(1000);
            assertFalse(client.storeFile("file.bin", new ByteArrayInputStream(new byte[100])));
            assertEquals(504, client.getReplyCode());
            assertTrue(client.getReplyString().contains("REST before STOR is not supported by this storage"),
                    client.getReplyString());

            assertEquals(504, client.sendCommand("SITE CHMOD 600 file.bin"));
            assertTrue(client.getReplyString().contains("not supported by this storage"), client.getReplyString());
            assertEquals(504, client.sendCommand("MFMT 20200101000000 file.bin"));
            assertTrue(client.getReplyString().contains("not supported by this storage"), client.getReplyString());
            assertEquals(504, client.sendCommand("SITE UTIME 20200101000000 file.bin"));

            // the refusals changed nothing, and a REST + RETR (a ranged read) still works on any storage
            assertEquals(sha256(data), sha256(TestServer.storedContent(memory, "memory", server.home("alice").toString(), "/file.bin")));
            client.setRestartOffset(4000);
            assertArrayEquals(Arrays.copyOfRange(data, 4000, 4096), retrieve(client, "file.bin"));
            client.logout();
        }
    }

    @Test
    void featHelpAndMlstShowOnlyWhatTheSessionsStorageSupports() throws Exception {
        try (TestServer server = server(Map.of())) {
            FTPClient client = server.connect();
            assertEquals(211, client.sendCommand("FEAT"));
            String before = client.getReplyString();
            assertTrue(before.contains(" MFMT") && before.contains("UNIX.mode*;"), before);
            assertTrue(client.login("alice", "wonderland"), client.getReplyString());
            client.enterLocalPassiveMode();

            assertEquals(211, client.sendCommand("FEAT"));
            String after = client.getReplyString();
            assertFalse(after.contains("MFMT"), after);
            assertFalse(after.contains("UNIX."), after);
            assertTrue(after.contains(" MLST type*;size*;modify*;perm*;unique*;"), after);
            assertTrue(after.contains(" REST STREAM") && after.contains(" SIZE"), after);

            assertEquals(214, client.sendCommand("HELP"));
            assertFalse(client.getReplyString().contains("APPE") || client.getReplyString().contains("MFMT"),
                    client.getReplyString());
            assertTrue(client.getReplyString().contains("STOR"), client.getReplyString());
            assertEquals(214, client.sendCommand("SITE HELP"));
            assertFalse(client.getReplyString().contains("CHMOD"), client.getReplyString());

            assertEquals(200, client.sendCommand("OPTS MLST type;UNIX.mode;size;"));
            assertTrue(client.getReplyString().contains("MLST OPTS type;size;"), client.getReplyString());
            assertTrue(client.storeFile("f.txt", new ByteArrayInputStream("hello".getBytes(StandardCharsets.US_ASCII))));
            assertEquals(250, client.sendCommand("MLST f.txt"));
            assertTrue(client.getReplyString().contains("type=file;size=5; /f.txt"), client.getReplyString());
            assertEquals(200, client.sendCommand("OPTS MLST type;size;modify;perm;UNIX.mode;UNIX.uid;unique;"));
            assertEquals(250, client.sendCommand("MLST f.txt"));
            assertFalse(client.getReplyString().contains("UNIX."), client.getReplyString());
            client.logout();

            // the local storage's sessions keep everything
            server.addUser("bob", "builder");
            FTPClient bob = server.loggedInAs("bob");
            assertEquals(211, bob.sendCommand("FEAT"));
            assertTrue(bob.getReplyString().contains(" MFMT") && bob.getReplyString().contains("UNIX.mode*;"),
                    bob.getReplyString());
            bob.logout();
        }
    }

    @Test
    void quotasWorkOnTheStorageFromLoginToRefusal() throws Exception {
        try (TestServer server = server(Map.of())) {
            server.accountLimits.put("alice", new AccountLimits(0, 10 * 1024, 0, 0, 0, 0, 0));
            FTPClient client = server.connect();
            assertTrue(client.login("alice", "wonderland"), client.getReplyString());
            assertTrue(client.getReplyString().contains("Quota: 0.0% used (0 files, 0/10 KB)"),
                    client.getReplyString());
            client.enterLocalPassiveMode();
            client.setFileType(FTPClient.BINARY_FILE_TYPE);
            assertTrue(client.storeFile("a.bin", new ByteArrayInputStream(randomBytes(6 * 1024, 3))));
            assertFalse(client.storeFile("b.bin", new ByteArrayInputStream(randomBytes(6 * 1024, 4))));
            assertEquals(552, client.getReplyCode(), client.getReplyString());
            assertNull(TestServer.storedContent(memory, "memory", server.home("alice").toString(), "/b.bin"), "a refused upload leaves nothing");
            assertEquals("1 6144\n", new String(TestServer.storedContent(memory, "memory", server.home("alice").toString(), "/.ftpquota"),
                    StandardCharsets.US_ASCII));
            client.logout();
        }
    }

    @Test
    void aStorageNamedButNotInstalledRefusesTheLoginWith421InBoundedTime() throws Exception {
        try (TestServer server = server(Map.of())) {
            server.attributes.put("alice", Map.of("storage", "nowhere"));
            FTPClient client = server.connect();
            long started = System.nanoTime();
            assertEquals(331, client.sendCommand("USER alice"));
            assertEquals(421, closingReply(client, "PASS wonderland"));
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(client.getReplyString().contains("Storage not available"), client.getReplyString());
            assertTrue(millis < 5000, "took " + millis + " ms");
        }
    }

    @Test
    void aProviderThatGoesAwayLetsTheRunningTransferFinishThenClosesTheSessionWith421() throws Exception {
        try (TestServer server = server(Map.of())) {
            FTPClient client = server.loggedIn();
            byte[] data = randomBytes(8 * 1024 * 1024, 5);
            assertTrue(client.storeFile("big.bin", new ByteArrayInputStream(data)), client.getReplyString());
            InputStream download = client.retrieveFileStream("big.bin");
            byte[] first = download.readNBytes(64 * 1024);
            server.services.removeStorageProvider(memory);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            received.write(first);
            download.transferTo(received);
            download.close();
            assertTrue(client.completePendingCommand(), client.getReplyString());
            assertEquals(sha256(data), sha256(received.toByteArray()));

            assertEquals(421, closingReply(client, "LIST"));
            assertTrue(client.getReplyString().contains("Storage provider gone"), client.getReplyString());
            // a new login of the account names a provider that is gone: refused, no other storage used
            FTPClient again = server.connect();
            assertEquals(331, again.sendCommand("USER alice"));
            assertEquals(421, closingReply(again, "PASS wonderland"));
            assertTrue(again.getReplyString().contains("Storage not available"), again.getReplyString());
        }
    }

    @Test
    void uploadHooksHearOnlyOfUploadsWithARealFileNeverOfTheVirtualPathAsIfItWereOne() throws Exception {
        try (TestServer server = server(Map.of())) {
            java.util.List<dev.wharf.api.hook.UploadEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            server.services.addUploadHook(events::add, TestServer.properties("recorder", 0));
            FTPClient alice = server.loggedIn();
            assertTrue(alice.storeFile("in-memory.txt", new ByteArrayInputStream("x".getBytes())));
            alice.logout();
            server.addUser("bob", "builder");
            FTPClient bob = server.loggedInAs("bob");
            assertTrue(bob.storeFile("on-disk.txt", new ByteArrayInputStream("y".getBytes())));
            bob.logout();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10); // polled with a deadline: the hooks run on their own thread
            }
            // the hooks run one event after the other: bob's arriving means alice's was never queued
            assertEquals(1, events.size(), events.toString());
            assertEquals(server.home("bob").resolve("on-disk.txt"), events.get(0).file());
        }
    }

    /** A provider declaring APPEND gets APPE; the others stay refused. */
    @Test
    void aDeclaredCapabilityIsUsed() throws Exception {
        MemoryStorageProvider appending = new MemoryStorageProvider("appending", 64L << 20,
                Set.of(StorageCapability.APPEND));
        try (TestServer server = new TestServer(temp.resolve("other"))) {
            server.services.addStorageProvider(appending, Map.of("wharf.storage.name", "appending",
                    "service.id", 77L));
            server.attributes.put("alice", new HashMap<>(Map.of("storage", "appending")));
            FTPClient client = server.loggedIn();
            assertTrue(client.storeFile("log.txt", new ByteArrayInputStream("one\n".getBytes(StandardCharsets.US_ASCII))));
            assertTrue(client.appendFile("log.txt", new ByteArrayInputStream("two\n".getBytes(StandardCharsets.US_ASCII))),
                    client.getReplyString());
            assertEquals("one\ntwo\n", new String(TestServer.storedContent(appending, "appending", server.home("alice").toString(), "/log.txt"),
                    StandardCharsets.US_ASCII));
            assertEquals(211, client.sendCommand("FEAT"));
            assertFalse(client.getReplyString().contains("MFMT"), client.getReplyString());
            client.logout();
        }
    }
}
