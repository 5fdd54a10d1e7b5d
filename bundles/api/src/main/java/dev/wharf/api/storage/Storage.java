package dev.wharf.api.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One session's view of an account's files. Paths are the core's normalised virtual paths: absolute, {@code /}
 * separated, without {@code .} or {@code ..} components; {@code /} is the account's root. The storage resolves
 * them below its root and refuses whatever would lead outside it (a symbolic link pointing out, a directory swapped
 * for a link while the operation runs) with an {@link java.nio.file.AccessDeniedException} whose reason says so.
 *
 * <p>Failures are the {@code java.nio.file} exceptions ({@link java.nio.file.NoSuchFileException},
 * {@link java.nio.file.FileAlreadyExistsException}, {@link java.nio.file.DirectoryNotEmptyException},
 * {@link java.nio.file.NotDirectoryException}, {@link java.nio.file.AccessDeniedException}, ...); a full storage
 * throws {@link StorageFullException}. Operations a storage lacks the {@link StorageCapability} for throw
 * {@link UnsupportedOperationException}. Instances are used by one session, from one thread at a time, except that
 * a transfer's channel may be used while other calls are made.
 */
@ProviderType
public interface Storage extends Closeable {

    Set<StorageCapability> capabilities();

    default boolean can(StorageCapability capability) {
        return capabilities().contains(capability);
    }

    /** The entry at {@code path}, symbolic links followed (within the root). */
    FileInfo stat(String path) throws IOException;

    /**
     * The entry at {@code path} itself (a final symbolic link not followed), or {@code null} if its directory has
     * no such entry; when the directory itself is missing, {@link java.nio.file.NoSuchFileException} (or
     * {@link java.nio.file.NotDirectoryException}), so that one call tells a free name from an impossible one.
     */
    FileInfo lstatIfExists(String path) throws IOException;

    /** The entries of the directory at {@code path} (links followed to reach it), each not followed. */
    DirectoryListing list(String path) throws IOException;

    /** Opens a regular file for reading (links followed); {@link java.nio.file.FileSystemException} otherwise. */
    ReadFile openRead(String path) throws IOException;

    /**
     * Opens a file for writing in place; a final symbolic link is never written through.
     *
     * @param offset      for {@link WriteMode#AT_OFFSET}: where the file is cut and writing starts
     * @param permissions mode bits of a file this creates (before any umask the storage applies)
     */
    SeekableByteChannel openWrite(String path, WriteMode mode, long offset, int permissions) throws IOException;

    /**
     * Starts a new file in the directory of {@code path}, invisible until committed.
     *
     * @param permissions mode bits of the new file
     */
    PendingUpload startUpload(String path, int permissions) throws IOException;

    /** Creates a directory with {@code permissions} (exactly: no umask is applied). */
    void mkdir(String path, int permissions) throws IOException;

    /** Removes an empty directory (a symbolic link is not followed). */
    void rmdir(String path) throws IOException;

    /** Removes a file or symbolic link (never a directory). */
    void delete(String path) throws IOException;

    /**
     * Renames a file, link or directory (a final link is moved itself).
     *
     * @param replace whether an existing {@code to} is replaced; when false an existing one gives
     *                {@link java.nio.file.FileAlreadyExistsException}
     */
    void rename(String from, String to, boolean replace) throws IOException;

    /** Sets the modification time (links followed); needs {@link StorageCapability#SET_TIMES}. */
    void setModified(String path, Instant time) throws IOException;

    /** Sets the permission bits (links followed); needs {@link StorageCapability#POSIX_PERMISSIONS}. */
    void chmod(String path, int mode) throws IOException;

    /** What the symbolic link at {@code path} points to, as stored; needs {@link StorageCapability#SYMLINKS}. */
    String readLink(String path) throws IOException;

    /** The room left where {@code path} lives. */
    Space space(String path) throws IOException;

    /**
     * Whether the session's identity may do {@code access} ({@code 4} read, {@code 2} write, {@code 1} search or
     * execute, or-ed) on an entry with these attributes, as the storage itself would judge it.
     */
    boolean permits(FileInfo info, int access);

    /** Who this storage acts as. */
    Identity identity();

    /**
     * A stable name for the account's root (e.g. {@code local:/srv/ftp/joe}): sessions whose storages have the
     * same key share their files (and their quota bookkeeping).
     */
    String key();

    /**
     * The entry on the machine's own file system, for programs run on it (upload hooks, the transfer log), or
     * {@code null} when the storage has none. Never used for access: it is not confined.
     */
    Path localPath(String path);

    /** Releases what the session held (descriptors, connections); open channels stay usable until closed. */
    @Override
    void close() throws IOException;
}
