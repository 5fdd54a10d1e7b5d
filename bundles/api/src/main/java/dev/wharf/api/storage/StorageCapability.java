package dev.wharf.api.storage;

/** What a storage supports beyond reading, writing new files, listing, renaming and deleting. */
public enum StorageCapability {
    /** {@link Storage#openWrite} with {@link WriteMode#APPEND} (APPE). */
    APPEND,
    /** {@link Storage#openWrite} with {@link WriteMode#AT_OFFSET} (REST + STOR). */
    RESUME,
    /** Modes, owners and {@link Storage#chmod} (SITE CHMOD, listing modes). */
    POSIX_PERMISSIONS,
    /** Symbolic links exist and {@link Storage#readLink} reads them. */
    SYMLINKS,
    /** {@link ReadFile#channel()} is a {@link java.nio.channels.FileChannel} that can {@code transferTo} a socket. */
    ZERO_COPY,
    /** {@link Storage#setModified} (MFMT, SITE UTIME). */
    SET_TIMES,
    /** Files are kept under the account's own uid/gid and access is judged for them (not the server's user). */
    PER_ACCOUNT_IDENTITY
}
