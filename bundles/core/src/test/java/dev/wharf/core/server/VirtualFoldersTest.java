package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.AccountLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.example.wharf.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Virtual folders from account attributes, through a real client: alice's own files are local, {@code /mem} is a
 * folder on the memory provider and {@code /pub/docs} a read-only local folder elsewhere on disk.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtualFoldersTest {

    @TempDir
    Path temp;

    private final MemoryStorageProvider memory = new MemoryStorageProvider("memory", 64L << 20, Set.of());
    private Path docs;

    private TestServer server() throws IOException {
        TestServer server = new TestServer(temp.resolve("users"));
        server.services.addStorageProvider(memory, Map.of("wharf.storage.name", "memory", "service.ranking", -10,
                "service.id", 4243L));
        docs = Files.createDirectories(temp.resolve("shared/docs"));
        Files.writeString(docs.resolve("readme.txt"), "read me\n");
        Map<String, String> attributes = new HashMap<>();
        attributes.put("folder.mem.path", "/mem");
        attributes.put("folder.mem.storage", "memory");
        attributes.put("folder.mem.root", "/mem-root");
        attributes.put("folder.docs.path", "/pub/docs");
        attributes.put("folder.docs.root", docs.toString());
        attributes.put("folder.docs.readonly", "true");
        server.attributes.put("alice", attributes);
        return server;
    }

    private static byte[] retrieve(FTPClient client, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile(name, out), client.getReplyString());
        return out.toByteArray();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void foldersShowAsDirectoriesAndServeTheirOwnStorage() throws Exception {
        try (TestServer server = server()) {
            Files.writeString(server.home("alice").resolve("own.txt"), "mine");
            FTPClient client = server.loggedIn();
            assertEquals("[mem, own.txt, pub]", Arrays.toString(Arrays.stream(client.listFiles("/"))
                    .map(FTPFile::getName).sorted().toArray()));
            for (FTPFile entry : client.mlistDir("/")) {
                if (!entry.getName().equals("own.txt")) {
                    assertTrue(entry.isDirectory(), entry.getRawListing());
                }
            }
            assertTrue(client.changeWorkingDirectory("/pub"), client.getReplyString());
            assertEquals("docs", client.listNames()[0]);
            assertTrue(client.changeWorkingDirectory("docs"), client.getReplyString());
            assertEquals("read me\n", new String(retrieve(client, "readme.txt"), StandardCharsets.US_ASCII));
            assertTrue(client.changeToParentDirectory());
            assertEquals("/pub", client.printWorkingDirectory());

            byte[] data = randomBytes(200_000, 1);
            assertTrue(client.storeFile("/mem/a.bin", new ByteArrayInputStream(data)), client.getReplyString());
            assertArrayEquals(data, TestServer.storedContent(memory, "memory", "/mem-root", "/a.bin"));
            assertFalse(Files.exists(server.home("alice").resolve("mem")), "the folder is not on alice's disk");
            assertArrayEquals(data, retrieve(client, "/mem/a.bin"));
            assertTrue(client.makeDirectory("/mem/sub"), client.getReplyString());
            assertEquals(250, client.sendCommand("MLST /mem/sub"));
            assertTrue(client.getReplyString().contains("type=dir;"), client.getReplyString());
            client.logout();
        }
    }

    @Test
    void capabilitiesAreThoseOfTheFolderAPathIsIn() throws Exception {
        try (TestServer server = server()) {
            FTPClient client = server.loggedIn();
            assertTrue(client.storeFile("/mem/log.txt", new ByteArrayInputStream("one\n".getBytes())));
            assertFalse(client.appendFile("/mem/log.txt", new ByteArrayInputStream("two\n".getBytes())));
            assertEquals(504, client.getReplyCode(), client.getReplyString());
            assertEquals(504, client.sendCommand("SITE CHMOD 600 /mem/log.txt"));
            // alice's own root is local: append and chmod work there
            assertTrue(client.storeFile("/log.txt", new ByteArrayInputStream("one\n".getBytes())));
            assertTrue(client.appendFile("/log.txt", new ByteArrayInputStream("two\n".getBytes())),
                    client.getReplyString());
            assertEquals("one\ntwo\n", Files.readString(server.home("alice").resolve("log.txt")));
            assertEquals(200, client.sendCommand("SITE CHMOD 600 /log.txt"));
            client.logout();
        }
    }

    @Test
    void readOnlyFoldersMountPointsAndRenamesAcrossFoldersAreRefused() throws Exception {
        try (TestServer server = server()) {
            FTPClient client = server.loggedIn();
            assertFalse(client.storeFile("/pub/docs/new.txt", new ByteArrayInputStream("x".getBytes())));
            assertEquals(553, client.getReplyCode(), client.getReplyString());
            assertTrue(client.getReplyString().contains("Read-only folder"), client.getReplyString());
            assertFalse(Files.exists(docs.resolve("new.txt")));
            assertFalse(client.deleteFile("/pub/docs/readme.txt"));
            assertEquals(550, client.getReplyCode(), client.getReplyString());
            assertTrue(Files.exists(docs.resolve("readme.txt")));
            assertFalse(client.makeDirectory("/pub/docs/sub"));
            assertFalse(Files.exists(docs.resolve("sub")));

            assertFalse(client.removeDirectory("/mem"));
            assertEquals(550, client.getReplyCode(), client.getReplyString());
            assertFalse(client.rename("/mem", "/elsewhere"));
            assertTrue(client.getReplyString().contains("Virtual folders cannot be moved"), client.getReplyString());
            assertFalse(client.makeDirectory("/pub"));

            assertTrue(client.storeFile("/mem/a.bin", new ByteArrayInputStream("data".getBytes())));
            assertFalse(client.rename("/mem/a.bin", "/a.bin"));
            assertEquals(553, client.getReplyCode(), client.getReplyString());
            assertTrue(client.getReplyString().contains("Renaming between virtual folders is not supported"),
                    client.getReplyString());
            assertNotNull(TestServer.storedContent(memory, "memory", "/mem-root", "/a.bin"));
            assertFalse(Files.exists(server.home("alice").resolve("a.bin")));
            assertTrue(client.rename("/mem/a.bin", "/mem/b.bin"), client.getReplyString());
            client.logout();
        }
    }

    @Test
    void eachFolderIsConfinedToItsOwnRoot() throws Exception {
        try (TestServer server = server()) {
            Files.writeString(temp.resolve("shared/secret.txt"), "not for alice");
            Files.createSymbolicLink(docs.resolve("escape"), temp.resolve("shared/secret.txt"));
            FTPClient client = server.loggedIn();
            assertFalse(client.retrieveFile("/pub/docs/escape", new ByteArrayOutputStream()));
            assertEquals(550, client.getReplyCode(), client.getReplyString());
            assertFalse(client.retrieveFile("/pub/docs/../../../shared/secret.txt", new ByteArrayOutputStream()));
            assertEquals(550, client.getReplyCode(), client.getReplyString());
            client.logout();
        }
    }

    @Test
    void theQuotaCountsTheAccountsFilesAndWritableFoldersButNotReadOnlyOnes() throws Exception {
        try (TestServer server = server()) {
            Files.write(docs.resolve("big.bin"), new byte[50_000]);
            server.accountLimits.put("alice", new AccountLimits(0, 10_000, 0, 0, 0, 0, 0));
            FTPClient client = server.connect();
            assertTrue(client.login("alice", "wonderland"), client.getReplyString());
            assertTrue(client.getReplyString().contains("(0 files, 0/9 KB)"), client.getReplyString());
            client.enterLocalPassiveMode();
            client.setFileType(FTPClient.BINARY_FILE_TYPE);
            assertTrue(client.storeFile("/mem/a.bin", new ByteArrayInputStream(new byte[6000])));
            assertEquals("1 6000\n", Files.readString(server.home("alice").resolve(".ftpquota")));
            assertFalse(client.storeFile("/b.bin", new ByteArrayInputStream(new byte[6000])));
            assertEquals(552, client.getReplyCode(), client.getReplyString());
            assertFalse(Files.exists(server.home("alice").resolve("b.bin")));
            client.logout();
        }
    }

    @Test
    void aWronglyNamedFolderAttributeRefusesTheLoginWith421() throws Exception {
        try (TestServer server = server()) {
            server.attributes.put("alice", Map.of("folder.x.path", "relative", "folder.x.root", "/tmp"));
            FTPClient client = server.connect();
            assertEquals(331, client.sendCommand("USER alice"));
            int code;
            try {
                code = client.sendCommand("PASS wonderland");
            } catch (org.apache.commons.net.ftp.FTPConnectionClosedException closed) {
                code = client.getReplyCode();
            }
            assertEquals(421, code, client.getReplyString());
        }
    }
}
