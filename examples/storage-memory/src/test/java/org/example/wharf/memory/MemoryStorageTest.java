package org.example.wharf.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageFullException;
import dev.wharf.api.storage.WriteMode;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example provider through the storage SPI alone, as the core uses it. */
@Timeout(10)
class MemoryStorageTest {

    private static final Account ALICE = served(new Account("alice", "/srv/alice", 1000, 1000, AccountLimits.NONE));
    private static final Account BOB = served(new Account("bob", "/srv/bob", 1001, 1001, AccountLimits.NONE));

    /** The account naming this provider as its storage, as its backend would. */
    private static Account served(Account account) {
        return account.withAttributes(Map.of("storage", "memory"));
    }

    private static MemoryStorageProvider provider(long maxBytes) {
        MemoryStorageProvider provider = new MemoryStorageProvider();
        provider.activate(new MemoryStorageProvider.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return MemoryStorageProvider.Config.class;
            }

            @Override
            public String wharf_storage_name() {
                return "memory";
            }

            @Override
            public long max_bytes() {
                return maxBytes;
            }

            @Override
            public String[] capabilities() {
                return new String[] {"APPEND", "RESUME", "SET_TIMES"};
            }
        });
        return provider;
    }

    private static Storage open(MemoryStorageProvider provider, Account account) throws IOException {
        return provider.open(account, Identity.of(account));
    }

    private final MemoryStorageProvider provider = provider(1 << 20);

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static void write(SeekableByteChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void upload(Storage storage, String path, byte[] bytes) throws IOException {
        try (PendingUpload upload = storage.startUpload(path, 0644)) {
            write(upload.channel(), bytes);
            upload.commit(path.substring(path.lastIndexOf('/') + 1), true);
        }
    }

    private static byte[] read(Storage storage, String path) throws IOException {
        try (ReadFile file = storage.openRead(path)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) file.info().size() + 1);
            while (file.channel().read(buffer) >= 0) {
                assertTrue(buffer.position() <= file.info().size(), "no more than the size");
            }
            return java.util.Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    private static List<String> names(Storage storage, String path) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryListing listing = storage.list(path)) {
            for (DirectoryEntry entry : listing) {
                names.add(entry.name());
            }
        }
        return names;
    }

    private static long used(Storage storage) throws IOException {
        return storage.space("/").total() - storage.space("/").usable();
    }

    @Test
    void filesAndDirectoriesFromMkdirToRmdir() throws IOException {
        Storage storage = open(provider, ALICE);
        byte[] data = random(100_000, 1);
        storage.mkdir("/docs", 0755);
        upload(storage, "/docs/a.bin", data);

        FileInfo info = storage.stat("/docs/a.bin");
        assertTrue(info.isFile());
        assertEquals(data.length, info.size());
        assertTrue(storage.stat("/docs").isDirectory());
        assertArrayEquals(data, read(storage, "/docs/a.bin"));
        try (DirectoryListing listing = storage.list("/docs")) {
            DirectoryEntry entry = listing.iterator().next();
            assertEquals("a.bin", entry.name());
            assertEquals(data.length, entry.info().size());
        }

        storage.rename("/docs/a.bin", "/docs/b.bin", false);
        assertNull(storage.lstatIfExists("/docs/a.bin"));
        assertArrayEquals(data, read(storage, "/docs/b.bin"));
        storage.delete("/docs/b.bin");
        assertEquals(List.of(), names(storage, "/docs"));
        storage.rmdir("/docs");
        assertEquals(List.of(), names(storage, "/"));
        assertEquals(0, used(storage), "deleting gave the room back");
    }

    @Test
    void listingsAreSortedAndShowSizesAndTimes() throws IOException {
        Storage storage = open(provider, ALICE);
        upload(storage, "/b.txt", "bb".getBytes(StandardCharsets.US_ASCII));
        upload(storage, "/a.txt", "a".getBytes(StandardCharsets.US_ASCII));
        storage.mkdir("/c", 0755);
        assertEquals(List.of("a.txt", "b.txt", "c"), names(storage, "/"));
        Instant time = Instant.parse("2020-02-02T20:20:20Z");
        storage.setModified("/b.txt", time);
        assertEquals(time, storage.stat("/b.txt").modified());
        assertEquals(2, storage.stat("/b.txt").size());
        assertNotEquals(storage.stat("/a.txt").uniqueId(), storage.stat("/b.txt").uniqueId());
    }

    @Test
    void anUploadIsInvisibleUntilCommittedAndDiscardedWhenClosedWithout() throws IOException {
        Storage storage = open(provider, ALICE);
        PendingUpload upload = storage.startUpload("/file.bin", 0644);
        write(upload.channel(), random(5000, 2));
        assertEquals(5000, upload.size());
        assertNull(storage.lstatIfExists("/file.bin"));
        assertEquals(List.of(), names(storage, "/"));
        upload.close();
        assertEquals(5000, upload.size(), "the size is kept after close");
        assertNull(storage.lstatIfExists("/file.bin"));
        assertEquals(0, used(storage), "a discarded upload gives its room back");
    }

    @Test
    void aRefusedCommitLeavesTheUploadToCommitUnderAnotherName() throws IOException {
        Storage storage = open(provider, ALICE);
        byte[] old = "old".getBytes(StandardCharsets.US_ASCII);
        upload(storage, "/taken", old);
        storage.mkdir("/dir", 0755);
        byte[] fresh = random(3000, 3);
        try (PendingUpload upload = storage.startUpload("/taken", 0644)) {
            write(upload.channel(), fresh);
            assertThrows(FileAlreadyExistsException.class, () -> upload.commit("taken", false));
            FileSystemException directory = assertThrows(FileSystemException.class, () -> upload.commit("dir", true));
            assertEquals("Is a directory", directory.getReason());
            assertThrows(AccessDeniedException.class, () -> upload.commit("../x", true));
            upload.commit("taken.1", false);
            assertThrows(IOException.class, () -> upload.commit("again", false), "committed once only");
        }
        assertArrayEquals(old, read(storage, "/taken"));
        assertArrayEquals(fresh, read(storage, "/taken.1"));
        assertEquals(old.length + fresh.length, used(storage));
    }

    @Test
    void aReplacedFileKeepsItsBytesForTheReaderThatOpenedIt() throws IOException {
        Storage storage = open(provider, ALICE);
        byte[] first = random(70_000, 4);
        byte[] second = random(30_000, 5);
        upload(storage, "/f", first);
        try (ReadFile reading = storage.openRead("/f")) {
            upload(storage, "/f", second);
            ByteBuffer buffer = ByteBuffer.allocate(first.length);
            while (buffer.hasRemaining() && reading.channel().read(buffer) >= 0) {
                // reads until the end of the opened bytes
            }
            assertArrayEquals(first, buffer.array());
        }
        assertArrayEquals(second, read(storage, "/f"));
        assertEquals(second.length, used(storage), "the replaced bytes were given back");
    }

    @Test
    void aFullStorageRefusesWritesAndGetsRoomBackFromDeletes() throws IOException {
        MemoryStorageProvider small = provider(1000);
        Storage storage = open(small, ALICE);
        Storage other = open(small, BOB);
        upload(storage, "/a", random(600, 6));
        assertEquals(400, storage.space("/").usable());
        try (PendingUpload upload = other.startUpload("/b", 0644)) {
            write(upload.channel(), random(400, 7));
            assertThrows(StorageFullException.class, () -> upload.channel().write(ByteBuffer.allocate(1)),
                    "the room is shared by all accounts");
            assertEquals(400, upload.size(), "the refused write wrote nothing");
        }
        assertNull(other.lstatIfExists("/b"));
        assertEquals(600, used(storage));
        storage.delete("/a");
        assertEquals(1000, storage.space("/").usable());
        upload(other, "/b", random(1000, 8));
        assertEquals(1000, other.stat("/b").size());
    }

    @Test
    void writesInPlaceAppendResumeAndUpdate() throws IOException {
        Storage storage = open(provider, ALICE);
        upload(storage, "/log", "one\n".getBytes(StandardCharsets.US_ASCII));
        try (SeekableByteChannel append = storage.openWrite("/log", WriteMode.APPEND, 0, 0644)) {
            write(append, "two\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("one\ntwo\n", new String(read(storage, "/log"), StandardCharsets.US_ASCII));

        try (SeekableByteChannel resume = storage.openWrite("/log", WriteMode.AT_OFFSET, 4, 0644)) {
            assertEquals(4, resume.position());
            assertEquals(4, resume.size(), "cut at the offset");
            write(resume, "TWO".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("one\nTWO", new String(read(storage, "/log"), StandardCharsets.US_ASCII));
        assertThrows(NoSuchFileException.class, () -> storage.openWrite("/missing", WriteMode.AT_OFFSET, 0, 0644));

        try (SeekableByteChannel update = storage.openWrite("/quota", WriteMode.UPDATE, 0, 0644)) {
            write(update, "1 100\n".getBytes(StandardCharsets.US_ASCII));
        }
        try (SeekableByteChannel update = storage.openWrite("/quota", WriteMode.UPDATE, 0, 0644)) {
            ByteBuffer existing = ByteBuffer.allocate(16);
            assertEquals(6, update.read(existing));
            update.position(0).truncate(0);
            write(update, "2 7\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertEquals("2 7\n", new String(read(storage, "/quota"), StandardCharsets.US_ASCII));
        assertEquals(7 + 4, used(storage));

        try (SeekableByteChannel append = storage.openWrite("/log", WriteMode.APPEND, 0, 0644)) {
            storage.delete("/log");
            write(append, "three".getBytes(StandardCharsets.US_ASCII));
        }
        assertNull(storage.lstatIfExists("/log"), "a writer on a deleted file does not bring it back");
        assertEquals(4, used(storage), "and its bytes are given back");
    }

    @Test
    void failuresAreTheJavaNioFileExceptions() throws IOException {
        Storage storage = open(provider, ALICE);
        upload(storage, "/file", new byte[1]);
        storage.mkdir("/dir", 0755);
        upload(storage, "/dir/inner", new byte[1]);

        assertThrows(NoSuchFileException.class, () -> storage.stat("/missing"));
        assertThrows(NoSuchFileException.class, () -> storage.lstatIfExists("/missing/x"));
        assertThrows(NotDirectoryException.class, () -> storage.lstatIfExists("/file/x"));
        assertNull(storage.lstatIfExists("/dir/free"));
        assertThrows(FileAlreadyExistsException.class, () -> storage.mkdir("/dir", 0755));
        assertThrows(NoSuchFileException.class, () -> storage.mkdir("/missing/dir", 0755));
        assertThrows(DirectoryNotEmptyException.class, () -> storage.rmdir("/dir"));
        assertThrows(NotDirectoryException.class, () -> storage.rmdir("/file"));
        assertThrows(NotDirectoryException.class, () -> storage.list("/file"));
        assertEquals("Is a directory", assertThrows(FileSystemException.class,
                () -> storage.delete("/dir")).getReason());
        assertEquals("Is a directory", assertThrows(FileSystemException.class,
                () -> storage.openRead("/dir")).getReason());
        assertThrows(NoSuchFileException.class, () -> storage.delete("/missing"));
        assertThrows(FileAlreadyExistsException.class, () -> storage.rename("/file", "/dir/inner", false));
        assertEquals("Is a directory", assertThrows(FileSystemException.class,
                () -> storage.rename("/file", "/dir", true)).getReason());
        assertThrows(NotDirectoryException.class, () -> storage.rename("/dir", "/file", true));
        assertEquals("Invalid argument", assertThrows(FileSystemException.class,
                () -> storage.rename("/dir", "/dir/sub", false)).getReason());
        assertThrows(NoSuchFileException.class, () -> storage.rename("/missing", "/x", false));
        assertThrows(AccessDeniedException.class, () -> storage.rmdir("/"));
        // nothing changed on the way
        assertEquals(List.of("dir", "file"), names(storage, "/"));
        assertEquals(List.of("inner"), names(storage, "/dir"));
    }

    @Test
    void aDirectoryMovesWithEverythingInIt() throws IOException {
        Storage storage = open(provider, ALICE);
        storage.mkdir("/a", 0755);
        storage.mkdir("/a/b", 0755);
        byte[] data = random(10, 9);
        upload(storage, "/a/b/c", data);
        storage.mkdir("/empty", 0755);
        storage.rename("/a", "/empty", true);
        assertArrayEquals(data, read(storage, "/empty/b/c"));
        assertNull(storage.lstatIfExists("/a"));
    }

    @Test
    void pathsThatAreNotBelowTheRootAreRefused() throws IOException {
        Storage storage = open(provider, ALICE);
        for (String path : List.of("/../bob", "/a/../..", "/./x", "relative", "//x", "/x/")) {
            assertThrows(AccessDeniedException.class, () -> storage.stat(path), path);
            assertThrows(AccessDeniedException.class, () -> storage.mkdir(path, 0755), path);
        }
    }

    @Test
    void accountsHaveTheirOwnFilesAndSessionsOfOneAccountShareThem() throws IOException {
        Storage alice = open(provider, ALICE);
        Storage aliceAgain = open(provider, ALICE);
        Storage bob = open(provider, BOB);
        upload(alice, "/mine", new byte[3]);
        assertEquals(3, aliceAgain.stat("/mine").size());
        assertNull(bob.lstatIfExists("/mine"));
        assertEquals(alice.key(), aliceAgain.key());
        assertNotEquals(alice.key(), bob.key());
        assertNull(alice.localPath("/mine"));
        assertEquals(1000, alice.stat("/mine").uid());
    }

    @Test
    void theStartDirectoryOfAChrootedHomeIsMade() throws IOException {
        Account joe = served(new Account("joe", "/srv/ftp/./joe", 1002, 1002, AccountLimits.NONE));
        Storage storage = open(provider, joe);
        assertTrue(storage.stat("/joe").isDirectory());
    }

    @Test
    void onlyTheDeclaredCapabilitiesAndTheOthersThrow() throws IOException {
        Storage storage = open(provider, ALICE);
        assertEquals(Set.of(StorageCapability.APPEND, StorageCapability.RESUME, StorageCapability.SET_TIMES),
                storage.capabilities());
        assertFalse(storage.can(StorageCapability.POSIX_PERMISSIONS));
        upload(storage, "/f", new byte[1]);
        assertThrows(UnsupportedOperationException.class, () -> storage.chmod("/f", 0600));
        assertThrows(UnsupportedOperationException.class, () -> storage.readLink("/f"));
        assertEquals(0644, storage.stat("/f").mode());
    }

    @Test
    void aClosedStorageRefusesWorkButOpenChannelsGoOn() throws IOException {
        Storage storage = open(provider, ALICE);
        byte[] data = random(2000, 10);
        upload(storage, "/f", data);
        ReadFile reading = storage.openRead("/f");
        storage.close();
        assertThrows(IOException.class, () -> storage.stat("/f"));
        ByteBuffer buffer = ByteBuffer.allocate(data.length);
        while (buffer.hasRemaining() && reading.channel().read(buffer) >= 0) {
            // the download goes on after the session's storage is closed
        }
        reading.close();
        assertArrayEquals(data, buffer.array());
    }

    @Test
    void accountsThatDoNotNameTheProviderAreRefused() {
        Account unnamed = new Account("dave", "/srv/dave", 1003, 1003, AccountLimits.NONE);
        assertThrows(IOException.class, () -> open(provider, unnamed), "chosen by ranking only");
        Account other = unnamed.withAttributes(Map.of("storage", "local"));
        assertThrows(IOException.class, () -> open(provider, other));
    }

    @Test
    void aMaximumBelowOneByteIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> provider(0));
    }

    @Test
    void aStorageConfiguredWithFewerCapabilitiesDeclaresAndDoesOnlyThose() throws IOException {
        MemoryStorageProvider plain = new MemoryStorageProvider("memory", 1 << 20, Set.of());
        Storage storage = open(plain, ALICE);
        assertEquals(Set.of(), storage.capabilities());
        try (SeekableByteChannel out = storage.openWrite("/f", WriteMode.UPDATE, 0, 0644)) {
            out.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        assertThrows(UnsupportedOperationException.class, () -> storage.openWrite("/f", WriteMode.APPEND, 0, 0644));
        assertThrows(UnsupportedOperationException.class,
                () -> storage.openWrite("/f", WriteMode.AT_OFFSET, 1, 0644));
        assertThrows(UnsupportedOperationException.class, () -> storage.setModified("/f", Instant.EPOCH));
        assertEquals(3, storage.stat("/f").size(), "nothing refused changed the file");

        Storage appending = open(new MemoryStorageProvider("memory", 1 << 20, Set.of(StorageCapability.APPEND)), ALICE);
        assertEquals(Set.of(StorageCapability.APPEND), appending.capabilities());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new MemoryStorageProvider("memory", 1 << 20, Set.of(StorageCapability.ZERO_COPY)));
        assertTrue(unknown.getMessage().contains("ZERO_COPY"), unknown.getMessage());
    }
}
