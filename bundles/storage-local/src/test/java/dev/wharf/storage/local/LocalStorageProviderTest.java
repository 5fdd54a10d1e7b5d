package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.FileNames;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.WriteMode;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class LocalStorageProviderTest {

    @TempDir
    Path dir;

    /** A provider as one service user (whoever runs the tests): these tests are about paths, not owners. */
    private static LocalStorageProvider provider() {
        LocalStorageProvider provider = new LocalStorageProvider();
        provider.configure(config(true, "server"));
        return provider;
    }

    private Storage open(String home) throws IOException {
        Account account = new Account("joe", home, 1000, 1000, AccountLimits.NONE);
        return provider().open(account, Identity.of(account));
    }

    @Test
    void chrootMarkerSplitsRootAndStartDirectory() throws IOException {
        try (Storage storage = open(dir + "/ftp/./joe")) {
            assertEquals(dir.resolve("ftp").toRealPath(), storage.localPath("/"));
            assertTrue(Files.isDirectory(dir.resolve("ftp/joe")), "start directory created");
            assertTrue(storage.stat("/joe").isDirectory());
            assertTrue(storage.can(StorageCapability.ZERO_COPY));
        }
    }

    @Test
    void partialUploadsAreKeptUntilTheyExpireAndTheQuotaIsThenCountedAgain() throws IOException {
        Path home = Files.createDirectories(dir.resolve("partials"));
        Path sub = Files.createDirectories(home.resolve("sub"));
        Path fresh = Files.write(home.resolve(FileNames.PARTIAL_UPLOAD_PREFIX + "fresh.bin"), new byte[10]);
        Path old = Files.write(sub.resolve(FileNames.PARTIAL_UPLOAD_PREFIX + "old.bin"), new byte[20]);
        Path temporary = Files.write(home.resolve(LocalStorage.UPLOAD_PREFIX + "0123"), new byte[5]);
        Path quota = Files.writeString(home.resolve(".ftpquota"), "2 30\n");
        Instant longAgo = Instant.now().minus(java.time.Duration.ofHours(25));
        for (Path file : java.util.List.of(old, temporary)) {
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(longAgo));
        }
        Account account = new Account("joe", home.toString(), 1000, 1000, AccountLimits.NONE);
        LocalStorageProvider provider = provider();
        provider.open(account, Identity.of(account)).close();

        assertTrue(Files.exists(fresh), "a partial younger than partial.uploads.max.hours (24) is kept");
        assertFalse(Files.exists(old), "one unchanged for 25 hours is removed");
        assertFalse(Files.exists(temporary), "a temporary upload file from before the start is removed");
        assertFalse(Files.exists(quota), "the quota file goes, to be counted again without the removed partial");

        // within the hour no new sweep: a partial that expires meanwhile waits for the next one
        Files.setLastModifiedTime(fresh, java.nio.file.attribute.FileTime.from(longAgo));
        provider.open(account, Identity.of(account)).close();
        assertTrue(Files.exists(fresh));
    }

    @Test
    void missingHomeIsAnErrorWhenCreationIsOff() {
        LocalStorageProvider provider = new LocalStorageProvider();
        provider.configure(config(false, "server"));
        Account account = new Account("joe", dir + "/absent", 1000, 1000, AccountLimits.NONE);

        assertThrows(NoSuchFileException.class, () -> provider.open(account, Identity.of(account)));
        assertTrue(Files.notExists(dir.resolve("absent")));
    }

    @Test
    void aKernelWithoutOpenat2IsAClearStartError() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new LocalStorageProvider(() -> Linux.ENOSYS));
        assertTrue(refused.getMessage().contains("Linux 5.6"), refused.getMessage());
    }

    @Test
    void filesAreWrittenReadListedRenamedAndDeletedBelowTheRoot() throws IOException {
        Path root = Files.createDirectories(dir.resolve("home"));
        try (Storage storage = open(root.toString())) {
            storage.mkdir("/d", 0750);
            assertEquals(0750, storage.stat("/d").mode());
            try (PendingUpload upload = storage.startUpload("/d/f", 0640)) {
                upload.channel().write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
                assertNull(storage.lstatIfExists("/d/f"), "invisible before commit");
                upload.commit("f", false);
            }
            assertEquals("hello", Files.readString(root.resolve("d/f")));
            assertEquals(0640, storage.stat("/d/f").mode());
            try (ReadFile read = storage.openRead("/d/f")) {
                assertTrue(read.channel() instanceof FileChannel);
                assertEquals(5, read.info().size());
            }
            try (SeekableByteChannel append = storage.openWrite("/d/f", WriteMode.APPEND, 0, 0644)) {
                append.write(ByteBuffer.wrap("!".getBytes(StandardCharsets.US_ASCII)));
            }
            assertEquals("hello!", Files.readString(root.resolve("d/f")));
            try (SeekableByteChannel resume = storage.openWrite("/d/f", WriteMode.AT_OFFSET, 2, 0644)) {
                resume.write(ByteBuffer.wrap("LP".getBytes(StandardCharsets.US_ASCII)));
            }
            assertEquals("heLP", Files.readString(root.resolve("d/f")));
            Map<String, Long> listed = new HashMap<>();
            try (DirectoryListing listing = storage.list("/d")) {
                for (DirectoryEntry entry : listing) {
                    listed.put(entry.name(), entry.info().size());
                }
            }
            assertEquals(Map.of("f", 4L), listed);
            storage.setModified("/d/f", Instant.parse("2020-01-02T03:04:05Z"));
            assertEquals(Instant.parse("2020-01-02T03:04:05Z"), storage.stat("/d/f").modified());
            storage.chmod("/d/f", 0600);
            assertEquals(0600, storage.stat("/d/f").mode());
            storage.rename("/d/f", "/g", false);
            assertTrue(Files.exists(root.resolve("g")));
            Files.writeString(root.resolve("h"), "x");
            assertThrows(FileAlreadyExistsException.class, () -> storage.rename("/g", "/h", false));
            storage.rename("/g", "/h", true);
            storage.delete("/h");
            storage.rmdir("/d");
            assertEquals(0, Files.list(root).count());
        }
    }

    @Test
    void linksInsideTheRootWorkAndLinksOutsideAreRefused() throws IOException {
        Path root = Files.createDirectories(dir.resolve("home"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.writeString(root.resolve("inside"), "inside");
        Files.createSymbolicLink(root.resolve("ok"), Path.of("inside"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("up"), Path.of("../outside/secret"));
        try (Storage storage = open(root.toString())) {
            try (ReadFile read = storage.openRead("/ok")) {
                assertEquals(6, read.info().size());
            }
            assertEquals("inside", storage.readLink("/ok"));
            assertThrows(AccessDeniedException.class, () -> storage.openRead("/out/secret"));
            assertThrows(AccessDeniedException.class, () -> storage.openRead("/up"));
            assertThrows(AccessDeniedException.class, () -> storage.delete("/out/secret"));
            assertThrows(AccessDeniedException.class, () -> storage.startUpload("/out/new", 0644));
            assertThrows(AccessDeniedException.class, () -> storage.rename("/inside", "/out/moved", false));
            assertThrows(FileSystemException.class, () -> storage.openWrite("/up", WriteMode.APPEND, 0, 0644));
            assertEquals("secret", Files.readString(outside.resolve("secret")));
            assertFalse(Files.exists(outside.resolve("new")));
            assertFalse(Files.exists(outside.resolve("moved")));
            storage.delete("/out"); // the link itself
            assertTrue(Files.isDirectory(outside));
        }
    }

    @Test
    void absoluteLinksWorkWhileTheyStayInside() throws IOException {
        Path root = Files.createDirectories(dir.resolve("home")).toRealPath();
        Files.createDirectories(root.resolve("real/deeper"));
        Files.writeString(root.resolve("real/deeper/file.txt"), "fine");
        Files.writeString(dir.resolve("secret"), "secret");
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
        Files.createSymbolicLink(root.resolve("file-link"), root.resolve("real/deeper/file.txt"));
        Files.createSymbolicLink(root.resolve("chain"), root.resolve("alias"));
        Files.createSymbolicLink(root.resolve("out"), dir.resolve("secret"));
        Files.createSymbolicLink(root.resolve("real/lookalike"), Path.of(root + "-other"));
        try (Storage storage = open(root.toString())) {
            try (ReadFile read = storage.openRead("/alias/deeper/file.txt")) {
                assertEquals(4, read.info().size());
            }
            try (ReadFile read = storage.openRead("/file-link")) {
                assertEquals(4, read.info().size());
            }
            assertTrue(storage.stat("/chain/deeper").isDirectory());
            try (PendingUpload upload = storage.startUpload("/alias/deeper/new", 0644)) {
                upload.commit("new", false);
            }
            assertTrue(Files.exists(root.resolve("real/deeper/new")));
            assertThrows(AccessDeniedException.class, () -> storage.openRead("/out"));
            assertThrows(AccessDeniedException.class, () -> storage.stat("/real/lookalike"));
            assertTrue(storage.lstatIfExists("/alias").isSymbolicLink());
        }
    }

    @Test
    void namesAreBytes() throws IOException {
        Path root = Files.createDirectories(dir.resolve("home"));
        byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        String escaped = FileNames.decode(latin1, latin1.length);
        assertEquals("caf\udce9", escaped);
        assertArrayEquals(latin1, FileNames.encode(escaped));
        assertEquals("\u00e9t\u00e9 \ud83d\ude00", FileNames.decode(FileNames.encode("\u00e9t\u00e9 \ud83d\ude00"),
                FileNames.encode("\u00e9t\u00e9 \ud83d\ude00").length));
        try (Storage storage = open(root.toString())) {
            try (PendingUpload upload = storage.startUpload("/" + escaped, 0644)) {
                upload.commit(escaped, false);
            }
            try (DirectoryListing listing = storage.list("/")) {
                assertEquals(escaped, listing.iterator().next().name());
            }
            storage.delete("/" + escaped);
        }
    }

    @Test
    void uploadsLeaveNothingUntilPlacedAndLeftOversOfACrashGoAtTheFirstLogin() throws Exception {
        Path root = Files.createDirectories(dir.resolve("home"));
        Path crashed = Files.writeString(Files.createDirectories(root.resolve("sub")).resolve(".wharf-upload.dead"),
                "cut by kill -9");
        Files.setLastModifiedTime(crashed, java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(5)));
        Path keep = Files.writeString(root.resolve("sub/.wharf-upload-like but not ours"), "kept");
        Account account = new Account("joe", root.toString(), 1000, 1000, AccountLimits.NONE);
        LocalStorageProvider provider = provider();
        try (Storage storage = provider.open(account, Identity.of(account))) {
            assertFalse(Files.exists(crashed), "left-over removed at the first login");
            assertTrue(Files.exists(keep));
            PendingUpload abandoned = storage.startUpload("/sub/new", 0644);
            abandoned.channel().write(ByteBuffer.wrap(new byte[1000]));
            try (var entries = Files.list(root.resolve("sub"))) {
                assertEquals(1, entries.count(), "an upload in progress has no name");
            }
            abandoned.close();
            try (var entries = Files.list(root.resolve("sub"))) {
                assertEquals(1, entries.count(), "nor one after it was dropped");
            }
            try (PendingUpload replacing = storage.startUpload("/sub/new", 0644)) {
                replacing.commit("new", false);
            }
            try (PendingUpload replacing = storage.startUpload("/sub/new", 0644)) {
                replacing.channel().write(ByteBuffer.wrap("second".getBytes(StandardCharsets.US_ASCII)));
                assertThrows(FileAlreadyExistsException.class, () -> replacing.commit("new", false));
            }
            try (PendingUpload replacing = storage.startUpload("/sub/new", 0644)) {
                replacing.channel().write(ByteBuffer.wrap("third".getBytes(StandardCharsets.US_ASCII)));
                replacing.channel().close(); // as the core does once the data connection ended
                assertEquals(5, replacing.size());
                replacing.commit("new", true);
            }
            assertEquals("third", Files.readString(root.resolve("sub/new")));
            try (var entries = Files.list(root.resolve("sub"))) {
                assertEquals(2, entries.count(), "nothing but the files: " + root.resolve("sub"));
            }
        }
    }

    @Test
    void sessionsBelowOneRootShareOneDescriptorAndTheLastClosesIt() throws IOException {
        Path root = Files.createDirectories(dir.resolve("home"));
        Files.writeString(root.resolve("f"), "x");
        Path other = Files.createDirectories(dir.resolve("other"));
        long before = openDescriptors();
        Account account = new Account("joe", root.toString(), 1000, 1000, AccountLimits.NONE);
        Account second = new Account("ann", other.toString(), 1001, 1001, AccountLimits.NONE);
        LocalStorageProvider provider = provider();
        Storage[] storages = new Storage[50];
        for (int i = 0; i < storages.length; i++) {
            storages[i] = provider.open(account, Identity.of(account));
            storages[i].stat("/f");
            try (ReadFile read = storages[i].openRead("/f")) {
                assertEquals(1, read.info().size());
            }
            try (DirectoryListing listing = storages[i].list("/")) {
                listing.iterator().hasNext();
            }
        }
        // 50 sessions of one account: one descriptor, not 50 (10,000 sessions would otherwise need 10,000 more)
        assertEquals(before + 1, openDescriptors(), "one descriptor for the sessions below one root");
        Storage ann = provider.open(second, Identity.of(second));
        assertEquals(before + 2, openDescriptors(), "another root, another descriptor");

        // a home removed and made again: the next session gets the new directory, the open ones keep theirs
        Path moved = dir.resolve("home-old");
        Files.move(root, moved);
        Files.createDirectories(root);
        Files.writeString(root.resolve("g"), "new home");
        Storage renewed = provider.open(account, Identity.of(account));
        assertEquals(8, renewed.stat("/g").size(), "the new home, not the old one's descriptor");
        assertEquals(1, storages[0].stat("/f").size(), "open sessions stay on the directory they logged in to");
        assertEquals(before + 3, openDescriptors());

        for (Storage storage : storages) {
            storage.close();
        }
        storages[0].close(); // a second close releases nothing more
        assertEquals(before + 2, openDescriptors(), "the old home's descriptor went with its last session");
        assertTrue(ann.stat("/").isDirectory(), "the other root's sessions are not disturbed");
        ann.close();
        renewed.close();
        assertEquals(before, openDescriptors(), "none left after close");
    }

    @Test
    void systemAccountsGetTheirGroupsVirtualNamesakesDoNot() throws IOException {
        Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0::/root:/bin/sh\nalice:x:1501:1501::/home/alice:/bin/sh\n");
        Path group = Files.writeString(dir.resolve("group"), "alice:x:1501:\nshare:x:1600:bob,alice\nother:x:1700:bob\n");
        SystemGroups groups = new SystemGroups(passwd, group);
        assertArrayEquals(new int[] {1600}, groups.of("alice", 1501));
        assertArrayEquals(new int[0], groups.of("alice", 2000), "a virtual alice is not the system's");
        assertArrayEquals(new int[0], groups.of("nobody-here", 1501));

        // read once, then again only when a file changes: a group added for alice counts at her next login
        Files.writeString(group, "alice:x:1501:\nshare:x:1600:bob,alice\nother:x:1700:bob, alice\n");
        assertArrayEquals(new int[] {1600, 1700}, groups.of("alice", 1501));
        Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:1502:1502::/home/alice:/bin/sh\n");
        assertArrayEquals(new int[0], groups.of("alice", 1501), "uid changed in /etc/passwd: no longer the system's");
    }

    private static long openDescriptors() throws IOException {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count() - 1; // the listing's own
        }
    }

    /** A configuration with partial uploads kept 24 hours (the default). */
    static LocalStorageProvider.Config config(boolean createHome, String identity) {
        return new LocalStorageProvider.Config() {
            @Override
            public boolean create_home() {
                return createHome;
            }

            @Override
            public String account_identity() {
                return identity;
            }

            @Override
            public int partial_uploads_max_hours() {
                return 24;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LocalStorageProvider.Config.class;
            }
        };
    }
}
