package dev.wharf.hook.uploadscript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a running {@code pure-uploadscript} the way Pure-FTPd does: under an fcntl write lock on the lock file, the
 * record {@code 0x02 <login> 0x01 <absolute path> 0x00} is written to its FIFO.
 *
 * <p>The FIFO must be a FIFO (not a symbolic link, not a regular file) with mode 0600, owned by root or by the
 * server's own user, and the lock file a regular file with the same mode and owner: pure-uploadscript refuses
 * anything else, and a FIFO others can write would let them choose what it runs. A missing FIFO is created
 * ({@code mkfifo -m 600}), as Pure-FTPd does, because pure-uploadscript waits only about ten seconds for it to
 * appear; a missing lock file is created too. Nothing here blocks for longer than the timeout: with no reader on
 * the FIFO, or a reader that stopped reading while the FIFO's buffer is full, the record is dropped and logged.
 */
final class UploadPipe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UploadPipe.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFLNK = 0120000;

    /** Opens and writes the FIFO, whose open(2) blocks while nobody reads; the worker waits for it with a timeout. */
    private final ExecutorService blocking = Executors.newCachedThreadPool(task ->
            Thread.ofPlatform().daemon().name("wharf-uploadscript-pipe").unstarted(task));

    /** Pure-FTPd's record for one upload. */
    static byte[] record(String account, Path file) {
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(2);
        record.writeBytes(account.getBytes(StandardCharsets.UTF_8));
        record.write(1);
        record.writeBytes(file.toString().getBytes(UploadedFile.fileNameCharset()));
        record.write(0);
        return record.toByteArray();
    }

    /** Writes the file's record to the FIFO; false (and logged) when it could not be delivered. */
    boolean send(UploadedFile file, Path pipe, Path lock, int timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try {
            checkPipe(pipe);
            checkLockFile(lock);
        } catch (IOException refused) {
            LOG.warn("Upload pipe: {}; {} not passed on", refused.getMessage(), file.path());
            return false;
        }
        try (FileChannel lockChannel = FileChannel.open(lock, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
             FileLock locked = lock(lockChannel, deadline)) {
            if (locked == null) {
                LOG.warn("Upload pipe: lock {} still held by another process after {} s; {} not passed on", lock,
                        timeoutSeconds, file.path());
                return false;
            }
            return write(pipe, record(file.account(), file.path()), deadline, timeoutSeconds, file.path());
        } catch (IOException failed) {
            LOG.warn("Upload pipe: lock file {}: {}; {} not passed on", lock, failed.toString(), file.path());
            return false;
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            LOG.warn("Upload pipe: stopping; {} not passed on", file.path());
            return false;
        }
    }

    /** Takes the fcntl write lock, retrying until the deadline; null if another process keeps it. */
    private static FileLock lock(FileChannel channel, long deadline) throws IOException, InterruptedException {
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException sameProcess) {
                // another hook in this JVM writes right now; wait for it like for another process
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            Thread.sleep(10);
        }
    }

    private boolean write(Path pipe, byte[] record, long deadline, int timeoutSeconds, Path file)
            throws InterruptedException {
        AtomicReference<FileChannel> opened = new AtomicReference<>();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                // O_WRONLY | O_NOFOLLOW: blocks until a reader has the FIFO open
                FileChannel channel = FileChannel.open(pipe, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                opened.set(channel);
                try (channel) {
                    ByteBuffer buffer = ByteBuffer.wrap(record);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            } catch (IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        }, blocking);
        try {
            writing.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException stuck) {
            FileChannel channel = opened.get();
            if (channel == null) {
                unblockOpen(pipe, writing);
                LOG.warn("Upload pipe: nobody reads {} (is pure-uploadscript running?); {} not passed on after {} s",
                        pipe, file, timeoutSeconds);
            } else {
                closeQuietly(channel); // wakes the blocked write
                LOG.warn("Upload pipe: {} is full, its reader is not reading; {} not passed on after {} s", pipe, file,
                        timeoutSeconds);
            }
            return false;
        } catch (ExecutionException failed) {
            LOG.warn("Upload pipe: cannot write {}: {}; {} not passed on", pipe, failed.getCause().getMessage(), file);
            return false;
        } catch (InterruptedException stopping) {
            FileChannel channel = opened.get();
            if (channel == null) {
                unblockOpen(pipe, writing);
            } else {
                closeQuietly(channel);
            }
            throw stopping;
        }
    }

    /**
     * A thread blocked in open(2) of a FIFO without a reader cannot be interrupted; opening the FIFO for reading
     * and writing (which never blocks) lets that open return, and it is closed right away.
     */
    private static void unblockOpen(Path pipe, CompletableFuture<Void> writing) {
        try (FileChannel reader = FileChannel.open(pipe, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            try {
                writing.get(1, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the record went into the buffer we drop with this descriptor, or the open failed: either way
                // the blocked thread is free
            }
        } catch (IOException cannot) {
            LOG.debug("Upload pipe: could not unblock the open of {}: {}", pipe, cannot.toString());
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /** The FIFO: created if missing; refused if it is anything but a private FIFO. */
    private static void checkPipe(Path pipe) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(pipe, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            makeFifo(pipe);
            attributes = Files.readAttributes(pipe, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) == S_IFLNK) {
            throw new IOException(pipe + " is a symbolic link, refused");
        }
        if ((mode & S_IFMT) != S_IFIFO) {
            throw new IOException(pipe + " is not a FIFO, refused");
        }
        checkPrivate(pipe, mode, (Integer) attributes.get("uid"));
    }

    /** The lock file, if it exists: a private regular file, never a link. */
    private static void checkLockFile(Path lock) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(lock, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            return; // created with mode 0600 when opened
        }
        int mode = (Integer) attributes.get("mode");
        if ((mode & S_IFMT) != S_IFREG) {
            throw new IOException("lock file " + lock + " is " + ((mode & S_IFMT) == S_IFLNK ? "a symbolic link"
                    : "not a regular file") + ", refused");
        }
        checkPrivate(lock, mode, (Integer) attributes.get("uid"));
    }

    private static void checkPrivate(Path path, int mode, int uid) throws IOException {
        if ((mode & 0777) != 0600) {
            throw new IOException(path + " has mode " + Integer.toOctalString(mode & 0777)
                    + ", refused (pure-uploadscript and Pure-FTPd accept only 600)");
        }
        if (uid != 0 && uid != ServerIdentity.uid()) {
            throw new IOException(path + " belongs to uid " + uid + ", refused (must be root or the server's user)");
        }
    }

    private static void makeFifo(Path pipe) throws IOException {
        String command = Files.isExecutable(Path.of("/usr/bin/mkfifo")) ? "/usr/bin/mkfifo" : "mkfifo";
        Process mkfifo = new ProcessBuilder(command, "-m", "600", "--", pipe.toString())
                .redirectErrorStream(true).redirectInput(new java.io.File("/dev/null")).start();
        try {
            String output = new String(mkfifo.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
                mkfifo.destroyForcibly();
                throw new IOException("cannot create the FIFO " + pipe + ": " + output);
            }
        } catch (InterruptedException stopping) {
            mkfifo.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while creating the FIFO " + pipe);
        }
        LOG.info("Upload pipe: created the FIFO {}", pipe);
    }

    @Override
    public void close() {
        blocking.shutdownNow();
    }

    /** The user id this server runs as (the owner of /proc/self on Linux); -1 when it cannot be told. */
    static final class ServerIdentity {
        private static volatile Integer uid;

        private ServerIdentity() {
        }

        static int uid() {
            Integer known = uid;
            if (known == null) {
                try {
                    known = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                } catch (IOException | RuntimeException unknown) {
                    known = -1;
                }
                uid = known;
            }
            return known;
        }
    }
}
