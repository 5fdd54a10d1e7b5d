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
 * {@code bin/wharf quotacheck -d DIR}: counts an account's files again and rewrites its {@code .ftpquota}, like
 * Pure-FTPd's {@code pure-quotacheck} ({@code -u}/{@code -g} are accepted for its command lines; Wharf does not
 * change owners). Safe while the server runs: the file is locked (fcntl) as the server locks it. This offline tool
 * works on the administrator's directory by path; sessions go through their storage ({@link QuotaFile}).
 */
public final class QuotaCheck {

    private QuotaCheck() {
    }

    public static void main(String[] args) {
        String directory = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-d" -> directory = i + 1 < args.length ? args[++i] : null;
                case "-u", "-g" -> i++;
                default -> {
                    System.err.println("usage: wharf quotacheck -d DIRECTORY [-u user] [-g group]");
                    System.exit(2);
                }
            }
        }
        if (directory == null) {
            System.err.println("usage: wharf quotacheck -d DIRECTORY [-u user] [-g group]");
            System.exit(2);
        }
        Path root = Path.of(directory);
        if (!Files.isDirectory(root)) {
            System.err.println("wharf quotacheck: " + directory + " is not a directory");
            System.exit(1);
        }
        try {
            System.out.println(describe(root, rebuild(root)));
        } catch (IOException failure) {
            System.err.println("wharf quotacheck: " + directory + ": " + failure.getMessage());
            System.exit(1);
        }
    }

    private static final ReentrantLock LOCK = new ReentrantLock();

    /** The usage recorded for {@code root} (rebuilt when missing or broken). */
    static QuotaFile.Usage read(Path root) throws IOException {
        return update(root, current -> current);
    }

    /**
     * Applies {@code change} to the usage of {@code root} under the lock and stores the result. The file operation
     * the usage describes belongs inside {@code change}, so that two sessions of one account cannot both pass the
     * quota check before either has counted.
     */
    static QuotaFile.Usage update(Path root, QuotaFile.Change change) throws IOException {
        Path key = root.toAbsolutePath().normalize();
        ReentrantLock lock = LOCK;
        lock.lock();
        try (FileChannel file = open(key.resolve(QuotaFile.FILE_NAME)); FileLock processLock = file.lock()) {
            QuotaFile.Usage current = parse(file);
            if (current == null) {
                current = count(key);
                write(file, current);
            }
            QuotaFile.Usage changed = change.apply(current);
            if (!changed.equals(current)) {
                write(file, changed);
            }
            return changed;
        } finally {
            lock.unlock();
        }
    }

    /** Counts the tree again and rewrites the file (what {@code pure-quotacheck} does). */
    public static QuotaFile.Usage rebuild(Path root) throws IOException {
        QuotaFile.Usage counted = count(root.toAbsolutePath().normalize());
        return update(root, ignored -> counted);
    }

    /**
     * Regular files and directories under {@code root} (not the root itself, not {@code .ftpquota}, not uploads
     * in progress), each inode once, symlinks never followed.
     */
    public static QuotaFile.Usage count(Path root) throws IOException {
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
                if (attributes.isRegularFile() && !name.equals(QuotaFile.FILE_NAME) && !name.startsWith(QuotaFile.UPLOAD_TEMP_PREFIX)
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
        return new QuotaFile.Usage(totals[0], totals[1]);
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
    private static QuotaFile.Usage parse(FileChannel file) throws IOException {
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
            return files < 0 || bytes < 0 ? null : new QuotaFile.Usage(files, bytes);
        } catch (NumberFormatException malformed) {
            return null;
        }
    }

    private static void write(FileChannel file, QuotaFile.Usage usage) throws IOException {
        byte[] line = (usage.files() + " " + usage.bytes() + "\n").getBytes(StandardCharsets.US_ASCII);
        file.truncate(0);
        file.position(0);
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
            file.write(buffer);
        }
    }

    public static String describe(Path root, QuotaFile.Usage usage) {
        return root + ": " + usage.files() + " files and directories, " + usage.bytes() + " bytes (written to "
                + root.resolve(QuotaFile.FILE_NAME) + ")";
    }
}
