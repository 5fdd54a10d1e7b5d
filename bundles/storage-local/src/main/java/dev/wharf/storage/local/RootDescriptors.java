package dev.wharf.storage.local;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The directory descriptors of account roots, one per root however many sessions work below it: 10,000 sessions of
 * one account hold one descriptor besides their sockets, not 10,000 (each descriptor counts against the server's
 * open-file limit). A root path that names another directory by now (a home removed and made again) gets a new
 * descriptor at the next login; the sessions on the old one keep it until they end. A descriptor is closed with the
 * last session holding it, so a provider with no sessions holds none.
 */
final class RootDescriptors {

    /** One opened root: its descriptor, its resolved path and which directory it is (device and inode). */
    static final class Root {
        private final int fd;
        private final Path realPath;
        private final String directory;
        private final String key;
        private int holders = 1;

        private Root(int fd, Path realPath, String directory, String key) {
            this.fd = fd;
            this.realPath = realPath;
            this.directory = directory;
            this.key = key;
        }

        int fd() {
            return fd;
        }

        Path realPath() {
            return realPath;
        }
    }

    private final Map<String, Root> open = new HashMap<>();

    /**
     * The root {@code path} (trusted: the administrator's, symbolic links followed) opened with {@code flags}, shared
     * with the sessions that hold it already; {@link #release} it when the session ends.
     */
    Root acquire(Path path, int flags) throws IOException {
        String key = flags + ":" + path;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = LocalStorage.cName(arena, path.toString());
            MemorySegment buffer = arena.allocate(Linux.STATX_SIZE, 8);
            // which directory the path names now: a stat, cheaper than opening it again and resolving its path
            String named = Linux.statx(arena, Linux.AT_FDCWD, name, 0, buffer) == 0
                    ? LocalStorage.info(buffer).uniqueId() : null;
            synchronized (this) {
                Root known = open.get(key);
                if (known != null && known.directory.equals(named)) {
                    known.holders++;
                    return known;
                }
            }
            int fd = Linux.openat2(arena, Linux.AT_FDCWD, name, flags | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0, 0);
            if (fd < 0) {
                throw LocalStorage.failure(-fd, path.toString());
            }
            try {
                int result = Linux.statx(arena, fd, LocalStorage.cName(arena, ""), Linux.AT_EMPTY_PATH, buffer);
                if (result < 0) {
                    throw LocalStorage.failure(-result, path.toString());
                }
                String directory = LocalStorage.info(buffer).uniqueId();
                // the directory opened, by its resolved path: one readlink instead of one per component
                Path realPath = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
                synchronized (this) {
                    Root known = open.get(key);
                    if (known != null && known.directory.equals(directory)) { // another login was quicker
                        known.holders++;
                        Linux.close(fd);
                        return known;
                    }
                    Root opened = new Root(fd, realPath, directory, key);
                    open.put(key, opened); // a root replaced on disk: its old descriptor lives on with its sessions
                    return opened;
                }
            } catch (IOException | RuntimeException failed) {
                Linux.close(fd);
                throw failed;
            }
        }
    }

    /** A session on {@code root} ended: the last one closes its descriptor. */
    synchronized void release(Root root) {
        if (--root.holders == 0) {
            open.remove(root.key, root);
            Linux.close(root.fd);
        }
    }
}
