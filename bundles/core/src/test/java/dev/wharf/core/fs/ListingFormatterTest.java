package dev.wharf.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stat fields a listing shows are the same whether read from the JDK's stat object or its unix view, and
 * whether by path or relative to the open directory.
 */
class ListingFormatterTest {

    @TempDir
    Path temp;

    @Test
    @SuppressWarnings("unchecked") // Linux's directory streams are secure ones
    void bothWaysOfReadingAStatAgree() throws Exception {
        assertTrue(UnixStatFields.AVAILABLE, "the tests open sun.nio.fs as bin/wharf does, so the fast way runs");
        Path file = Files.writeString(temp.resolve("file.txt"), "twelve bytes");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Path hardLink = Files.createLink(temp.resolve("second-name"), file);
        Path directory = Files.createDirectory(temp.resolve("dir"));
        Files.setAttribute(directory, "unix:mode", 02775); // setgid survives into the mode
        Path link = Files.createSymbolicLink(temp.resolve("link"), file);
        Path dangling = Files.createSymbolicLink(temp.resolve("dangling"), temp.resolve("missing"));
        for (Path path : new Path[] {file, hardLink, directory, link, dangling}) {
            assertEquals(ListingFormatter.statThroughUnixView(path, new LinkOption[] {LinkOption.NOFOLLOW_LINKS}),
                    ListingFormatter.stat(path, false), path.toString());
        }
        for (Path path : new Path[] {file, directory, link}) {
            assertEquals(ListingFormatter.statThroughUnixView(path, new LinkOption[0]),
                    ListingFormatter.stat(path, true), path + " followed");
        }
        try (SecureDirectoryStream<Path> open = (SecureDirectoryStream<Path>) Files.newDirectoryStream(temp)) {
            for (Path path : new Path[] {file, hardLink, directory, link, dangling}) {
                assertEquals(ListingFormatter.stat(path, false), ListingFormatter.stat(open, path, false),
                        path + " relative to its open directory");
            }
            assertEquals(ListingFormatter.stat(link, true), ListingFormatter.stat(open, link, true), "link followed");
        }
        ListingFormatter.Stat stat = ListingFormatter.stat(file, false);
        assertEquals(2, stat.links());
        assertEquals(0640, stat.mode());
        assertEquals(02775, ListingFormatter.stat(directory, false).mode());
        String line = new ListingFormatter(ZoneOffset.UTC, Instant.now()).longFormat(file, "file.txt");
        assertTrue(line.matches("-rw-r----- +2 \\d+ +\\d+ +12 [A-Z][a-z]{2} \\d\\d \\d\\d:\\d\\d file\\.txt"), line);
    }
}
