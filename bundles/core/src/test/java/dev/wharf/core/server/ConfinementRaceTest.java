package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 19's race: while a local thread swaps a directory of alice's home for a symbolic link to the outside as
 * fast as it can, FTP sessions download, upload, delete and rename through it. Not one byte may be read from,
 * written to, deleted from or renamed in the outside directory. Runs {@code wharf.test.raceSeconds} (default 20).
 */
class ConfinementRaceTest extends ServerTestBase {

    private static final long SECONDS = Long.getLong("wharf.test.raceSeconds", 20);
    private static final String INSIDE = "inside";
    private static final String OUTSIDE = "OUTSIDE";

    @Test
    @Timeout(value = 120 + 3 * 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void swappingADirectoryForALinkNeverLeadsOutside() throws Exception {
        Path outside = Files.createDirectories(server.base.resolve("outside"));
        Files.writeString(outside.resolve("file.txt"), OUTSIDE);
        for (int i = 0; i < 4; i++) {
            Files.writeString(outside.resolve("victim" + i), OUTSIDE);
            Files.writeString(outside.resolve("rename" + i), OUTSIDE);
        }
        Map<String, String> outsideBefore = snapshot(outside);
        Path directory = Files.createDirectories(home.resolve("d"));
        Files.writeString(directory.resolve("file.txt"), INSIDE);
        Path parked = home.resolve("d.parked");
        Path link = home.relativize(outside); // ../outside: only the kernel's RESOLVE_BENEATH stops the ..

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong swaps = new AtomicLong();
        Thread swapper = new Thread(() -> {
            while (running.get()) {
                try {
                    Files.move(directory, parked);
                    Files.createSymbolicLink(directory, link);
                    Thread.onSpinWait();
                    Files.delete(directory);
                    Files.move(parked, directory);
                    swaps.incrementAndGet();
                } catch (IOException contended) {
                    // a session's rename or upload got in between: put things back and go on
                    try {
                        if (Files.isSymbolicLink(directory)) {
                            Files.delete(directory);
                        }
                        if (Files.isDirectory(parked) && !Files.exists(directory)) {
                            Files.move(parked, directory);
                        }
                    } catch (IOException ignored) {
                        // next round
                    }
                }
            }
        }, "swapper");
        swapper.start();

        AtomicLong downloads = new AtomicLong();
        AtomicLong leaks = new AtomicLong();
        AtomicLong changes = new AtomicLong();
        List<Thread> sessions = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
        for (int s = 0; s < 3; s++) {
            int session = s;
            Thread client = new Thread(() -> {
                try {
                    FTPClient ftp = server.loggedIn();
                    ftp.setFileType(FTP.BINARY_FILE_TYPE);
                    int round = 0;
                    while (System.nanoTime() < end) {
                        ByteArrayOutputStream got = new ByteArrayOutputStream();
                        if (ftp.retrieveFile("d/file.txt", got)) {
                            downloads.incrementAndGet();
                            if (got.toString(StandardCharsets.UTF_8).equals(OUTSIDE)) {
                                leaks.incrementAndGet();
                            }
                        }
                        int i = round++ % 4;
                        ftp.storeFile("d/up-" + session + "-" + i, new ByteArrayInputStream(
                                INSIDE.getBytes(StandardCharsets.UTF_8)));
                        ftp.appendFile("d/app-" + session, new ByteArrayInputStream(
                                INSIDE.getBytes(StandardCharsets.UTF_8)));
                        ftp.deleteFile("d/victim" + i);
                        ftp.rename("d/rename" + i, "d/renamed-" + session + "-" + i);
                        ftp.makeDirectory("d/dir-" + session + "-" + i);
                        ftp.removeDirectory("d/dir-" + session + "-" + i);
                        changes.incrementAndGet();
                    }
                    ftp.logout();
                    ftp.disconnect();
                } catch (IOException broken) {
                    throw new AssertionError(broken);
                }
            }, "session-" + s);
            sessions.add(client);
            client.start();
        }
        for (Thread client : sessions) {
            client.join();
        }
        running.set(false);
        swapper.join();

        assertEquals(0, leaks.get(), "downloads that returned the outside file");
        assertEquals(outsideBefore, snapshot(outside), "the outside directory is as it was");
        assertTrue(swaps.get() > 1000, "the swapper ran: " + swaps.get());
        assertTrue(downloads.get() > 50 && changes.get() > 50, "the sessions ran: " + downloads.get()
                + " downloads, " + changes.get() + " rounds of changes");
    }

    /** Every name with its content (directories marked), to compare before and after. */
    private static Map<String, String> snapshot(Path directory) throws IOException {
        Map<String, String> contents = new TreeMap<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path entry : entries.toList()) {
                contents.put(entry.getFileName().toString(), Files.isDirectory(entry) ? "<dir>"
                        : Files.readString(entry));
            }
        }
        return contents;
    }
}
