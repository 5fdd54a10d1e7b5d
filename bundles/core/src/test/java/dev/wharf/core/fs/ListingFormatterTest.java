package dev.wharf.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.Storage;
import dev.wharf.storage.local.LocalStorageProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The stat fields a listing shows are the ones on disk: links, modes with setgid, sizes; links shown as links. */
@Timeout(30)
class ListingFormatterTest {

    @TempDir
    Path temp;

    @Test
    void linesAndFactsShowWhatIsOnDisk() throws Exception {
        Path file = Files.writeString(temp.resolve("file.txt"), "twelve bytes");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.createLink(temp.resolve("second-name"), file);
        Path directory = Files.createDirectory(temp.resolve("dir"));
        Files.setAttribute(directory, "unix:mode", 02775); // setgid survives into the mode
        Files.createSymbolicLink(temp.resolve("link"), Path.of("file.txt"));
        Account account = new Account("joe", temp.toString(), 1000, 1000, AccountLimits.NONE);
        try (Storage storage = ServiceUserStorage.provider().open(account, Identity.of(account))) {
            FileInfo stat = storage.stat("/file.txt");
            assertEquals(2, stat.links());
            assertEquals(0640, stat.mode());
            assertEquals(02775, storage.stat("/dir").mode());
            ListingFormatter formatter = new ListingFormatter(ZoneOffset.UTC, Instant.now());
            String line = formatter.longFormat(stat, "file.txt", null);
            assertTrue(line.matches("-rw-r----- +2 \\d+ +\\d+ +12 [A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d file\\.txt"),
                    line);
            String link = formatter.longFormat(storage.lstatIfExists("/link"), "link", storage.readLink("/link"));
            assertTrue(link.startsWith("lrwxrwxrwx") && link.endsWith(" link -> file.txt"), link);
            String facts = ListingFormatter.machineFacts(stat, null, Set.of("type", "size", "unix.mode", "unique"),
                    storage, true);
            assertTrue(facts.matches("type=file;size=12;UNIX.mode=0640;unique=[0-9a-f]+g[0-9a-f]+;"), facts);
        }
    }
}
