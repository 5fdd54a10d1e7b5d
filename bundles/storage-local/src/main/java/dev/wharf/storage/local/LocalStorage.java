package dev.wharf.storage.local;

import static dev.wharf.storage.local.Linux.*;

import dev.wharf.api.storage.DirectoryEntry;
import dev.wharf.api.storage.FileNames;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
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
    /** Room for an ACL of 32 entries; a longer one is read again into {@link #XATTR_MAX_BYTES}. */
    private static final int ACL_BYTES = 4 + 8 * 32;
    private static final int XATTR_MAX_BYTES = 65536;

    private final Path realRoot;
    private final int rootFd;
    /** The root's descriptor is shared by the sessions on it (see {@link RootDescriptors}), released at close. */
    private final RootDescriptors.Root root;
    private final RootDescriptors roots;
    private final Set<StorageCapability> capabilities;
    private final Identity identity;
    private final Access access;
    private final String key;
    private final int umask;
    /**
     * Whether the session acts as the account (the server may give files away): new entries get its uid/gid on
     * the open descriptor before their final name is visible, and access is judged for it here, from the modes of
     * the descriptors opened, since the kernel judges for the server's privileged user.
     */
    private final boolean actAs;
    /** The provider's threads that help stat large listings; {@code null}: this thread alone. */
    private final StatWorkers statWorkers;
    private volatile boolean closed;

    LocalStorage(RootDescriptors.Root root, RootDescriptors roots, Set<StorageCapability> capabilities,
                 Identity identity, Access access, int umask, boolean actAs, StatWorkers statWorkers) {
        this.realRoot = root.realPath();
        this.rootFd = root.fd();
        this.root = root;
        this.roots = roots;
        this.capabilities = capabilities;
        this.identity = identity;
        this.access = access;
        this.key = "local:" + realRoot;
        this.umask = umask;
        this.actAs = actAs;
        this.statWorkers = statWorkers;
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

    /** {@code name} as the kernel takes it: its bytes ({@link FileNames}) and a NUL. */
    static MemorySegment cName(Arena arena, String name) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, terminated(name));
    }

    private static byte[] terminated(String text) {
        byte[] bytes = FileNames.encode(text);
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
        // an absolute symbolic link is refused by RESOLVE_BENEATH even when it names a place inside the root:
        // such links are rewritten relative to the root and the walk made again, still beneath it
        String resolved = path;
        for (int rewrites = 0; fd == -EXDEV && rewrites < 8; rewrites++) {
            resolved = rewriteAbsoluteLink(arena, resolved, (flags & O_NOFOLLOW) == 0);
            if (resolved == null) {
                break;
            }
            fd = openat2(arena, rootFd, relative(arena, resolved), flags | O_CLOEXEC, mode, RESOLVE);
        }
        if (fd < 0) {
            throw failure(-fd, path);
        }
        return fd;
    }

    /**
     * {@code path} with its first absolute symbolic link that points inside the root replaced by the place it
     * names, or {@code null} when there is none (the link leads outside: refused). Each component is looked at
     * through a descriptor opened beneath the root, so nothing here can reach outside either.
     */
    private String rewriteAbsoluteLink(Arena arena, String path, boolean followLast) {
        String[] components = path.substring(1).split("/");
        StringBuilder prefix = new StringBuilder();
        MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
        MemorySegment empty = cName(arena, "");
        String rootText = realRoot.toString();
        for (int i = 0; i < components.length; i++) {
            prefix.append('/').append(components[i]);
            if (i == components.length - 1 && !followLast) {
                return null;
            }
            int fd = openat2(arena, rootFd, relative(arena, prefix.toString()), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0,
                    RESOLVE);
            if (fd < 0) {
                return null;
            }
            try {
                if (statx(arena, fd, empty, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, buffer) < 0
                        || !info(buffer).isSymbolicLink()) {
                    continue;
                }
                MemorySegment target = arena.allocate(4096);
                long length = readlinkat(arena, fd, empty, target);
                if (length <= 0) {
                    return null;
                }
                byte[] bytes = target.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
                String link = FileNames.decode(bytes, bytes.length);
                if (!link.startsWith("/")) {
                    continue; // relative links are the kernel's to follow
                }
                String inside;
                if (link.equals(rootText) || link.equals(rootText + "/")) {
                    inside = "";
                } else if (link.startsWith(rootText + "/")) {
                    inside = link.substring(rootText.length());
                } else {
                    return null;
                }
                StringBuilder rewritten = new StringBuilder(inside);
                for (int rest = i + 1; rest < components.length; rest++) {
                    rewritten.append('/').append(components[rest]);
                }
                return rewritten.isEmpty() ? "/" : rewritten.toString();
            } finally {
                Linux.close(fd);
            }
        }
        return null;
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

    // ---- acting as the account ----

    /** The attributes of what {@code fd} refers to. */
    private static FileInfo fstat(Arena arena, int fd, String path) throws IOException {
        MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
        check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, buffer), path);
        return info(buffer);
    }

    /** Search permission on every directory from the root down to the one holding {@code path}. */
    private void requireSearch(Arena arena, String path) throws IOException {
        if (actAs && !path.equals("/")) {
            closeParent(openSearchedParent(arena, path));
        }
    }

    /**
     * The directory holding {@code path}, opened beneath the root. Acting for an account, search permission is
     * checked on every directory from the root down to it on the descriptors of this one walk, and the last of them
     * is the one returned: one open per directory level and no second walk to the parent.
     */
    private int openSearchedParent(Arena arena, String path) throws IOException {
        if (!actAs) {
            return openParent(arena, path);
        }
        if (path.equals("/")) {
            throw new FileSystemException(path, null, "The root directory cannot be changed");
        }
        String parent = parentOf(path);
        String directory = "/";
        int from = 1;
        while (true) {
            // readable descriptors (the server may open any directory), so that fgetxattr reads their ACLs
            int fd = directory.equals("/") ? rootFd
                    : open(arena, directory, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0);
            boolean keep = false;
            try {
                if (!access.permits(fstat(arena, fd, directory), 1, directoryAcl(arena, fd, directory))) {
                    throw new AccessDeniedException(path, null, "Permission denied");
                }
                if (directory.equals(parent)) {
                    keep = true;
                    return fd;
                }
            } finally {
                if (!keep) {
                    closeParent(fd);
                }
            }
            int slash = path.indexOf('/', from);
            directory = path.substring(0, slash);
            from = slash + 1;
        }
    }

    /** {@code wanted} on the entry {@code name} in {@code dirfd}, or on {@code dirfd} itself when name is null. */
    private void require(Arena arena, int dirfd, MemorySegment name, FileInfo info, int wanted, String path)
            throws IOException {
        if (actAs && !access.permits(info, wanted, aclOf(arena, dirfd, name, path))) {
            throw new AccessDeniedException(path, null, "Permission denied");
        }
    }

    /** Whether this file system may keep ACLs: cleared at its first "not supported". */
    private volatile boolean aclsPossible = true;
    /** Cleared when the kernel has no getxattrat (before 6.13): ACLs are then read through /proc/self/fd. */
    private volatile boolean getxattratWorks = true;

    /** Tests choose the way an old kernel takes. */
    void useGetxattrat(boolean use) {
        getxattratWorks = use;
    }

    /**
     * The access ACL of the entry {@code name} in {@code dirfd} (not followed), or of {@code dirfd} itself when
     * name is null; null when it has none.
     */
    private Acl aclOf(Arena arena, int dirfd, MemorySegment name, String path) throws IOException {
        return aclOf(arena, dirfd, name, path, false);
    }

    /** The access ACL of a directory opened for reading (not O_PATH): read from its descriptor. */
    private Acl directoryAcl(Arena arena, int fd, String path) throws IOException {
        return aclOf(arena, fd, null, path, true);
    }

    private Acl aclOf(Arena arena, int dirfd, MemorySegment name, String path, boolean readable)
            throws IOException {
        if (!aclsPossible) {
            return null;
        }
        MemorySegment attribute = arena.allocateFrom(Acl.XATTR_NAME);
        MemorySegment value = arena.allocate(ACL_BYTES);
        long length = readable ? Linux.fgetxattr(arena, dirfd, attribute, value)
                : read(arena, dirfd, name, attribute, value);
        if (length == -ERANGE) {
            value = arena.allocate(XATTR_MAX_BYTES);
            length = readable ? Linux.fgetxattr(arena, dirfd, attribute, value)
                    : read(arena, dirfd, name, attribute, value);
        }
        if (length == -ENODATA) {
            return null;
        }
        if (length == -EOPNOTSUPP) {
            aclsPossible = false;
            return null;
        }
        check(length < 0 ? (int) length : 0, path);
        Acl acl = Acl.parse(value, length);
        if (acl == null) {
            throw new AccessDeniedException(path, null, "Permission denied (unreadable ACL)");
        }
        return acl;
    }

    private long read(Arena arena, int dirfd, MemorySegment name, MemorySegment attribute, MemorySegment value) {
        if (getxattratWorks && name != null) {
            // (getxattrat takes no O_PATH descriptor with an empty path: the descriptor itself goes through /proc)
            long length = Linux.getxattrat(arena, dirfd, name, AT_SYMLINK_NOFOLLOW, attribute, value);
            if (length != -ENOSYS) {
                return length;
            }
            getxattratWorks = false;
        }
        // /proc/self/fd/N is what the descriptor refers to, whatever its path is now
        String self = "/proc/self/fd/" + dirfd;
        if (name == null) {
            return Linux.getxattr(arena, arena.allocateFrom(self), attribute, value);
        }
        MemorySegment prefix = arena.allocateFrom(self + "/");
        MemorySegment full = arena.allocate(prefix.byteSize() - 1 + name.byteSize());
        full.copyFrom(prefix.asSlice(0, prefix.byteSize() - 1));
        full.asSlice(prefix.byteSize() - 1).copyFrom(name);
        return Linux.lgetxattr(arena, full, attribute, value);
    }

    /**
     * Creating, removing or renaming in a directory: write and search on it, and with the sticky bit set only the
     * owner of the entry (or of the directory) may remove or replace it.
     */
    private void requireChange(Arena arena, int parent, FileInfo directory, FileInfo entry, String path)
            throws IOException {
        if (!actAs) {
            return;
        }
        require(arena, parent, null, directory, 3, path);
        if (entry != null && (directory.mode() & 01000) != 0 && entry.uid() != identity.uid()
                && directory.uid() != identity.uid()) {
            throw new AccessDeniedException(path, null, "Operation not permitted (sticky directory)");
        }
    }

    /** SITE CHMOD, MFMT: only the owner, as chmod(2) and utimensat(2) with a time allow. */
    private void requireOwner(FileInfo info, String path) throws IOException {
        if (actAs && info.uid() != identity.uid()) {
            throw new AccessDeniedException(path, null, "Operation not permitted");
        }
    }

    /** The entry {@code name} in {@code parent}, not followed, or null. */
    private static FileInfo entryOf(Arena arena, int parent, MemorySegment name, String path) throws IOException {
        MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
        int result = statx(arena, parent, name, AT_SYMLINK_NOFOLLOW, buffer);
        if (result == -ENOENT) {
            return null;
        }
        check(result, path);
        return info(buffer);
    }

    /** Gives a new entry to the account: its uid, and its gid unless a setgid directory hands down its own. */
    private void giveAway(Arena arena, int fd, FileInfo directory, String path) throws IOException {
        if (actAs) {
            int gid = (directory.mode() & 02000) != 0 ? directory.gid() : identity.gid();
            check(fchown(arena, fd, identity.uid(), gid), path);
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
            requireSearch(arena, path);
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
            int parent = openSearchedParent(arena, path); // no directory to hold it: an exception, not null
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
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            requireSearch(arena, path);
            fd = open(arena, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0);
            try {
                require(arena, fd, null, fstat(arena, fd, path), 4, path);
            } catch (IOException refused) {
                Linux.close(fd);
                throw refused;
            }
        }
        // the listing's buffers live as long as it: freed by the collector, so any thread may read and close it
        // (a shared arena's close would stop every thread for a handshake, a confined one binds to this thread)
        return new Listing(Arena.ofAuto(), fd, path, statWorkers);
    }

    /**
     * A directory read by getdents64, each entry stat'ed relative to the directory's descriptor. The entries of one
     * getdents64 buffer are a batch; a large batch is cut into parts, stat'ed at once by this thread and the
     * provider's {@link StatWorkers}, and handed out in the directory's order.
     */
    private static final class Listing implements DirectoryListing, Iterator<DirectoryEntry> {
        private static final int BUFFER = 32 * 1024;
        /** The most records one buffer can hold (each takes at least 24 bytes). */
        private static final int MAX_RECORDS = BUFFER / 24;
        private final Arena arena;
        private final int fd;
        private final String path;
        private final StatWorkers workers;
        private final MemorySegment entries;
        private final Stater stater;
        /** Offsets in {@link #entries} of the batch's records, {@code .} and {@code ..} left out. */
        private final int[] records = new int[MAX_RECORDS];
        /** The batch's entries; {@code null} where one was removed before it was stat'ed. */
        private final DirectoryEntry[] batch = new DirectoryEntry[MAX_RECORDS];
        private int batchSize;
        private int batchPosition;
        private boolean end;
        private boolean closed;
        private DirectoryEntry next;

        Listing(Arena arena, int fd, String path, StatWorkers workers) {
            this.arena = arena;
            this.fd = fd;
            this.path = path;
            this.workers = workers;
            this.entries = arena.allocate(BUFFER, 8);
            this.stater = new Stater(arena);
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
                while (batchPosition < batchSize) {
                    DirectoryEntry entry = batch[batchPosition];
                    batch[batchPosition++] = null;
                    if (entry != null) {
                        return entry;
                    }
                }
                int length = getdents64(arena, fd, entries);
                if (length < 0) {
                    throw new UncheckedIOException(failure(-length, path));
                }
                if (length == 0) {
                    end = true;
                    return null;
                }
                statBatch(length);
            }
        }

        /** Reads the records of a filled buffer and stats them, in parts on several threads when there are many. */
        private void statBatch(int length) {
            int count = 0;
            for (int record = 0; record < length;
                 record += Short.toUnsignedInt(entries.get(ValueLayout.JAVA_SHORT, record + 16))) {
                byte first = entries.get(ValueLayout.JAVA_BYTE, record + 19);
                byte second = entries.get(ValueLayout.JAVA_BYTE, record + 20);
                if (first == '.' && (second == 0 || second == '.' && entries.get(ValueLayout.JAVA_BYTE,
                        record + 21) == 0)) {
                    continue;
                }
                records[count++] = record;
            }
            batchSize = 0;
            batchPosition = 0;
            int parts = workers == null ? 1 : workers.parts(count);
            int partSize = (count + parts - 1) / parts;
            FutureTask<?>[] others = new FutureTask<?>[parts - 1];
            RuntimeException failed = null;
            try {
                for (int part = 1; part < parts; part++) {
                    int from = Math.min(count, part * partSize);
                    int to = Math.min(count, from + partSize);
                    others[part - 1] = new FutureTask<>(() -> {
                        try (Arena own = Arena.ofConfined()) {
                            new Stater(own).stat(this, from, to);
                        }
                        return null;
                    });
                    workers.offer(others[part - 1]);
                }
                stater.stat(this, 0, Math.min(count, partSize));
            } catch (RuntimeException failure) {
                failed = failure;
            } finally {
                // every part has ended before this returns or throws (errors included): none still uses the
                // descriptor or the batch once the listing goes on or is closed
                for (FutureTask<?> other : others) {
                    if (other == null) {
                        continue;
                    }
                    other.run(); // a part no helper has begun yet is done here: never wait behind other listings
                    try {
                        awaitUninterruptibly(other);
                    } catch (ExecutionException failure) {
                        if (failed == null) {
                            failed = failure.getCause() instanceof RuntimeException unchecked ? unchecked
                                    : new IllegalStateException(failure.getCause());
                        }
                    }
                }
            }
            if (failed != null) {
                throw failed;
            }
            batchSize = count;
        }

        /** The part's outcome once it has ended, even if this thread is interrupted meanwhile (it takes a moment). */
        private static void awaitUninterruptibly(FutureTask<?> part) throws ExecutionException {
            boolean interrupted = false;
            try {
                for (;;) {
                    try {
                        part.get();
                        return;
                    } catch (InterruptedException again) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Linux.close(fd);
            }
        }
    }

    /** One thread's buffers for stat'ing a listing's entries. */
    private static final class Stater {
        private final MemorySegment buffer;
        private final MemorySegment cName;
        private final MemorySegment slot;
        private final byte[] name = new byte[256];

        Stater(Arena arena) {
            this.buffer = arena.allocate(STAT_SIZE, 8);
            this.cName = arena.allocate(257);
            this.slot = Linux.errnoSlot(arena);
        }

        /** Stats the batch's records {@code from} to {@code to} into its entries. */
        void stat(Listing listing, int from, int to) {
            MemorySegment entries = listing.entries;
            for (int i = from; i < to; i++) {
                int nameStart = listing.records[i] + 19;
                int length = 0;
                while (length < 255) {
                    byte b = entries.get(ValueLayout.JAVA_BYTE, nameStart + length);
                    if (b == 0) {
                        break;
                    }
                    name[length++] = b;
                }
                MemorySegment.copy(name, 0, cName, ValueLayout.JAVA_BYTE, 0, length);
                cName.set(ValueLayout.JAVA_BYTE, length, (byte) 0);
                int result = statx(slot, listing.fd, cName, AT_SYMLINK_NOFOLLOW, buffer);
                if (result == -ENOENT) {
                    listing.batch[i] = null; // removed since the directory was read
                    continue;
                }
                if (result < 0) {
                    throw new UncheckedIOException(failure(-result, listing.path));
                }
                listing.batch[i] = new DirectoryEntry(FileNames.decode(name, length), info(buffer));
            }
        }
    }

    // ---- data ----

    @Override
    public ReadFile openRead(String path) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            requireSearch(arena, path);
            int fd = open(arena, path, O_PATH, 0);
            try {
                MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
                check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                FileInfo info = info(buffer);
                if (!info.isFile()) {
                    throw new FileSystemException(path, null, info.isDirectory() ? "Is a directory"
                            : "Not a regular file");
                }
                require(arena, fd, null, info, 4, path);
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
            boolean create = actAs && (flags & O_CREAT) != 0;
            if (!create) {
                requireSearch(arena, path);
            }
            // O_NOFOLLOW: a final symbolic link is never written through; O_NONBLOCK: a FIFO never blocks
            int fd = create ? openOrCreateAsAccount(arena, path, flags, permissions)
                    : open(arena, path, flags | O_NOFOLLOW | O_NONBLOCK, (flags & O_CREAT) != 0 ? permissions : 0);
            try {
                MemorySegment buffer = arena.allocate(STAT_SIZE, 8);
                check(statx(arena, fd, cName(arena, ""), AT_EMPTY_PATH, buffer), path);
                if (!info(buffer).isFile()) {
                    throw new FileSystemException(path, null, "Not a regular file");
                }
                require(arena, fd, null, info(buffer), 2, path);
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

    /**
     * Opens an existing file for writing, or creates it for the account: under a temporary name, given away, then
     * renamed to its name only if that is still free (else the file now there is opened).
     */
    private int openOrCreateAsAccount(Arena arena, String path, int flags, int permissions) throws IOException {
        int access = flags & (O_WRONLY | O_RDWR);
        int parent = openSearchedParent(arena, path);
        try {
            MemorySegment name = cName(arena, nameOf(path));
            for (int attempt = 0; attempt < 10; attempt++) {
                int fd = openat2(arena, parent, name, access | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0, RESOLVE);
                if (fd != -ENOENT) {
                    if (fd < 0) {
                        throw failure(-fd, path);
                    }
                    return fd;
                }
                FileInfo directory = fstat(arena, parent, parentOf(path));
                requireChange(arena, parent, directory, null, path);
                MemorySegment temporary = cName(arena, UPLOAD_PREFIX
                        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
                fd = openat2(arena, parent, temporary, access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        permissions | 0600, RESOLVE);
                if (fd < 0) {
                    throw failure(-fd, path);
                }
                try {
                    giveAway(arena, fd, directory, path);
                    check(fchmod(arena, fd, permissions), path);
                    int placed = renameat2(arena, parent, temporary, parent, name, RENAME_NOREPLACE);
                    if (placed == 0) {
                        int result = fd;
                        fd = -1;
                        return result;
                    }
                    if (placed != -EEXIST) {
                        throw failure(-placed, path);
                    }
                } finally {
                    if (fd >= 0) {
                        Linux.close(fd);
                        Linux.unlinkat(arena, parent, temporary, 0);
                    }
                }
            }
            throw new FileSystemException(path, null, "The name keeps changing");
        } finally {
            closeParent(parent);
        }
    }

    @Override
    public PendingUpload startUpload(String path, int permissions) throws IOException {
        checkOpen();
        int parent = -1;
        int fd = -1;
        String temporary = null;
        try (Arena arena = Arena.ofConfined()) {
            try {
                parent = openSearchedParent(arena, path);
                FileInfo directory = actAs ? fstat(arena, parent, parentOf(path)) : null;
                requireChange(arena, parent, directory, null, path);
                // the owner can always write it (the channel is opened again from /proc); the mode is set after
                int createMode = permissions | 0600;
                if (tmpfileWorks) {
                    // an unnamed file: a crash or kill -9 leaves nothing behind; it gets its name at commit
                    fd = openat2(arena, parent, cName(arena, "."), O_TMPFILE | O_WRONLY | O_CLOEXEC, createMode,
                            RESOLVE);
                    if (fd == -EOPNOTSUPP || fd == -EISDIR || fd == -EINVAL) {
                        tmpfileWorks = false; // this file system has no O_TMPFILE: named temporary files
                    }
                }
                if (!tmpfileWorks) {
                    temporary = temporaryName();
                    fd = openat2(arena, parent, cName(arena, temporary),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, createMode, RESOLVE);
                }
                if (fd < 0) {
                    throw failure(-fd, path);
                }
                giveAway(arena, fd, directory, path);
                if (createMode != permissions || (permissions & umask) != 0) {
                    check(fchmod(arena, fd, permissions), path);
                }
                FileChannel channel = reopen(fd, path, WRITE);
                if (temporary != null) {
                    Linux.close(fd); // the name is enough to place it
                    fd = -1;
                }
                return new Upload(parent, fd, temporary, parentOf(path), channel);
            } catch (IOException | RuntimeException failed) {
                if (fd >= 0) {
                    Linux.close(fd);
                }
                if (temporary != null && parent >= 0) {
                    Linux.unlinkat(arena, parent, cName(arena, temporary), 0);
                }
                closeParent(parent);
                throw failed;
            }
        }
    }

    /** Whether the file system takes O_TMPFILE; cleared at the first refusal. */
    private volatile boolean tmpfileWorks = true;

    private static String temporaryName() {
        return UPLOAD_PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    /**
     * A new file, unnamed ({@code O_TMPFILE}) or under a temporary name in its directory, given its name by
     * {@link #commit}: a hard link of the unnamed file (renamed over an existing name when it replaces one), or a
     * rename of the temporary one.
     */
    private final class Upload implements PendingUpload {
        private final int parent;
        /** The unnamed file's descriptor, or -1 for a named temporary file. */
        private final int unnamed;
        /** The named temporary file, or null. */
        private final String temporary;
        private final String directory;
        private final FileChannel channel;
        private boolean done;
        private boolean released;

        Upload(int parent, int unnamed, String temporary, String directory, FileChannel channel) {
            this.parent = parent;
            this.unnamed = unnamed;
            this.temporary = temporary;
            this.directory = directory;
            this.channel = channel;
        }

        @Override
        public SeekableByteChannel channel() {
            return channel;
        }

        @Override
        public long size() throws IOException {
            if (channel.isOpen()) {
                return channel.size();
            }
            try (Arena call = Arena.ofConfined()) { // the writer closed the channel: the file itself tells
                return unnamed >= 0 ? fstat(call, unnamed, directory).size()
                        : entryOf(call, parent, cName(call, temporary), directory).size();
            }
        }

        @Override
        public void commit(String name, boolean replace) throws IOException {
            channel.close();
            String target = (directory.equals("/") ? "" : directory) + "/" + name;
            try (Arena call = Arena.ofConfined()) {
                MemorySegment cTarget = cName(call, name);
                if (actAs && replace) {
                    requireChange(call, parent, fstat(call, parent, directory),
                            entryOf(call, parent, cTarget, target), target);
                }
                int result;
                if (unnamed >= 0) {
                    MemorySegment self = cName(call, "/proc/self/fd/" + unnamed);
                    result = linkat(call, AT_FDCWD, self, parent, cTarget, AT_SYMLINK_FOLLOW);
                    if (result == -EEXIST && replace) {
                        // link under a temporary name, then rename over the old file: atomic for readers
                        MemorySegment cTemporary = cName(call, temporaryName());
                        result = linkat(call, AT_FDCWD, self, parent, cTemporary, AT_SYMLINK_FOLLOW);
                        if (result == 0) {
                            result = renameat2(call, parent, cTemporary, parent, cTarget, 0);
                            if (result != 0) {
                                Linux.unlinkat(call, parent, cTemporary, 0);
                            }
                        }
                    }
                } else {
                    MemorySegment cTemporary = cName(call, temporary);
                    result = renameat2(call, parent, cTemporary, parent, cTarget, replace ? 0 : RENAME_NOREPLACE);
                    if (result == -EINVAL && !replace) {
                        // a file system without RENAME_NOREPLACE: a hard link also fails on an existing name
                        result = linkat(call, parent, cTemporary, parent, cTarget, 0);
                        if (result == 0) {
                            Linux.unlinkat(call, parent, cTemporary, 0);
                        }
                    }
                }
                check(result, target);
                done = true;
            }
            close();
        }

        @Override
        public Path localPath() {
            return LocalStorage.this.localPath(directory);
        }

        @Override
        public void close() throws IOException {
            if (!released) {
                released = true;
                try (Arena call = Arena.ofConfined()) {
                    channel.close();
                    if (unnamed >= 0) {
                        Linux.close(unnamed); // an unnamed file not linked is gone with its last descriptor
                    } else if (!done) {
                        Linux.unlinkat(call, parent, cName(call, temporary), 0);
                    }
                } finally {
                    closeParent(parent);
                }
            }
        }
    }

    // ---- changes ----

    @Override
    public void mkdir(String path, int permissions) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int parent = openSearchedParent(arena, path);
            try {
                MemorySegment name = cName(arena, nameOf(path));
                if (actAs) {
                    mkdirAsAccount(arena, parent, name, path, permissions);
                    return;
                }
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

    /** A directory made under a temporary name, given to the account, then renamed to a name still free. */
    private void mkdirAsAccount(Arena arena, int parent, MemorySegment name, String path, int permissions)
            throws IOException {
        FileInfo directory = fstat(arena, parent, parentOf(path));
        requireChange(arena, parent, directory, null, path);
        if (entryOf(arena, parent, name, path) != null) {
            throw new FileAlreadyExistsException(path, null, "File exists");
        }
        MemorySegment temporary = cName(arena, UPLOAD_PREFIX + "d."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        check(mkdirat(arena, parent, temporary, 0700), path);
        boolean placed = false;
        try {
            int fd = openat2(arena, parent, temporary, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE);
            if (fd < 0) {
                throw failure(-fd, path);
            }
            try {
                giveAway(arena, fd, directory, path);
                // a setgid directory hands its bit down to the ones made in it, as mkdir(2) does
                check(fchmod(arena, fd, permissions | (directory.mode() & 02000)), path);
            } finally {
                Linux.close(fd);
            }
            check(renameat2(arena, parent, temporary, parent, name, RENAME_NOREPLACE), path);
            placed = true;
        } finally {
            if (!placed) {
                Linux.unlinkat(arena, parent, temporary, AT_REMOVEDIR);
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
            int parent = openSearchedParent(arena, path);
            try {
                MemorySegment name = cName(arena, nameOf(path));
                if (actAs) {
                    requireChange(arena, parent, fstat(arena, parent, parentOf(path)),
                            entryOf(arena, parent, name, path), path);
                }
                check(unlinkat(arena, parent, name, flags), path);
            } finally {
                closeParent(parent);
            }
        }
    }

    @Override
    public void rename(String from, String to, boolean replace) throws IOException {
        checkOpen();
        try (Arena arena = Arena.ofConfined()) {
            int fromParent = openSearchedParent(arena, from);
            try {
                int toParent = parentOf(from).equals(parentOf(to)) ? fromParent : openSearchedParent(arena, to);
                try {
                    MemorySegment fromName = cName(arena, nameOf(from));
                    MemorySegment toName = cName(arena, nameOf(to));
                    if (actAs) {
                        FileInfo moved = entryOf(arena, fromParent, fromName, from);
                        requireChange(arena, fromParent, fstat(arena, fromParent, parentOf(from)), moved, from);
                        requireChange(arena, toParent, fstat(arena, toParent, parentOf(to)),
                                entryOf(arena, toParent, toName, to), to);
                        if (moved != null && moved.isDirectory() && toParent != fromParent) {
                            require(arena, fromParent, fromName, moved, 2, from); // its ".." changes
                        }
                    }
                    int result = renameat2(arena, fromParent, fromName, toParent, toName,
                            replace ? 0 : RENAME_NOREPLACE);
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
            requireSearch(arena, path);
            int fd = path.equals("/") ? rootFd : open(arena, path, O_PATH, 0);
            try {
                requireOwner(fstat(arena, fd, path), path);
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
            requireSearch(arena, path);
            int fd = path.equals("/") ? rootFd : open(arena, path, O_PATH, 0);
            try {
                requireOwner(fstat(arena, fd, path), path);
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
                return FileNames.decode(bytes, bytes.length);
            } finally {
                closeParent(parent);
            }
        }
    }

    @Override
    public Space space(String path) throws IOException {
        checkOpen();
        // statvfs of the root's own descriptor: no mount table read, no path walked
        File directory = new File("/proc/self/fd/" + rootFd);
        return new Space(directory.getTotalSpace(), directory.getUsableSpace());
    }

    @Override
    public synchronized void close() {
        if (!closed) { // released once: other sessions share the descriptor
            closed = true;
            roots.release(root);
        }
    }

    // ---- left-overs ----

    /** What one sweep removed: temporary upload files, and partial uploads kept for resuming that expired. */
    record Leftovers(int temporary, int partials) {
        Leftovers plus(Leftovers other) {
            return new Leftovers(temporary + other.temporary, partials + other.partials);
        }
    }

    /**
     * Removes temporary upload files a crash or kill -9 left behind (uploads normally leave none: they are unnamed
     * until placed), when last changed before {@code olderThan}, and the partial uploads the core keeps for
     * resuming ({@link FileNames#PARTIAL_UPLOAD_PREFIX}) when last changed before {@code partialsOlderThan}; at
     * most {@code budget} entries are looked at.
     */
    Leftovers removeLeftovers(Instant olderThan, Instant partialsOlderThan, int budget) {
        int[] left = {budget};
        return removeLeftovers("/", olderThan, partialsOlderThan, left, 0);
    }

    private Leftovers removeLeftovers(String directory, Instant olderThan, Instant partialsOlderThan, int[] left,
                                      int depth) {
        Leftovers removed = new Leftovers(0, 0);
        java.util.List<String> subdirectories = new java.util.ArrayList<>();
        try (DirectoryListing listing = list(directory)) {
            for (DirectoryEntry entry : listing) {
                if (--left[0] < 0) {
                    break;
                }
                String path = directory.equals("/") ? "/" + entry.name() : directory + "/" + entry.name();
                FileInfo info = entry.info();
                if (entry.name().startsWith(FileNames.PARTIAL_UPLOAD_PREFIX) && info.isFile()
                        && info.modified().isBefore(partialsOlderThan)) {
                    try {
                        delete(path);
                        removed = removed.plus(new Leftovers(0, 1));
                    } catch (IOException goneMeanwhile) {
                        // left for the next sweep
                    }
                } else if (entry.name().startsWith(UPLOAD_PREFIX) && info.modified().isBefore(olderThan)
                        && (info.isFile() || info.isDirectory())) {
                    try {
                        if (info.isFile()) {
                            delete(path);
                        } else {
                            rmdir(path);
                        }
                        removed = removed.plus(new Leftovers(1, 0));
                    } catch (IOException inUseOrGone) {
                        // left for the next start
                    }
                } else if (info.isDirectory() && depth < 64) {
                    subdirectories.add(path);
                }
            }
        } catch (IOException | UncheckedIOException unreadable) {
            return removed;
        }
        for (String subdirectory : subdirectories) {
            if (left[0] <= 0) {
                break;
            }
            removed = removed.plus(removeLeftovers(subdirectory, olderThan, partialsOlderThan, left, depth + 1));
        }
        return removed;
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
            case EMFILE, ENFILE -> new FileSystemException(path, null, "Too many open files");
            default -> new FileSystemException(path, null, "System error " + errno);
        };
    }
}
