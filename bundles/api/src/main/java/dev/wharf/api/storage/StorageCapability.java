package dev.wharf.api.storage;

/** What a storage root supports beyond reading, writing, listing and deleting. */
public enum StorageCapability {
    /** Opening a file for append (APPE). */
    APPEND,
    /** Writing from an offset (REST + STOR). */
    RESUME,
    /** {@code Files.move} with {@code ATOMIC_MOVE} within a directory: enables atomic uploads. */
    ATOMIC_RENAME,
    /** POSIX permissions and owners (SITE CHMOD, listing modes). */
    POSIX_PERMISSIONS,
    /** Symbolic links exist and can be read. */
    SYMLINKS,
    /** Files open as {@link java.nio.channels.FileChannel}s that can {@code transferTo} a socket (sendfile). */
    ZERO_COPY,
    /** Setting modification times (MFMT, SITE UTIME). */
    SET_TIMES
}
