package dev.wharf.storage.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.WriteMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The storage SPI on a real S3-compatible server: what the objects in the bucket are after each operation. */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class S3StorageTest {

    private static final String BUCKET = "wharf-spi";
    private static final int PART = 5 << 20;
    @TempDir
    static Path directory;
    private static S3ProxyServer s3;
    private static S3StorageProvider provider;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start(directory);
        s3.createBucket(BUCKET);
        provider = TestConfigs.provider(s3, BUCKET, Map.of("part_size_mb", 5));
        provider.multipartCopyThreshold = 6L << 20;
    }

    @AfterAll
    static void stop() throws Exception {
        if (provider != null) {
            provider.deactivate();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static Storage open(String user) throws IOException {
        Account account = new Account(user, "/s3/" + user, 1000, 1000, AccountLimits.NONE);
        return provider.open(account, Identity.of(account));
    }

    private static List<String> keys(String prefix) {
        // the whole bucket: S3Proxy leaves a key equal to the prefix out of prefixed listings
        return s3.admin().listObjectsV2Paginator(request -> request.bucket(BUCKET)).contents().stream()
                .map(S3Object::key).filter(key -> key.startsWith(prefix)).sorted().toList();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void write(PendingUpload upload, byte[] data) throws IOException {
        try (SeekableByteChannel channel = upload.channel()) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                int end = Math.min(buffer.limit(), buffer.position() + 65536);
                channel.write(buffer.slice(buffer.position(), end - buffer.position()));
                buffer.position(end);
            }
        }
    }

    private static byte[] read(Storage storage, String path, long from) throws IOException {
        try (ReadFile file = storage.openRead(path)) {
            file.channel().position(from);
            return Channels.newInputStream(file.channel()).readAllBytes();
        }
    }

    @Test
    void loginCreatesTheRootMarkerAndDirectoriesAreMarkers() throws IOException {
        try (Storage storage = open("dora")) {
            assertEquals(List.of("dora/"), keys("dora/"));
            assertTrue(storage.stat("/").isDirectory());
            storage.mkdir("/empty", 0755);
            assertEquals(List.of("dora/", "dora/empty/"), keys("dora/"));
            assertTrue(storage.stat("/empty").isDirectory());
            assertThrows(FileAlreadyExistsException.class, () -> storage.mkdir("/empty", 0755));
            assertThrows(NoSuchFileException.class, () -> storage.mkdir("/missing/sub", 0755));
            try (DirectoryListing listing = storage.list("/")) {
                List<String> names = new ArrayList<>();
                listing.forEach(entry -> names.add(entry.name() + (entry.info().isDirectory() ? "/" : "")));
                assertEquals(List.of("empty/"), names);
            }
            assertNull(storage.lstatIfExists("/empty/nothing"));
            assertThrows(NoSuchFileException.class, () -> storage.lstatIfExists("/missing/nothing"));
            storage.rmdir("/empty");
            assertEquals(List.of("dora/"), keys("dora/"));
        }
    }

    @Test
    void aSmallUploadIsOnePutAtTheCommitAndInvisibleBefore() throws IOException {
        try (Storage storage = open("sam")) {
            byte[] data = random(100_000, 1);
            try (PendingUpload upload = storage.startUpload("/small.bin", 0644)) {
                write(upload, data);
                assertEquals(List.of("sam/"), keys("sam/"), "nothing is visible before the commit");
                upload.commit("small.bin", false);
            }
            assertEquals(List.of("sam/", "sam/small.bin"), keys("sam/"));
            FileInfo info = storage.stat("/small.bin");
            assertEquals(100_000, info.size());
            assertArrayEquals(data, read(storage, "/small.bin", 0));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 70_000, data.length),
                    read(storage, "/small.bin", 70_000));
            try (PendingUpload again = storage.startUpload("/small.bin", 0644)) {
                write(again, random(10, 2));
                assertThrows(FileAlreadyExistsException.class, () -> again.commit("small.bin", false));
            }
            assertArrayEquals(data, read(storage, "/small.bin", 0), "a refused commit leaves the old file");
        }
    }

    @Test
    void aLargeUploadGoesInPartsWithOneBoundedBufferAndAppearsWholeAtTheCommit() throws IOException {
        try (Storage storage = open("lara")) {
            byte[] data = random(3 * PART + 12345, 3);
            S3Upload upload = (S3Upload) storage.startUpload("/large.bin", 0644);
            try (upload) {
                SeekableByteChannel channel = upload.channel();
                int largestBuffer = 0;
                for (int at = 0; at < data.length; at += 100_000) {
                    channel.write(ByteBuffer.wrap(data, at, Math.min(100_000, data.length - at)));
                    largestBuffer = Math.max(largestBuffer, upload.bufferCapacity());
                }
                channel.close();
                assertTrue(largestBuffer <= PART, "an upload holds at most one part: " + largestBuffer);
                assertEquals(1, s3.admin().listMultipartUploads(request -> request.bucket(BUCKET)
                        .prefix("lara/")).uploads().size(), "the parts went out as a multipart upload");
                assertEquals(List.of("lara/"), keys("lara/"), "the file is invisible until the commit");
                upload.commit("large.bin", true);
            }
            assertEquals(List.of("lara/", "lara/large.bin"), keys("lara/"));
            assertEquals(data.length, storage.stat("/large.bin").size());
            assertArrayEquals(data, read(storage, "/large.bin", 0));
            assertTrue(s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix("lara/")).uploads()
                    .isEmpty());
        }
    }

    @Test
    void anUploadClosedWithoutCommitLeavesNoObjectAndNoParts() throws IOException {
        try (Storage storage = open("carl")) {
            try (PendingUpload upload = storage.startUpload("/cut.bin", 0644)) {
                write(upload, random(2 * PART + 1, 4));
                assertEquals(1, s3.admin().listMultipartUploads(request -> request.bucket(BUCKET)
                        .prefix("carl/")).uploads().size());
            }
            assertEquals(List.of("carl/"), keys("carl/"));
            assertTrue(s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix("carl/")).uploads()
                    .isEmpty(), "the multipart upload was aborted");
        }
    }

    @Test
    void renamesCopyOnTheServerFilesDirectoriesAndLargeObjectsInParts() throws IOException {
        try (Storage storage = open("rita")) {
            storage.mkdir("/dir", 0755);
            storage.mkdir("/dir/sub", 0755);
            byte[] small = random(1000, 5);
            byte[] big = random(2 * PART + 7, 6); // above the lowered multipart-copy threshold
            try (PendingUpload upload = storage.startUpload("/dir/sub/a.txt", 0644)) {
                write(upload, small);
                upload.commit("a.txt", false);
            }
            try (PendingUpload upload = storage.startUpload("/dir/big.bin", 0644)) {
                write(upload, big);
                upload.commit("big.bin", false);
            }
            storage.rename("/dir/big.bin", "/big-moved.bin", false);
            assertArrayEquals(big, read(storage, "/big-moved.bin", 0));
            storage.rename("/dir", "/renamed", false);
            assertEquals(List.of("rita/", "rita/big-moved.bin", "rita/renamed/", "rita/renamed/sub/",
                    "rita/renamed/sub/a.txt"), keys("rita/"));
            assertArrayEquals(small, read(storage, "/renamed/sub/a.txt", 0));
            storage.mkdir("/other", 0755);
            assertThrows(FileAlreadyExistsException.class, () -> storage.rename("/renamed", "/other", false));
            assertThrows(java.nio.file.FileSystemException.class,
                    () -> storage.rename("/renamed", "/renamed/sub/inside", false));
            assertThrows(DirectoryNotEmptyException.class, () -> storage.rmdir("/renamed"));
            assertThrows(NotDirectoryException.class, () -> storage.list("/big-moved.bin"));
            storage.delete("/renamed/sub/a.txt");
            assertEquals(List.of("rita/renamed/", "rita/renamed/sub/"), keys("rita/renamed/"),
                    "emptied directories stay");
        }
    }

    @Test
    void listingsCrossPagesOfAThousandKeys() throws IOException {
        try (Storage storage = open("paul")) {
            storage.mkdir("/many", 0755);
            java.util.stream.IntStream.range(0, 1105).parallel().forEach(index -> s3.admin().putObject(request ->
                    request.bucket(BUCKET).key("paul/many/f" + index), software.amazon.awssdk.core.sync.RequestBody
                    .fromString("x".repeat(index % 7))));
            List<DirectoryEntry> entries = new ArrayList<>();
            try (DirectoryListing listing = storage.list("/many")) {
                listing.forEach(entries::add);
            }
            assertEquals(1105, entries.size());
            assertEquals(1105, entries.stream().map(DirectoryEntry::name).distinct().count());
            assertEquals(6, entries.stream().filter(entry -> entry.name().equals("f1000")).findFirst().orElseThrow()
                    .info().size());
        }
    }

    @Test
    void theQuotaFileIsReadAndRewrittenWhole() throws IOException {
        try (Storage storage = open("quinn")) {
            try (SeekableByteChannel file = storage.openWrite("/.ftpquota", WriteMode.UPDATE, 0, 0600)) {
                file.write(ByteBuffer.wrap("12 3456\n".getBytes()));
            }
            try (SeekableByteChannel file = storage.openWrite("/.ftpquota", WriteMode.UPDATE, 0, 0600)) {
                ByteBuffer content = ByteBuffer.allocate(64);
                file.read(content);
                assertEquals("12 3456\n", new String(content.array(), 0, content.position()));
                file.truncate(0);
                file.position(0);
                file.write(ByteBuffer.wrap("1 2\n".getBytes()));
            }
            assertEquals("1 2\n", s3.admin().getObjectAsBytes(request -> request.bucket(BUCKET)
                    .key("quinn/.ftpquota")).asUtf8String());
            assertThrows(UnsupportedOperationException.class,
                    () -> storage.openWrite("/.ftpquota", WriteMode.APPEND, 0, 0600));
            assertTrue(storage.capabilities().isEmpty());
        }
    }

    @Test
    void staleMultipartUploadsUnderThePrefixAreAborted() throws IOException {
        try (Storage storage = open("stan")) {
            String mine = s3.admin().createMultipartUpload(request -> request.bucket(BUCKET).key("stan/left.bin"))
                    .uploadId();
            String others = s3.admin().createMultipartUpload(request -> request.bucket(BUCKET).key("other/x.bin"))
                    .uploadId();
            S3StorageProvider.Target target = ((S3Storage) storage).target();
            assertEquals(1, S3StorageProvider.abortStaleUploads(((S3Storage) storage).client(), target,
                    Instant.now().plusSeconds(60)));
            assertTrue(s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix("stan/")).uploads()
                    .isEmpty());
            assertFalse(s3.admin().listMultipartUploads(request -> request.bucket(BUCKET).prefix("other/"))
                    .uploads().isEmpty(), "uploads of other prefixes are left alone");
            s3.admin().abortMultipartUpload(request -> request.bucket(BUCKET).key("other/x.bin").uploadId(others));
            assertFalse(mine.isEmpty());
        }
    }

    @Test
    void aSessionKeepsItsStorageWhenTheProviderGoesAwayAndTheClientClosesWithIt() throws IOException {
        S3StorageProvider leaving = TestConfigs.provider(s3, BUCKET, Map.of());
        Account account = new Account("gwen", "/s3/gwen", 1000, 1000, AccountLimits.NONE);
        Storage storage = leaving.open(account, Identity.of(account));
        SharedClient shared = ((S3Storage) storage).sharedClient();
        leaving.deactivate();
        storage.mkdir("/after", 0755);
        assertEquals(List.of("gwen/", "gwen/after/"), keys("gwen/"));
        assertFalse(shared.isClosed(), "in use by the session");
        storage.close();
        assertTrue(shared.isClosed(), "closed with its last session");
    }

    @Test
    void accountAttributesOverrideBucketAndPrefix() throws IOException {
        s3.createBucket("wharf-other");
        Account account = new Account("olga", "/s3/olga", 1000, 1000, AccountLimits.NONE, null,
                Map.of(S3StorageProvider.BUCKET, "wharf-other", S3StorageProvider.PREFIX, "tenants/{user}/home"));
        try (Storage storage = provider.open(account, Identity.of(account))) {
            storage.mkdir("/docs", 0755);
        }
        assertEquals(List.of("tenants/olga/home/", "tenants/olga/home/docs/"), s3.admin()
                .listObjectsV2(request -> request.bucket("wharf-other")).contents().stream().map(S3Object::key)
                .sorted().toList());
    }
}
