package dev.wharf.core.limits;

import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.WriteMode;
import dev.wharf.core.fs.MountedStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An account's virtual quota usage, kept as Pure-FTPd keeps it: {@code "<files> <bytes>\n"} in {@code .ftpquota}
 * at the account's root, never followed through a symlink, mode 0600, changed only under a lock that holds both
 * within this JVM and (fcntl) against other processes such as Pure-FTPd itself or {@code pure-quotacheck}.
 * Directories count as files. A missing or unreadable file is rebuilt by counting the tree.
 */
public final class QuotaFile {

    public static final String FILE_NAME = ".ftpquota";
    /** Uploads in progress are written under this prefix by the local storage (quota users may not use it). */
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

    private static final String PATH = "/" + FILE_NAME;

    private QuotaFile() {
    }

    /** The usage recorded for the storage (rebuilt when missing or broken). */
    public static Usage read(QuotaLocks locks, Storage storage) throws IOException {
        return update(locks, storage, current -> current);
    }

    /**
     * Applies {@code change} to the storage's usage under the lock and stores the result. The file operation the
     * usage describes belongs inside {@code change}, so that two sessions of one account cannot both pass the
     * quota check before either has counted.
     */
    public static Usage update(QuotaLocks locks, Storage storage, Change change) throws IOException {
        ReentrantLock lock = locks.forKey(storage.key());
        lock.lock();
        try {
            SeekableByteChannel opened;
            try {
                opened = open(storage);
            } catch (UnsupportedOperationException noUpdate) {
                // a storage whose files cannot be updated in place keeps no .ftpquota: the usage is counted
                // afresh for every change, which the lock keeps exact
                return change.apply(count(storage));
            }
            return update(opened, storage, change);
        } finally {
            lock.unlock();
        }
    }

    private static Usage update(SeekableByteChannel opened, Storage storage, Change change) throws IOException {
        try (SeekableByteChannel file = opened;
             FileLock processLock = file instanceof FileChannel channel ? channel.lock() : null) {
            Usage current = parse(file);
            if (current == null) {
                current = count(storage);
                write(file, current);
            }
            Usage changed = change.apply(current);
            if (!changed.equals(current)) {
                write(file, changed);
            }
            return changed;
        }
    }

    /** Counts the tree again and rewrites the file (what {@code pure-quotacheck} does). */
    public static Usage rebuild(QuotaLocks locks, Storage storage) throws IOException {
        Usage counted = count(storage);
        return update(locks, storage, ignored -> counted);
    }

    /**
     * Regular files and directories in the storage (not the root itself, not {@code .ftpquota}, not uploads in
     * progress: they are counted when placed), each inode once, symbolic links never followed.
     */
    public static Usage count(Storage storage) throws IOException {
        Set<String> seen = new HashSet<>();
        long[] totals = new long[2];
        countDirectory(storage, "/", seen, totals, 0);
        return new Usage(totals[0], totals[1]);
    }

    private static final int MAX_DEPTH = 256;

    private static void countDirectory(Storage storage, String directory, Set<String> seen, long[] totals,
                                       int depth) {
        List<String> subdirectories = new ArrayList<>();
        try (DirectoryListing listing = storage.list(directory)) {
            for (DirectoryEntry entry : listing) {
                FileInfo info = entry.info();
                String path = directory.equals("/") ? "/" + entry.name() : directory + "/" + entry.name();
                if (storage instanceof MountedStorage mounted) {
                    if (mounted.readOnlyAt(path)) {
                        continue; // a read-only virtual folder is not the account's to fill: not counted
                    }
                    if (mounted.structural(path) && info.isDirectory()) {
                        subdirectories.add(path); // a mount point is not a file of the account; its files are
                        continue;
                    }
                }
                if (info.isDirectory()) {
                    if (firstTime(seen, info)) {
                        totals[0]++;
                        subdirectories.add(path);
                    }
                } else if (info.isFile() && !path.equals(PATH) && !entry.name().startsWith(UPLOAD_TEMP_PREFIX)
                        && firstTime(seen, info)) {
                    totals[0]++;
                    totals[1] += info.size();
                }
            }
        } catch (IOException | UncheckedIOException unreadable) {
            return; // an unreadable corner is not worth failing the whole count
        }
        if (depth < MAX_DEPTH) {
            for (String subdirectory : subdirectories) {
                countDirectory(storage, subdirectory, seen, totals, depth + 1);
            }
        }
    }

    private static boolean firstTime(Set<String> seen, FileInfo info) {
        return info.uniqueId() == null || seen.add(info.uniqueId());
    }

    private static SeekableByteChannel open(Storage storage) throws IOException {
        try {
            return storage.openWrite(PATH, WriteMode.UPDATE, 0, 0600);
        } catch (java.nio.file.FileSystemException notAFile) {
            throw new IOException(FILE_NAME + " is not a regular file; refusing to use it as the quota file");
        }
    }

    /** The recorded usage, or {@code null} when the file is empty or malformed. */
    static Usage parse(SeekableByteChannel file) throws IOException {
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

    private static void write(SeekableByteChannel file, Usage usage) throws IOException {
        byte[] line = (usage.files() + " " + usage.bytes() + "\n").getBytes(StandardCharsets.US_ASCII);
        file.truncate(0);
        file.position(0);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
    }
}
