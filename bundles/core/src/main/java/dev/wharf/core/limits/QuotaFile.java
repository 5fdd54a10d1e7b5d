package dev.wharf.core.limits;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An account's virtual quota usage, kept as Pure-FTPd keeps it: {@code "<files> <bytes>\n"} in {@code .ftpquota}
 * at the account's root, never followed through a symlink, mode 0600, changed only under a lock that holds both
 * within this JVM and (fcntl) against other processes such as Pure-FTPd itself or {@code pure-quotacheck}.
 * Directories count as files. A missing or unreadable file is rebuilt by counting the tree.
 */
public final class QuotaFile {

    public static final String FILE_NAME = ".ftpquota";
    /** Uploads in progress are written under this prefix (see FileCommands) and counted only once complete. */
    public static final String UPLOAD_TEMP_PREFIX = ".wharf-upload.";

    /** What an account uses. */
    public record Usage(long files, long bytes) {

        public Usage plus(long moreFiles, long moreBytes) {
            return new Usage(Math.max(0, files + moreFiles), Math.max(0, bytes + moreBytes));
        }

        /** Whether this usage is beyond the limits (0 = no limit). */
        public boolean exceeds(SessionLimits limits) {
            return (limits.quotaFiles() > 0 && files > limits.quotaFiles())
                    || (limits.quotaBytes() > 0 && bytes > limits.quotaBytes());
        }
    }

    /** The change made while the usage is locked: returns the new usage, or throws to refuse the operation. */
    @FunctionalInterface
    public interface Change {
        Usage apply(Usage current) throws IOException;
    }

    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private QuotaFile() {
    }

    /** The usage recorded for {@code root} (rebuilt when missing or broken). */
    public static Usage read(Path root) throws IOException {
        return update(root, current -> current);
    }

    /**
     * Applies {@code change} to the usage of {@code root} under the lock and stores the result. The file operation
     * the usage describes belongs inside {@code change}, so that two sessions of one account cannot both pass the
     * quota check before either has counted.
     */
    public static Usage update(Path root, Change change) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        ReentrantLock lock = LOCKS.computeIfAbsent(key, ignored -> new ReentrantLock());
        lock.lock();
        try (FileChannel file = open(key.resolve(FILE_NAME)); FileLock processLock = file.lock()) {
            Usage current = parse(file);
            if (current == null) {
                current = count(key);
                write(file, current);
            }
            Usage changed = change.apply(current);
            if (!changed.equals(current)) {
                write(file, changed);
            }
            return changed;
        } finally {
            lock.unlock();
        }
    }

    /** Counts the tree again and rewrites the file (what {@code pure-quotacheck} does). */
    public static Usage rebuild(Path root) throws IOException {
        Usage counted = count(root.toAbsolutePath().normalize());
        return update(root, ignored -> counted);
    }

    /**
     * Regular files and directories under {@code root} (not the root itself, not {@code .ftpquota}, not uploads
     * in progress), each inode once, symlinks never followed.
     */
    public static Usage count(Path root) throws IOException {
        Set<Object> seen = new HashSet<>();
        long[] totals = new long[2];
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                if (!dir.equals(root) && firstTime(attributes)) {
                    totals[0]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                String name = file.getFileName().toString();
                if (attributes.isRegularFile() && !name.equals(FILE_NAME) && !name.startsWith(UPLOAD_TEMP_PREFIX)
                        && firstTime(attributes)) {
                    totals[0]++;
                    totals[1] += attributes.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException unreadable) {
                return FileVisitResult.CONTINUE; // an unreadable corner is not worth failing the whole count
            }

            private boolean firstTime(BasicFileAttributes attributes) {
                Object inode = attributes.fileKey();
                return inode == null || seen.add(inode);
            }
        });
        return new Usage(totals[0], totals[1]);
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (java.nio.file.FileAlreadyExistsException exists) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(file + " is not a regular file; refusing to use it as the quota file");
            }
            return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** The recorded usage, or {@code null} when the file is empty or malformed. */
    private static Usage parse(FileChannel file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        file.position(0);
        while (buffer.hasRemaining() && file.read(buffer) > 0) {
            // a few bytes at most
        }
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        String[] fields = text.split("\\s+");
        if (fields.length != 2) {
            return null;
        }
        try {
            long files = Long.parseLong(fields[0]);
            long bytes = Long.parseLong(fields[1]);
            return files < 0 || bytes < 0 ? null : new Usage(files, bytes);
        } catch (NumberFormatException malformed) {
            return null;
        }
    }

    private static void write(FileChannel file, Usage usage) throws IOException {
        byte[] line = (usage.files() + " " + usage.bytes() + "\n").getBytes(StandardCharsets.US_ASCII);
        file.truncate(0);
        file.position(0);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
    }
}
