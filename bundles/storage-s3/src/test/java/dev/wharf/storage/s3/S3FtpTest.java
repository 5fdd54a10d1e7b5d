package dev.wharf.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The FTP commands that matter, through real clients (Commons Net, curl) and the core's real listener, on accounts
 * served by the S3 storage from S3Proxy: what the client sees and what the bucket then holds.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class S3FtpTest {

    private static final String BUCKET = "wharf-ftp";
    private static final int PART = 5 << 20;
    @TempDir
    static Path directory;
    private static S3ProxyServer s3;
    private static S3StorageProvider provider;
    private static EmbeddedServer server;
    private static final Map<String, Account> ACCOUNTS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start(directory);
        s3.createBucket(BUCKET);
        provider = TestConfigs.provider(s3, BUCKET, Map.of("part_size_mb", 5));
        server = new EmbeddedServer().addAuthBackend(request -> {
            Account account = ACCOUNTS.get(request.user());
            return account == null ? AuthResult.unknown() : "secret".equals(request.password())
                    ? AuthResult.accepted(account) : AuthResult.rejected("wrong password");
        }, "test-users", 0).addStorageProvider(provider, "s3", 100);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (provider != null) {
            provider.deactivate();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static FTPClient login(String user, AccountLimits limits) throws IOException {
        ACCOUNTS.put(user, new Account(user, "/s3/" + user, 1000, 1000, limits));
        FTPClient client = server.login(user, "secret");
        client.setSoTimeout(30_000);
        client.setDataTimeout(java.time.Duration.ofSeconds(30));
        return client;
    }

    private static List<String> keys(String prefix) {
        return s3.admin().listObjectsV2Paginator(request -> request.bucket(BUCKET)).contents().stream()
                .map(S3Object::key).filter(key -> key.startsWith(prefix)).sorted().toList();
    }

    private static byte[] object(String key) {
        return s3.admin().getObjectAsBytes(request -> request.bucket(BUCKET).key(key)).asByteArray();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException impossible) {
            throw new AssertionError(impossible);
        }
    }

    private static byte[] retrieve(FTPClient client, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile(name, out), client.getReplyString());
        return out.toByteArray();
    }

    @Test
    void filesAndDirectoriesLiveInTheBucketAndComeBackIntact() throws IOException {
        FTPClient client = login("bob", AccountLimits.NONE);
        try {
            assertEquals(257, client.mkd("docs"), client.getReplyString());
            assertEquals(List.of("bob/", "bob/docs/"), keys("bob/"));

            byte[] small = random(1000, 1);
            byte[] big = random(2 * PART + PART / 2 + 3, 2); // three parts
            assertTrue(client.storeFile("docs/small.txt", new ByteArrayInputStream(small)), client.getReplyString());
            assertTrue(client.storeFile("docs/big.bin", new ByteArrayInputStream(big)), client.getReplyString());
            assertEquals(sha256(small), sha256(object("bob/docs/small.txt")));
            assertEquals(sha256(big), sha256(object("bob/docs/big.bin")));
            assertEquals(sha256(big), sha256(retrieve(client, "docs/big.bin")));
            assertTrue(s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix("bob/")).uploads()
                    .isEmpty(), "no multipart upload is left behind");

            assertEquals(213, client.sendCommand("SIZE docs/big.bin"));
            assertEquals(String.valueOf(big.length), client.getReplyString().substring(4).strip());
            assertEquals(213, client.sendCommand("MDTM docs/big.bin"), client.getReplyString());
            FTPFile[] entries = client.mlistDir("docs");
            assertEquals(2, entries.length);
            FTPFile bigEntry = Arrays.stream(entries).filter(entry -> entry.getName().equals("big.bin")).findFirst()
                    .orElseThrow();
            assertTrue(bigEntry.isFile());
            assertEquals(big.length, bigEntry.getSize());
            assertTrue(Arrays.stream(client.mlistDir("/")).anyMatch(entry -> entry.getName().equals("docs")
                    && entry.isDirectory()));

            client.setRestartOffset(PART + 17);
            byte[] tail = retrieve(client, "docs/big.bin");
            assertArrayEquals(Arrays.copyOfRange(big, PART + 17, big.length), tail, "REST + RETR: a ranged GET");

            assertTrue(client.rename("docs/small.txt", "docs/renamed.txt"), client.getReplyString());
            assertTrue(client.rename("docs", "archive"), client.getReplyString());
            assertEquals(List.of("bob/", "bob/archive/", "bob/archive/big.bin", "bob/archive/renamed.txt"),
                    keys("bob/"));
            assertEquals(sha256(small), sha256(retrieve(client, "archive/renamed.txt")));

            assertTrue(client.deleteFile("archive/renamed.txt"), client.getReplyString());
            assertEquals(550, client.rmd("archive"), "a directory with a file is not removed");
            assertTrue(client.deleteFile("archive/big.bin"), client.getReplyString());
            assertEquals(250, client.rmd("archive"), client.getReplyString());
            assertEquals(List.of("bob/"), keys("bob/"));
        } finally {
            client.disconnect();
        }
    }

    @Test
    void namesWithSpacesPlusPercentAndUtf8AreKeptAsTheyAre() throws IOException {
        FTPClient client = login("nina", AccountLimits.NONE);
        try {
            String name = "a b+c%20d été [1].txt";
            assertEquals(257, client.mkd("dir with space"));
            assertTrue(client.storeFile("dir with space/" + name, new ByteArrayInputStream(new byte[] {1, 2, 3})),
                    client.getReplyString());
            assertEquals(List.of("nina/", "nina/dir with space/", "nina/dir with space/" + name), keys("nina/"));
            assertEquals(List.of("dir with space/" + name), List.of(client.listNames("dir with space")));
            assertEquals(List.of("dir with space"), List.of(client.listNames()));
        } finally {
            client.disconnect();
        }
    }

    @Test
    void appendResumedUploadsChmodAndMfmtAreRefusedAndChangeNothing() throws IOException {
        FTPClient client = login("ann", AccountLimits.NONE);
        try {
            byte[] data = random(4000, 3);
            assertTrue(client.storeFile("f.bin", new ByteArrayInputStream(data)), client.getReplyString());
            assertFalse(client.appendFile("f.bin", new ByteArrayInputStream(new byte[10])));
            assertTrue(FTPReply.isNegativePermanent(client.getReplyCode()), client.getReplyString());
            client.setRestartOffset(100);
            assertFalse(client.storeFile("f.bin", new ByteArrayInputStream(new byte[10])));
            assertTrue(FTPReply.isNegativePermanent(client.getReplyCode()), client.getReplyString());
            client.setRestartOffset(0);
            assertTrue(FTPReply.isNegativePermanent(client.sendCommand("SITE CHMOD 600 f.bin")),
                    client.getReplyString());
            assertTrue(FTPReply.isNegativePermanent(client.sendCommand("MFMT 20200101000000 f.bin")),
                    client.getReplyString());
            assertArrayEquals(data, object("ann/f.bin"), "the object is unchanged");
        } finally {
            client.disconnect();
        }
    }

    @Test
    void listingsShowDirectoriesOfMoreThanAThousandEntries() throws IOException {
        FTPClient client = login("lena", AccountLimits.NONE);
        try {
            assertEquals(257, client.mkd("many"));
            IntStream.range(0, 1205).parallel().forEach(index -> s3.admin().putObject(request -> request
                    .bucket(BUCKET).key("lena/many/file-" + index), RequestBody.fromString("#".repeat(index % 5))));
            String[] names = client.listNames("many");
            assertEquals(1205, names.length, client.getReplyString());
            FTPFile[] entries = client.mlistDir("many");
            assertEquals(1205, entries.length);
            assertEquals(1205, Arrays.stream(entries).map(FTPFile::getName).distinct().count());
            assertEquals(4, Arrays.stream(entries).filter(entry -> entry.getName().equals("file-1204")).findFirst()
                    .orElseThrow().getSize());
        } finally {
            client.disconnect();
        }
    }

    @Test
    void curlUploadsDownloadsAndResumesADownload() throws Exception {
        login("curt", AccountLimits.NONE).disconnect();
        byte[] data = random(PART + 12345, 4);
        Path local = directory.resolve("curl-upload.bin");
        Files.write(local, data);
        String base = "ftp://curt:secret@127.0.0.1:" + server.port() + "/";
        assertEquals(0, curl("-T", local.toString(), "--ftp-create-dirs", base + "in/upload.bin"));
        assertEquals(sha256(data), sha256(object("curt/in/upload.bin")));
        Path downloaded = directory.resolve("curl-download.bin");
        assertEquals(0, curl("-o", downloaded.toString(), base + "in/upload.bin"));
        assertEquals(sha256(data), sha256(Files.readAllBytes(downloaded)));
        Path partial = directory.resolve("curl-partial.bin");
        Files.write(partial, Arrays.copyOf(data, 777_777));
        assertEquals(0, curl("-C", "-", "-o", partial.toString(), base + "in/upload.bin"));
        assertEquals(sha256(data), sha256(Files.readAllBytes(partial)), "curl resumed with REST + RETR");
    }

    private static int curl(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "60"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(90, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return process.exitValue();
    }

    @Test
    void quotasAreCountedAndAnUploadOverTheQuotaLeavesNoObject() throws IOException {
        FTPClient client = login("quinn", new AccountLimits(0, 1_000_000, 0, 0, 0, 0, 0));
        try {
            byte[] first = random(600_000, 5);
            assertTrue(client.storeFile("first.bin", new ByteArrayInputStream(first)), client.getReplyString());
            assertEquals("1 600000", new String(object("quinn/.ftpquota"), StandardCharsets.US_ASCII).strip());
            int reply;
            try {
                client.storeFile("second.bin", new ByteArrayInputStream(random(600_000, 6)));
                reply = client.getReplyCode();
            } catch (IOException cutOff) {
                reply = client.getReply();
            }
            assertEquals(552, reply, client.getReplyString());
            assertEquals(List.of("quinn/", "quinn/.ftpquota", "quinn/first.bin"), keys("quinn/"));
            assertEquals("1 600000", new String(object("quinn/.ftpquota"), StandardCharsets.US_ASCII).strip());
            assertTrue(client.deleteFile("first.bin"));
            assertEquals("0 0", new String(object("quinn/.ftpquota"), StandardCharsets.US_ASCII).strip());
        } finally {
            client.disconnect();
        }
    }

    @Test
    void aCutUploadIsNeverVisibleAndLeavesNoObjectNorMultipartUpload() throws Exception {
        FTPClient client = login("cora", AccountLimits.NONE);
        try {
            assertEquals(227, client.pasv(), client.getReplyString());
            String reply = client.getReplyString();
            String[] numbers = reply.substring(reply.indexOf('(') + 1, reply.indexOf(')')).split(",");
            int port = Integer.parseInt(numbers[4].strip()) * 256 + Integer.parseInt(numbers[5].strip());
            try (Socket data = new Socket()) {
                data.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                client.sendCommand("STOR cut.bin");
                assertEquals(150, client.getReplyCode(), client.getReplyString());
                OutputStream out = data.getOutputStream();
                out.write(random(2 * PART + 1000, 7)); // two parts sent, the rest buffered
                out.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (pendingUploads("cora/") < 1) {
                    assertTrue(System.nanoTime() < deadline, "the parts never reached S3");
                    Thread.sleep(20);
                }
                assertEquals(List.of(), visibleUnder("cora/"), "nothing is visible while the upload runs");
                data.setSoLinger(true, 0); // a reset, not an end of file
            }
            int code = client.getReply();
            assertTrue(code == 426 || code == 451, client.getReplyString());
            assertEquals(List.of(), visibleUnder("cora/"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pendingUploads("cora/") != 0) {
                assertTrue(System.nanoTime() < deadline, "the multipart upload was not aborted");
                Thread.sleep(20);
            }
        } finally {
            client.disconnect();
        }
    }

    /**
     * The objects under the prefix (one page, the prefix's own marker left out by S3Proxy): S3Proxy cannot page
     * through a bucket while a multipart upload is in progress in it.
     */
    private static List<String> visibleUnder(String prefix) {
        return s3.admin().listObjectsV2(request -> request.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    /** Multipart uploads in progress under the prefix, or -1 while S3Proxy cannot list them (a part arriving). */
    private static int pendingUploads(String prefix) {
        try {
            return s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix(prefix)).uploads().size();
        } catch (software.amazon.awssdk.services.s3.model.S3Exception busy) {
            return -1;
        }
    }

    /** An endless deterministic stream whose SHA-256 is known once read. */
    static final class GeneratedInput extends InputStream {
        private final Random random;
        private final MessageDigest digest;
        private long left;

        GeneratedInput(long size, long seed) throws NoSuchAlgorithmException {
            random = new Random(seed);
            digest = MessageDigest.getInstance("SHA-256");
            left = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left == 0) {
                return -1;
            }
            int count = (int) Math.min(length, left);
            byte[] chunk = new byte[count];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, buffer, offset, count);
            digest.update(chunk);
            left -= count;
            return count;
        }

        String sha256() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
