package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full file system (a small tmpfs, mounted as root as CI runs) answers 452 "No space left on device", leaves no
 * partial file, and {@code disk.max.percent} refuses from exactly the configured fullness on.
 */
@Timeout(60)
class DiskFullTest {

    @TempDir
    Path temp;
    private final List<Path> mounts = new ArrayList<>();

    /** A tmpfs of {@code kilobytes} at {@code directory} (4 KiB pages: 400 KiB is 100 pages, 1 % each). */
    private Path mount(Path directory, int kilobytes) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small file system");
        Files.createDirectories(directory);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + kilobytes + "k,mode=0755",
                "tmpfs", directory.toString()).redirectErrorStream(true).start();
        assumeTrue(mount.waitFor(20, TimeUnit.SECONDS) && mount.exitValue() == 0,
                "mount refused (a container without CAP_SYS_ADMIN?)");
        mounts.add(directory);
        return directory;
    }

    @AfterEach
    void unmount() throws Exception {
        for (Path directory : mounts) {
            new ProcessBuilder("umount", "-l", directory.toString()).inheritIO().start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFullDiskIs452NoSpaceLeftAndKeepsNoPartialFile() throws Exception {
        Path users = temp.resolve("users");
        mount(users.resolve("alice"), 256);
        try (TestServer server = new TestServer(users, Map.of("security.disk.max.percent", "100"))) {
            FTPClient client = server.loggedIn();
            // the server stops reading when the disk is full: the client's last writes may meet a reset, so the
            // reply is read whether or not all the bytes could be sent
            java.io.OutputStream upload = client.storeFileStream("big.bin");
            assertTrue(upload != null, client.getReplyString());
            try (upload) {
                upload.write(new byte[1024 * 1024]);
            } catch (java.io.IOException cutByTheServer) {
                // expected at times: the data connection was closed on the full disk
            }
            assertFalse(client.completePendingCommand());
            assertEquals(452, client.getReplyCode(), client.getReplyString());
            assertTrue(client.getReplyString().contains("No space left on device"), client.getReplyString());
            try (Stream<Path> left = Files.list(users.resolve("alice"))) {
                assertEquals(List.of(), left.toList(), "no partial or temporary file stays");
            }
            assertTrue(client.storeFile("small.txt", new ByteArrayInputStream(new byte[100])),
                    "the room is back: " + client.getReplyString());
            client.disconnect();
        }
    }

    @Test
    void diskMaxPercentRefusesFromExactlyTheConfiguredLevel() throws Exception {
        Path users = temp.resolve("users");
        Path full = mount(users.resolve("alice"), 400);
        Path below = mount(users.resolve("bob"), 400);
        Files.write(full.resolve("fill"), new byte[50 * 4096]);   // 50 of 100 pages: 50 %
        Files.write(below.resolve("fill"), new byte[49 * 4096]);  // 49 %
        try (TestServer server = new TestServer(users, Map.of("security.disk.max.percent", "50"))) {
            server.addUser("bob", "bobpass");
            FTPClient alice = server.loggedIn();
            assertFalse(alice.storeFile("one.txt", new ByteArrayInputStream(new byte[10])));
            assertEquals(452, alice.getReplyCode(), alice.getReplyString());
            FTPClient bob = server.loggedInAs("bob");
            assertTrue(bob.storeFile("one.txt", new ByteArrayInputStream(new byte[10])), bob.getReplyString());
            alice.disconnect();
            bob.disconnect();
        }
    }
}
