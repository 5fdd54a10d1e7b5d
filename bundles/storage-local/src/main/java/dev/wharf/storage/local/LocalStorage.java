package dev.wharf.storage.local;

import static dev.wharf.storage.local.Linux.*;

import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.DirectoryListing;
import dev.wharf.api.storage.FileInfo;
import dev.wharf.api.storage.Identity;
import dev.wharf.api.storage.PendingUpload;
import dev.wharf.api.storage.ReadFile;
import dev.wharf.api.storage.Space;
import dev.wharf.api.storage.Storage;
import dev.wharf.api.storage.StorageCapability;
import dev.wharf.api.storage.StorageFullException;
import dev.wharf.api.storage.WriteMode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An account's root on the local file system, confined by the kernel: the session holds one descriptor of the
 * root; every path is resolved by {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)} from it, and each
 * change is made by an {@code *at} call on a single name relative to a directory descriptor opened that way. A
 * rename of a directory or a planted symbolic link while an operation runs cannot lead it outside the root:
 * symbolic links are followed only while they stay below it ({@code EXDEV} otherwise). Data moves through
 * {@link FileChannel}s opened from the already opened descriptor ({@code /proc/self/fd/N}), never by name.
 */
final class LocalStorage implements Storage {

    /** Uploads are written under this prefix in the target directory, then renamed into place. */
    static final String UPLOAD_PREFIX = ".wharf-upload.";
    private static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    private static final int STAT_SIZE = 256;

    private final Path realRoot;
    private final int rootFd;
    private final Set<StorageCapability> capabilities;
    private final Identity identity;
    private final Access access;
    private final String key;
    private final int umask;
    private volatile boolean closed;

    LocalStorage(Path realRoot, int rootFd, Set<StorageCapability> capabilities, Identity identity, Access access,
                 int umask) {
        this.realRoot = realRoot;
        this.rootFd = rootFd;
        this.capabilities = capabilities;
        this.identity = identity;
        this.access = access;
        this.key = "local:" + realRoot;
        this.umask = umask;
    }

    @Override
    public Set<StorageCapability> capabilities() {
        return capabilities;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Path localPath(String path) {
        return path.equals("/") ? realRoot : realRoot.resolve(path.substring(1));
    }

    @Override
    public boolean permits(FileInfo info, int wanted) {
        return access.permits(info, wanted);
    }

    // ---- paths ----

    /** {@code /a/b} → the C string {@code a/b}; the root is {@code .}. */
    private static MemorySegment relative(Arena arena, String path) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, terminated(path.equals("/") ? "." : path.substring(1)));
    }

    private static MemorySegment cName(Arena arena, String name) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, terminated(name));
    }

    private static byte[] terminated(String text) {
        byte[] bytes = Names.encode(text);
        byte[] withNul = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, withNul, 0, bytes.length);
        return withNul;
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    private static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Opens {@code path} below the root: a descriptor (closed by the caller), or an exception. */
    private int open(Arena arena, String path, int flags, int mode) throws IOException {
        int fd = openat2(arena, rootFd, relative(arena, path), flags | O_CLOEXEC, mode, RESOLVE);
        if (fd < 0) {
            throw failure(-fd, path);
        }
        return fd;
    }

    /** The directory that holds {@code path}: the root's own descriptor (not to be closed) or a new one. */
    private int openParent(Arena arena, String path) throws IOException {
        if (path.equals("/")) {
            throw new FileSystemException(path, null, "The root directory cannot be changed");
        }
        String parent = parentOf(path);
        return parent.equals("/") ? rootFd : open(arena, parent, O_PATH | O_DIRECTORY, 0);
    }

    private void closeParent(int fd) {
        if (fd != rootFd && fd >= 0) {
            Linux.close(fd);
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("storage closed");
        }
    }

    // ---- attributes ----

    @Override
    public FileInfo stat(String path) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
            if (path.equals("/")) {
                check(statx(arena, rootFd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                return info(buffer);
            }
            int fd = open(arena, path, O_PATH, 0);
            try {
                check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
            } finally {
                Linux.close(fd);
            }
            return info(buffer);
        }
    }

    @Override
    public FileInfo lstatIfExists(String path) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
            if (path.equals("/")) {
                check(statx(arena, rootFd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                return info(buffer);
            }
            int parent;
            try {
                parent = openParent(arena, path);
            } catch (NoSuchFileException missingParent) {
                return null;
            }
            try {
                // one name, not followed, relative to a confined directory: nothing to escape through
                int result = statx(arena, parent, cName(arena, nameOf(path)), AT_SYMLINK_NOFOLLOW, buffer);
                if (result == -ENOENT) {
                    return null;
                }
                check(result, path);
                return info(buffer);
            } finally {
                closeParent(parent);
            }
        }
    }

    static FileInfo info(MemorySegment statx) {
        int mode = Short.toUnsignedInt(statx.get(ValueLayout.JAVA_SHORT, 28));
        int type = mode & 0170000;
        FileInfo.Type kind = type == 0100000 ? FileInfo.Type.FILE : type == 0040000 ? FileInfo.Type.DIRECTORY
                : type == 0120000 ? FileInfo.Type.SYMLINK : FileInfo.Type.OTHER;
        long links = Integer.toUnsignedLong(statx.get(ValueLayout.JAVA_INT, 16));
        int uid = statx.get(ValueLayout.JAVA_INT, 20);
        int gid = statx.get(ValueLayout.JAVA_INT, 24);
        long inode = statx.get(ValueLayout.JAVA_LONG, 32);
        long size = statx.get(ValueLayout.JAVA_LONG, 40);
        long seconds = statx.get(ValueLayout.JAVA_LONG, 112);
        int nanos = statx.get(ValueLayout.JAVA_INT, 120);
        long device = ((long) statx.get(ValueLayout.JAVA_INT, 136) << 8) | statx.get(ValueLayout.JAVA_INT, 140);
        return new FileInfo(kind, mode & 07777, links, uid, gid, size, Instant.ofEpochSecond(seconds, nanos),
                Long.toHexString(device) + "g" + Long.toHexString(inode));
    }

    // ---- listing ----

    @Override
    public DirectoryListing list(String path) throws IOException {
        checkOpen();
        Arena arena = Arena.ofShared();
        try {
            int fd = open(arena, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0);
            return new Listing(arena, fd, path);
        } catch (IOException | RuntimeException failed) {
            arena.close();
            throw failed;
        }
    }

    /** A directory read by getdents64, each entry stat'ed relative to the directory's descriptor. */
    private static final class Listing implements DirectoryListing, Iterator<DirectoryEntry> {
        private static final int BUFFER = 32 * 1024;
        private final Arena arena;
        private final int fd;
        private final String path;
        private final MemorySegment entries;
        private final MemorySegment buffer;
        private final MemorySegment cName;
        private final MemorySegment slot;
        private final byte[] name = new byte[256];
        private int filled;
        private int position;
        private boolean end;
        private boolean closed;
        private DirectoryEntry next;

        Listing(Arena arena, int fd, String path) {
            this.arena = arena;
            this.fd = fd;
            this.path = path;
            this.entries = arena.allocate(BUFFER, 8);
            this.buffer = arena.allocate(STAT_SIZE, 8);
            this.cName = arena.allocate(257);
            this.slot = Linux.errnoSlot(arena);
        }

        @Override
        public Iterator<DirectoryEntry> iterator() {
            return this;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !end && !closed) {
                next = read();
            }
            return next != null;
        }

        @Override
        public DirectoryEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            DirectoryEntry entry = next;
            next = null;
            return entry;
        }

        private DirectoryEntry read() {
            for (;;) {
                if (position >= filled) {
                    int length = getdents64(arena, fd, entries);
                    if (length < 0) {
                        throw new UncheckedIOException(failure(-length, path));
                    }
                    if (length == 0) {
                        end = true;
                        return null;
                    }
                    filled = length;
                    position = 0;
                }
                int record = position;
                position += Short.toUnsignedInt(entries.get(ValueLayout.JAVA_SHORT, record + 16));
                int length = 0;
                while (length < 255) {
                    byte b = entries.get(ValueLayout.JAVA_BYTE, record + 19 + length);
                    if (b == 0) {
                        break;
                    }
                    name[length++] = b;
                }
                if ((length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.')) {
                    continue;
                }
                MemorySegment.copy(name, 0, cName, ValueLayout.JAVA_BYTE, 0, length);
                cName.set(ValueLayout.JAVA_BYTE, length, (byte) 0);
                int result = statx(slot, fd, cName, AT_SYMLINK_NOFOLLOW, buffer);
                if (result == -ENOENT) {
                    continue; // removed since the directory was read
                }
                if (result < 0) {
                    throw new UncheckedIOException(failure(-result, path));
                }
                return new DirectoryEntry(Names.decode(name, length), info(buffer));
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Linux.close(fd);
                arena.close();
            }
        }
    }

    // ---- data ----

    @Override
    public ReadFile openRead(String path) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int fd = open(arena, path, O_PATH, 0);
            try {
                MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
                check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                FileInfo info = info(buffer);
                if (!info.isFile()) {
                    throw new FileSystemException(path, null, info.isDirectory() ? "Is a directory"
                            : "Not a regular file");
                }
                return new ReadFile(reopen(fd, path, READ), info);
            } finally {
                Linux.close(fd);
            }
        }
    }

    private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ);
    private static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.WRITE);
    private static final Set<OpenOption> READ_WRITE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);

    /**
     * A Java channel on the file {@code fd} refers to: {@code /proc/self/fd/N} names the opened file itself, not
     * a path that could have changed since.
     */
    private static FileChannel reopen(int fd, String path, Set<OpenOption> options) throws IOException {
        try {
            return FileChannel.open(Path.of("/proc/self/fd/" + fd), options);
        } catch (FileSystemException failed) {
            throw new FileSystemException(path, null, failed.getReason());
        }
    }

    @Override
    public SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions)
            throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int flags = switch (mode) {
                case APPEND -> O_WRONLY | O_CREAT;
                case AT_OFFSET -> O_WRONLY;
                case UPDATE -> O_RDWR | O_CREAT;
            };
            // O_NOFOLLOW: a final symbolic link is never written through; O_NONBLOCK: a FIFO never blocks
            int fd = open(arena, path, flags | O_NOFOLLOW | O_NONBLOCK, (flags & O_CREAT) != 0 ? permissions : 0);
            try {
                MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
                check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                if (!info(buffer).isFile()) {
                    throw new FileSystemException(path, null, "Not a regular file");
                }
                FileChannel channel = reopen(fd, path, mode == WriteMode.UPDATE ? READ_WRITE : WRITE);
                try {
                    if (mode == WriteMode.APPEND) {
                        channel.position(channel.size());
                    } else if (mode == WriteMode.AT_OFFSET) {
                        channel.truncate(offset);
                        channel.position(offset);
                    }
                } catch (IOException failed) {
                    channel.close();
                    throw failed;
                }
                return channel;
            } finally {
                Linux.close(fd);
            }
        }
    }

    @Override
    public PendingUpload startUpload(String path, int permissions) throws IOException {
        checkOpen();
        Arena arena = Arena.ofShared();
        int parent = -1;
        try {
            parent = openParent(arena, path);
            String temporary = UPLOAD_PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            MemorySegment cTemporary = cName(arena, temporary);
            // the owner can always write it (the channel is opened again from /proc); the mode is set after
            int createMode = permissions | 0600;
            int fd = openat2(arena, parent, cTemporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    createMode, RESOLVE);
            if (fd < 0) {
                throw failure(-fd, path);
            }
            FileChannel channel;
            try {
                if (createMode != permissions || (permissions & umask) != 0) {
                    check(fchmod(arena, fd, permissions), path);
                }
                channel = reopen(fd, path, WRITE);
            } catch (IOException failed) {
                Linux.unlinkat(arena, parent, cTemporary, 0);
                throw failed;
            } finally {
                Linux.close(fd);
            }
            return new Upload(arena, parent, cTemporary, parentOf(path), temporary, channel);
        } catch (IOException | RuntimeException failed) {
            closeParent(parent);
            arena.close();
            throw failed;
        }
    }

    /** A new file under a temporary name in its directory, renamed into place by {@link #commit}. */
    private final class Upload implements PendingUpload {
        private final Arena arena;
        private final int parent;
        private final MemorySegment cTemporary;
        private final String directory;
        private final String temporary;
        private final FileChannel channel;
        private boolean done;

        Upload(Arena arena, int parent, MemorySegment cTemporary, String directory, String temporary,
               FileChannel channel) {
            this.arena = arena;
            this.parent = parent;
            this.cTemporary = cTemporary;
            this.directory = directory;
            this.temporary = temporary;
            this.channel = channel;
        }

        @Override
        public SeekableByteChannel channel() {
            return channel;
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void commit(String name, boolean replace) throws IOException {
            channel.close();
            String target = (directory.equals("/") ? "" : directory) + "/" + name;
            try (Arena call = Arena.ofConfined()) {
                MemorySegment cTarget = cName(call, name);
                int result = renameat2(call, parent, cTemporary, parent, cTarget, replace ? 0 : RENAME_NOREPLACE);
                if (result == -EINVAL && !replace) {
                    // a file system without RENAME_NOREPLACE: a hard link also fails on an existing name
                    result = linkat(call, parent, cTemporary, parent, cTarget, 0);
                    if (result == 0) {
                        Linux.unlinkat(call, parent, cTemporary, 0);
                    }
                }
                check(result, target);
                done = true;
            }
            close();
        }

        @Override
        public Path localPath() {
            return LocalStorage.this.localPath(directory.equals("/") ? "/" + temporary : directory + "/" + temporary);
        }

        @Override
        public void close() throws IOException {
            if (arena.scope().isAlive()) {
                try {
                    channel.close();
                    if (!done) {
                        Linux.unlinkat(arena, parent, cTemporary, 0);
                    }
                } finally {
                    closeParent(parent);
                    arena.close();
                }
            }
        }
    }

    // ---- changes ----

    @Override
    public void mkdir(String path, int permissions) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int parent = openParent(arena, path);
            try {
                MemorySegment name = cName(arena, nameOf(path));
                check(mkdirat(arena, parent, name, permissions), path);
                if ((permissions & umask) != 0) {
                    // the umask took bits away: set them on the directory just made, never through a link
                    int fd = openat2(arena, parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0,
                            RESOLVE);
                    if (fd >= 0) {
                        fchmod(arena, fd, permissions);
                        Linux.close(fd);
                    }
                }
            } finally {
                closeParent(parent);
            }
        }
    }

    @Override
    public void rmdir(String path) throws IOException {
        unlink(path, AT_REMOVEDIR);
    }

    @Override
    public void delete(String path) throws IOException {
        unlink(path, 0);
    }

    private void unlink(String path, int flags) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int parent = openParent(arena, path);
            try {
                check(unlinkat(arena, parent, cName(arena, nameOf(path)), flags), path);
            } finally {
                closeParent(parent);
            }
        }
    }

    @Override
    public void rename(String from, String to, boolean replace) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int fromParent = openParent(arena, from);
            try {
                int toParent = parentOf(from).equals(parentOf(to)) ? fromParent : openParent(arena, to);
                try {
                    int result = renameat2(arena, fromParent, cName(arena, nameOf(from)), toParent,
                            cName(arena, nameOf(to)), replace ? 0 : RENAME_NOREPLACE);
                    if (result == -EXDEV) {
                        throw new FileSystemException(from, to, "Invalid cross-device link");
                    }
                    check(result, to);
                } finally {
                    if (toParent != fromParent) {
                        closeParent(toParent);
                    }
                }
            } finally {
                closeParent(fromParent);
            }
        }
    }

    @Override
    public void setModified(String path, Instant time) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int fd = path.equals("/") ? rootFd : open(arena, path, O_PATH, 0);
            try {
                // the descriptor's /proc name reaches the opened file only: no path is walked again
                check(Linux.setModified(arena, AT_FDCWD, cName(arena, "/proc/self/fd/" + fd),
                        time.getEpochSecond(), time.getNano()), path);
            } finally {
                closeParent(fd);
            }
        }
    }

    @Override
    public void chmod(String path, int mode) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int fd = path.equals("/") ? rootFd : open(arena, path, O_PATH, 0);
            try {
                check(fchmodat(arena, AT_FDCWD, cName(arena, "/proc/self/fd/" + fd), mode), path);
            } finally {
                closeParent(fd);
            }
        }
    }

    @Override
    public String readLink(String path) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int parent = openParent(arena, path);
            try {
                MemorySegment buffer = arena.allocate(4096);
                long length = readlinkat(arena, parent, cName(arena, nameOf(path)), buffer);
                check((int) Math.min(0, length), path);
                byte[] bytes = buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
                return Names.decode(bytes, bytes.length);
            } finally {
                closeParent(parent);
            }
        }
    }

    @Override
    public Space space(String path) throws IOException {
        checkOpen();
        // statvfs of the root's own descriptor: no mount table read, no path walked
        File root = new File("/proc/self/fd/" + rootFd);
        return new Space(root.getTotalSpace(), root.getUsableSpace());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Linux.close(rootFd);
        }
    }

    // ---- errors ----

    private static void check(int result, String path) throws IOException {
        if (result < 0) {
            throw failure(-result, path);
        }
    }

    /** The {@code java.nio.file} exception for an errno, naming the virtual path. */
    static IOException failure(int errno, String path) {
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(path, null, "No such file or directory");
            case EEXIST -> new FileAlreadyExistsException(path, null, "File exists");
            case EACCES, EPERM -> new AccessDeniedException(path, null, "Permission denied");
            case ENOTDIR -> new NotDirectoryException(path);
            case ENOTEMPTY -> new DirectoryNotEmptyException(path);
            case EXDEV -> new AccessDeniedException(path, null, "Path leads outside your root");
            case ELOOP -> new FileSystemException(path, null, "Too many levels of symbolic links");
            case EISDIR -> new FileSystemException(path, null, "Is a directory");
            case ENOSPC, EDQUOT -> new StorageFullException(path);
            case EROFS -> new FileSystemException(path, null, "Read-only file system");
            case ENAMETOOLONG -> new FileSystemException(path, null, "File name too long");
            default -> new FileSystemException(path, null, "System error " + errno);
        };
    }
}
