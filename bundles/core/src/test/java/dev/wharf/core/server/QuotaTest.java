package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.AccountLimits;
import dev.wharf.core.limits.QuotaCheck;
import dev.wharf.core.limits.QuotaFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pure-FTPd's virtual quotas through a real client: the usage in {@code .ftpquota} must equal what is on disk
 * after every upload, refusal, abort, delete, rename and directory change.
 */
class QuotaTest {

    private static final int KIB = 1024;

    @TempDir
    Path temp;

    private TestServer server(Map<String, Object> settings) throws IOException {
        return new TestServer(temp.resolve("users"), settings);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * STOR whose data the server may stop reading part-way: the client then sees the data connection closed under
     * it (Commons Net throws) and the reply waits on the control connection. Returns the reply code.
     */
    private static int storeCut(FTPClient client, String name, byte[] data) throws IOException {
        try {
            client.storeFile(name, new ByteArrayInputStream(data));
            return client.getReplyCode();
        } catch (IOException cutOff) {
            return client.getReply();
        }
    }

    private static String quotaLine(Path home) throws IOException {
        return Files.readString(home.resolve(QuotaFile.FILE_NAME), StandardCharsets.US_ASCII);
    }

    /** What pure-quotacheck would count, to compare the recorded usage with. */
    private static String counted(Path home) throws IOException {
        QuotaFile.Usage usage = QuotaCheck.count(home);
        return usage.files() + " " + usage.bytes() + "\n";
    }

    @Test
    void uploadOverTheSizeQuotaIsStoppedMidwayWith552AndUsageStaysExact() throws IOException {
        try (TestServer server = server(Map.of("limits.quota.size", "1"))) {
            Path home = server.home("alice");
            FTPClient client = server.loggedIn();
            byte[] first = randomBytes(600 * KIB, 1);
            assertTrue(client.storeFile("first.bin", new ByteArrayInputStream(first)), client.getReplyString());
            assertEquals("1 614400\n", quotaLine(home));

            // 600 KiB more does not fit in 1 MiB: the server stops reading at the allowance
            byte[] second = randomBytes(600 * KIB, 2);
            assertEquals(552, storeCut(client, "second.bin", second), client.getReplyString());
            assertTrue(client.getReplyString().contains("quota"), client.getReplyString());
            assertFalse(Files.exists(home.resolve("second.bin")), "nothing of the refused upload is kept");
            assertEquals("1 614400\n", quotaLine(home));
            assertEquals(counted(home), quotaLine(home));
            assertArrayEquals(first, Files.readAllBytes(home.resolve("first.bin")));

            // once full, uploads are refused before any data moves
            assertTrue(client.storeFile("small.bin", new ByteArrayInputStream(randomBytes(424 * KIB, 3))));
            assertEquals("2 1048576\n", quotaLine(home), "exactly full");
            assertFalse(client.storeFile("more.bin", new ByteArrayInputStream(new byte[10])));
            assertEquals(552, client.getReplyCode());
            assertTrue(client.getReplyString().contains("Quota exceeded"), client.getReplyString());
            assertEquals(counted(home), quotaLine(home));

            // replacing a file with a smaller one always fits; deleting gives the room back
            assertTrue(client.storeFile("first.bin", new ByteArrayInputStream(randomBytes(100 * KIB, 4))));
            assertEquals("2 536576\n", quotaLine(home));
            assertTrue(client.deleteFile("small.bin"));
            assertEquals("1 102400\n", quotaLine(home));
            assertTrue(client.getReplyString().startsWith("250"));
            assertTrue(client.logout());
        }
    }

    @Test
    void fileCountQuotaCountsDirectoriesAndRenamesGiveBackTheReplacedFile() throws IOException {
        try (TestServer server = server(Map.of("limits.quota.files", "3"))) {
            Path home = server.home("alice");
            FTPClient client = server.loggedIn();
            assertTrue(client.makeDirectory("docs"));
            assertTrue(client.storeFile("docs/a.txt", new ByteArrayInputStream("aaaa".getBytes())));
            assertTrue(client.storeFile("b.txt", new ByteArrayInputStream("bb".getBytes())));
            assertEquals("3 6\n", quotaLine(home));
            assertFalse(client.storeFile("c.txt", new ByteArrayInputStream("c".getBytes())));
            assertEquals(552, client.getReplyCode());
            assertFalse(client.makeDirectory("more"));
            assertEquals(552, client.getReplyCode());
            assertFalse(Files.exists(home.resolve("more")));
            // overwriting an existing file does not add one
            assertTrue(client.storeFile("b.txt", new ByteArrayInputStream("bbbbbb".getBytes())));
            assertEquals("3 10\n", quotaLine(home));
            // RNTO over an existing file frees the one it replaces
            assertTrue(client.rename("b.txt", "docs/a.txt"));
            assertEquals("2 6\n", quotaLine(home));
            assertEquals(counted(home), quotaLine(home));
            assertTrue(client.deleteFile("docs/a.txt"));
            assertTrue(client.removeDirectory("docs"));
            assertEquals("0 0\n", quotaLine(home));
            client.logout();
        }
    }

    @Test
    void appendOverTheQuotaIsCutBackToTheOriginalFile() throws IOException {
        try (TestServer server = server(Map.of("limits.quota.size", "1"))) {
            Path home = server.home("alice");
            FTPClient client = server.loggedIn();
            byte[] original = randomBytes(700 * KIB, 5);
            assertTrue(client.storeFile("log.bin", new ByteArrayInputStream(original)));
            try {
                assertFalse(client.appendFile("log.bin", new ByteArrayInputStream(randomBytes(500 * KIB, 6))));
            } catch (IOException cutOff) {
                client.getReply();
            }
            assertEquals(552, client.getReplyCode(), client.getReplyString());
            assertArrayEquals(original, Files.readAllBytes(home.resolve("log.bin")), "the file is as before");
            assertEquals("1 716800\n", quotaLine(home));
            // an append that fits is counted
            assertTrue(client.appendFile("log.bin", new ByteArrayInputStream(randomBytes(100 * KIB, 7))));
            assertEquals("1 819200\n", quotaLine(home));
            assertEquals(counted(home), quotaLine(home));
            client.logout();
        }
    }

    @Test
    void twoSessionsOfOneAccountCannotOvershootTogether() throws Exception {
        try (TestServer server = server(Map.of("limits.quota.size", "1"))) {
            Path home = server.home("alice");
            int sessions = 4;
            CountDownLatch ready = new CountDownLatch(sessions);
            ExecutorService pool = Executors.newFixedThreadPool(sessions);
            List<Future<Integer>> replies = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                int index = i;
                Callable<Integer> upload = () -> {
                    FTPClient client = server.loggedIn();
                    ready.countDown();
                    ready.await();
                    int code = storeCut(client, "part" + index + ".bin", randomBytes(400 * KIB, index));
                    client.disconnect();
                    return code;
                };
                replies.add(pool.submit(upload));
            }
            int stored = 0;
            for (Future<Integer> reply : replies) {
                int code = reply.get();
                assertTrue(code == 226 || code == 552, "reply " + code);
                stored += code == 226 ? 1 : 0;
            }
            pool.shutdown();
            assertEquals(2, stored, "two 400 KiB files fit in 1 MiB, a third does not");
            assertEquals(counted(home), quotaLine(home));
            assertEquals("2 819200\n", quotaLine(home));
        }
    }

    @Test
    void missingOrBrokenQuotaFileIsRebuiltFromTheFilesAndCannotBeTouchedByTheUser() throws IOException {
        try (TestServer server = server(Map.of("limits.quota.files", "100", "limits.quota.size", "10"))) {
            Path home = server.home("alice");
            Files.createDirectories(home.resolve("old/deeper"));
            Files.write(home.resolve("old/a.bin"), new byte[1000]);
            Files.write(home.resolve("old/deeper/b.bin"), new byte[234]);
            Files.createLink(home.resolve("old/hardlink.bin"), home.resolve("old/a.bin"));
            FTPClient client = server.connect();
            assertTrue(client.login("alice", "wonderland"));
            assertTrue(client.getReplyString().contains("Quota: 4.0% used (4/100 files, 2/10240 KB)"),
                    client.getReplyString());
            client.enterLocalPassiveMode();
            assertEquals("4 1234\n", quotaLine(home), "2 directories, 2 files, the hard link counted once");

            assertFalse(client.storeFile(".ftpquota", new ByteArrayInputStream("0 0\n".getBytes())));
            assertEquals(553, client.getReplyCode());
            assertFalse(client.deleteFile(".ftpquota"));
            assertEquals(553, client.getReplyCode());
            assertFalse(client.rename("old/a.bin", ".ftpquota"));
            assertEquals("4 1234\n", quotaLine(home));
            client.logout();

            Files.writeString(home.resolve(QuotaFile.FILE_NAME), "garbage");
            FTPClient again = server.loggedIn();
            assertTrue(again.storeFile("new.bin", new ByteArrayInputStream(new byte[66])));
            assertEquals("5 1300\n", quotaLine(home));
            again.logout();
        }
    }

    @Test
    void accountQuotaFromTheBackendWinsOverTheDefault() throws IOException {
        try (TestServer server = server(Map.of("limits.quota.size", "100"))) {
            server.accountLimits.put("alice", new AccountLimits(2, 0, 0, 0, 0, 0, 0));
            Path home = server.home("alice");
            FTPClient client = server.loggedIn();
            assertTrue(client.storeFile("1", new ByteArrayInputStream(new byte[1])));
            assertTrue(client.storeFile("2", new ByteArrayInputStream(new byte[1])));
            assertFalse(client.storeFile("3", new ByteArrayInputStream(new byte[1])));
            assertEquals(552, client.getReplyCode());
            assertEquals("2 2\n", quotaLine(home));
            client.logout();
        }
    }

    @Test
    void accountsWithoutQuotaGetNoQuotaFile() throws IOException {
        try (TestServer server = server(Map.of())) {
            FTPClient client = server.loggedIn();
            try (InputStream data = new ByteArrayInputStream(new byte[5000])) {
                assertTrue(client.storeFile("free.bin", data));
            }
            assertFalse(Files.exists(server.home("alice").resolve(QuotaFile.FILE_NAME)));
            client.logout();
        }
    }

    @Test
    void quotaCheckRecountsTheTree() throws IOException {
        Path root = Files.createDirectories(temp.resolve("account"));
        Files.createDirectories(root.resolve("a/b"));
        Files.write(root.resolve("a/b/file"), new byte[4096]);
        Files.write(root.resolve(".wharf-upload.123"), new byte[77]);
        Files.writeString(root.resolve(QuotaFile.FILE_NAME), "999 999\n");
        assertEquals(new QuotaFile.Usage(3, 4096), QuotaCheck.rebuild(root));
        assertEquals("3 4096\n", quotaLine(root), "uploads in progress and the quota file itself are not counted");
    }
}
