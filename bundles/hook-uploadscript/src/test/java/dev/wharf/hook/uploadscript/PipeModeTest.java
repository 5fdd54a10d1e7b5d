package dev.wharf.hook.uploadscript;

import static dev.wharf.hook.uploadscript.TestSupport.config;
import static dev.wharf.hook.uploadscript.TestSupport.event;
import static dev.wharf.hook.uploadscript.TestSupport.readOrEmpty;
import static dev.wharf.hook.uploadscript.TestSupport.script;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pure-FTPd's FIFO protocol, read back by the test (Debian's own reader: {@link PureUploadscriptTest}). */
class PipeModeTest {

    @TempDir
    Path temp;

    private final UploadScriptHook hook = new UploadScriptHook();
    private Process lockHolder;

    @AfterEach
    void stop() throws Exception {
        hook.deactivate();
        if (lockHolder != null) {
            lockHolder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int mode(Path path) throws Exception {
        return (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Reads from the FIFO until {@code records} records (each ending in 0x00) have come. */
    private static CompletableFuture<byte[]> reader(Path fifo, int records) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            int ends = 0;
            while (ends < records) {
                try (InputStream in = Files.newInputStream(fifo)) { // blocks until a writer opens
                    int b;
                    while (ends < records && (b = in.read()) >= 0) {
                        read.write(b);
                        ends += b == 0 ? 1 : 0;
                    }
                } catch (java.io.IOException failed) {
                    throw new java.io.UncheckedIOException(failed);
                }
            }
            return read.toByteArray();
        });
    }

    @Test
    void writesPureFtpdsRecordToAFifoItCreatesPrivately() throws Exception {
        Path fifo = temp.resolve("upload.pipe");
        Path lock = temp.resolve("upload.lock");
        hook.configure(config("pipe", fifo.toString(), "lock", lock.toString(), "pipe.timeout.seconds", "5"));
        Path file = Files.writeString(Files.createDirectories(temp.resolve("in box")).resolve("a file.txt"), "x");

        // the first send creates the FIFO, then waits in open(2) for the reader the test starts once it is there
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> hook.process(event("joe", file)));
        TestSupport.await("the FIFO", 5_000, () -> Files.exists(fifo));
        CompletableFuture<byte[]> read = reader(fifo, 2);
        sending.get(10, TimeUnit.SECONDS);
        hook.process(event("élodie", file));

        String path = temp.toRealPath().resolve("in box/a file.txt").toString();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(2);
        expected.writeBytes("joe".getBytes(StandardCharsets.UTF_8));
        expected.write(1);
        expected.writeBytes(path.getBytes(StandardCharsets.UTF_8));
        expected.write(0);
        expected.write(2);
        expected.writeBytes("élodie".getBytes(StandardCharsets.UTF_8));
        expected.write(1);
        expected.writeBytes(path.getBytes(StandardCharsets.UTF_8));
        expected.write(0);
        assertArrayEquals(expected.toByteArray(), read.get(10, TimeUnit.SECONDS));

        assertEquals(0010600, mode(fifo), "a FIFO with mode 0600");
        assertEquals(0100600, mode(lock), "a regular lock file with mode 0600");
    }

    @Test
    void aFifoWithoutAReaderDelaysTheWorkerOnlyForTheTimeout() throws Exception {
        Path fifo = temp.resolve("upload.pipe");
        Path ran = temp.resolve("ran");
        Path script = script(temp, "touch.sh", "echo \"$1\" >> \"" + ran + "\"\n");
        hook.configure(config("pipe", fifo.toString(), "lock", temp.resolve("upload.lock").toString(),
                "pipe.timeout.seconds", "1", "program", script.toString()));
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            long start = System.nanoTime();
            hook.uploaded(event("joe", Files.writeString(temp.resolve("one"), "1")));
            hook.uploaded(event("joe", Files.writeString(temp.resolve("two"), "2")));
            TestSupport.await("both programs", 10_000, () -> readOrEmpty(ran).lines().count() == 2);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 5_000, "two 1 s waits for a reader, then on: " + millis + " ms");
            assertTrue(captured.text().contains("nobody reads " + fifo), captured.text());
        }
        // the records were dropped, not left for a reader that comes later
        CompletableFuture<byte[]> read = reader(fifo, 1);
        hook.process(event("late", Files.writeString(temp.resolve("three"), "3")));
        String got = new String(read.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        assertEquals("\u0002late\u0001" + temp.toRealPath().resolve("three") + "\u0000", got);
    }

    @Test
    void aSymlinkOrARegularFileIsRefusedAsFifo() throws Exception {
        Path target = Files.writeString(temp.resolve("target"), "");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(temp.resolve("link.pipe"), target);
        Path file = Files.writeString(temp.resolve("up.txt"), "x");
        Path lock = temp.resolve("upload.lock");
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.configure(config("pipe", link.toString(), "lock", lock.toString()));
            hook.process(event("joe", file));
            assertTrue(captured.text().contains(link + " is a symbolic link, refused"), captured.text());
            hook.configure(config("pipe", target.toString(), "lock", lock.toString()));
            hook.process(event("joe", file));
            assertTrue(captured.text().contains(target + " is not a FIFO, refused"), captured.text());
        }
        assertEquals("", Files.readString(target), "nothing written through the link or into the file");

        // a lock file that is a symbolic link is refused as well
        Path fifo = temp.resolve("upload.pipe");
        Path lockLink = Files.createSymbolicLink(temp.resolve("link.lock"), target);
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.configure(config("pipe", fifo.toString(), "lock", lockLink.toString()));
            hook.process(event("joe", file));
            assertTrue(captured.text().contains("lock file " + lockLink + " is a symbolic link, refused"),
                    captured.text());
        }
    }

    @Test
    void aFifoOthersCouldWriteIsRefused() throws Exception {
        Path fifo = temp.resolve("open.pipe");
        Process mkfifo = new ProcessBuilder("/usr/bin/mkfifo", "-m", "666", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            hook.configure(config("pipe", fifo.toString(), "lock", temp.resolve("upload.lock").toString()));
            hook.process(event("joe", Files.writeString(temp.resolve("up.txt"), "x")));
            assertTrue(captured.text().contains(fifo + " has mode 666, refused"), captured.text());
        }
    }

    /** Another writer (Pure-FTPd itself) holding the fcntl lock: the record waits for it, up to the timeout. */
    @Test
    void waitsForTheLockAnotherProcessHolds() throws Exception {
        Path fifo = temp.resolve("upload.pipe");
        Path lock = Files.writeString(temp.resolve("upload.lock"), "");
        Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-------"));
        Path holding = temp.resolve("holding");
        lockHolder = new ProcessBuilder("python3", "-c", """
                import fcntl, sys, time
                f = open(sys.argv[1], 'r+')
                fcntl.lockf(f, fcntl.LOCK_EX)
                open(sys.argv[2], 'w').close()
                time.sleep(float(sys.argv[3]))
                """, lock.toString(), holding.toString(), "2").inheritIO().start();
        TestSupport.await("the other process to hold the lock", 10_000, () -> Files.exists(holding));
        long held = System.nanoTime();
        hook.configure(config("pipe", fifo.toString(), "lock", lock.toString(), "pipe.timeout.seconds", "10"));
        Path file = Files.writeString(temp.resolve("up.txt"), "x");
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> hook.process(event("joe", file)));
        TestSupport.await("the FIFO", 5_000, () -> Files.exists(fifo));
        CompletableFuture<byte[]> read = reader(fifo, 1);
        byte[] record = read.get(15, TimeUnit.SECONDS);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - held);
        sending.get(5, TimeUnit.SECONDS);
        assertEquals("\u0002joe\u0001" + temp.toRealPath().resolve("up.txt") + "\u0000",
                new String(record, StandardCharsets.UTF_8));
        assertTrue(waited >= 1_500, "written only after the other process let go of the lock: " + waited + " ms");
        assertTrue(lockHolder.waitFor(2, TimeUnit.SECONDS), "the holder has ended");

        // with a holder that outlasts the timeout, the record is dropped after it
        Files.delete(holding);
        lockHolder = new ProcessBuilder("python3", "-c", """
                import fcntl, sys, time
                f = open(sys.argv[1], 'r+')
                fcntl.lockf(f, fcntl.LOCK_EX)
                open(sys.argv[2], 'w').close()
                time.sleep(float(sys.argv[3]))
                """, lock.toString(), holding.toString(), "60").inheritIO().start();
        TestSupport.await("the other process to hold the lock", 10_000, () -> Files.exists(holding));
        hook.configure(config("pipe", fifo.toString(), "lock", lock.toString(), "pipe.timeout.seconds", "1"));
        try (TestSupport.LogCapture captured = new TestSupport.LogCapture()) {
            long start = System.nanoTime();
            hook.process(event("joe", file));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 3_000);
            assertTrue(captured.text().contains("still held by another process after 1 s"), captured.text());
        }
    }
}
