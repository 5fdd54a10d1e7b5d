package dev.wharf.storage.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Listings of directories large enough that their entries are stat'ed in parts on several threads. */
@Timeout(60)
class LargeListingTest {

    private static final int FILES = 3_000;

    @TempDir
    Path home;

    @BeforeEach
    void fill() throws IOException {
        for (int i = 0; i < FILES; i++) {
            Files.write(home.resolve(String.format("file-%05d.txt", i)), new byte[i % 700]);
        }
        Files.createDirectory(home.resolve("a directory"));
        Files.createSymbolicLink(home.resolve("a link"), Path.of("file-00001.txt"));
    }

    private static LocalStorageProvider provider(int statHelpers) {
        LocalStorageProvider provider = new LocalStorageProvider(LocalStorageProvider::probeOpenat2, statHelpers);
        provider.configure(LocalStorageProviderTest.config(false, "server"));
        return provider;
    }

    private List<DirectoryEntry> list(LocalStorageProvider provider) throws IOException {
        Account account = new Account("joe", home.toString(), 1000, 1000, AccountLimits.NONE);
        List<DirectoryEntry> entries = new ArrayList<>();
        try (Storage storage = provider.open(account, Identity.of(account));
             DirectoryListing listing = storage.list("/")) {
            listing.forEach(entries::add);
        }
        return entries;
    }

    @Test
    void everyEntryComesOnceWithItsOwnAttributesInTheDirectorysOrder() throws IOException {
        LocalStorageProvider helped = provider(3);
        LocalStorageProvider alone = provider(0);
        try {
            List<DirectoryEntry> entries = list(helped);
            assertEquals(FILES + 2, entries.size());
            Map<String, FileInfo> byName = new HashMap<>();
            for (DirectoryEntry entry : entries) {
                assertEquals(null, byName.put(entry.name(), entry.info()), "listed twice: " + entry.name());
            }
            for (Map.Entry<String, FileInfo> entry : byName.entrySet()) {
                PosixFileAttributes disk = Files.readAttributes(home.resolve(entry.getKey()),
                        PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                FileInfo info = entry.getValue();
                assertEquals(disk.size(), info.size(), entry.getKey());
                assertEquals(disk.lastModifiedTime().toInstant(), info.modified(), entry.getKey());
                assertEquals(disk.isDirectory(), info.isDirectory(), entry.getKey());
                assertEquals(disk.isSymbolicLink(), info.isSymbolicLink(), entry.getKey());
                long inode = (Long) Files.getAttribute(home.resolve(entry.getKey()), "unix:ino",
                        LinkOption.NOFOLLOW_LINKS);
                assertTrue(info.uniqueId().endsWith("g" + Long.toHexString(inode)), entry.getKey());
            }
            assertEquals(names(list(alone)), names(entries), "the same order as one thread reading alone");
        } finally {
            helped.deactivate();
            alone.deactivate();
        }
    }

    @Test
    void batchesAreCutIntoPartsOfAtLeastHalfTheThreshold() {
        StatWorkers one = new StatWorkers(1);
        StatWorkers seven = new StatWorkers(7);
        try {
            assertEquals(1, one.parts(StatWorkers.PARALLEL_FROM - 1), "a small batch stays on the listing's thread");
            assertEquals(2, one.parts(StatWorkers.PARALLEL_FROM));
            assertEquals(2, one.parts(800));
            assertEquals(3, seven.parts(200), "many cores do not cut a batch into crumbs");
            assertEquals(8, seven.parts(800));
            assertEquals(1, new StatWorkers(0).parts(800), "one core: no helpers");
        } finally {
            one.close();
            seven.close();
        }
    }

    @Test
    void aDeactivatedProviderEndsItsHelpersAndItsStoragesStillList() throws Exception {
        LocalStorageProvider provider = provider(1);
        Account account = new Account("joe", home.toString(), 1000, 1000, AccountLimits.NONE);
        try (Storage storage = provider.open(account, Identity.of(account))) {
            assertEquals(FILES + 2, count(storage));
            assertTrue(helpersAlive(), "a helper stat'ed part of the listing");
            provider.deactivate();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (helpersAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10); // a terminated pool's last thread may take a moment to exit
            }
            assertFalse(helpersAlive(), "the helpers ended with the provider");
            assertEquals(FILES + 2, count(storage), "an open session still lists, on its own thread");
        }
    }

    private static int count(Storage storage) throws IOException {
        int count = 0;
        try (DirectoryListing listing = storage.list("/")) {
            for (DirectoryEntry ignored : listing) {
                count++;
            }
        }
        return count;
    }

    private static boolean helpersAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().startsWith("wharf-local-stat-") && thread.isAlive());
    }

    private static List<String> names(List<DirectoryEntry> entries) {
        return entries.stream().map(DirectoryEntry::name).toList();
    }
}
