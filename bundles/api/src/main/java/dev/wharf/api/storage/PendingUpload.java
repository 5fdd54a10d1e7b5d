package dev.wharf.api.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A new file being written where nobody sees it; it takes its name only at {@link #commit}, so a failed upload
 * leaves the old file (or nothing). Closing without committing discards it.
 */
@ProviderType
public interface PendingUpload extends Closeable {

    /** Where the data goes. Closed by {@link #commit} and {@link #close}. */
    SeekableByteChannel channel();

    /** Bytes written so far, also once the channel is closed. */
    long size() throws IOException;

    /**
     * Gives the data its name, in the directory the upload was started in.
     *
     * @param name    one path component
     * @param replace whether an existing entry of that name is replaced
     * @throws java.nio.file.FileAlreadyExistsException when {@code replace} is false and the name is taken
     */
    void commit(String name, boolean replace) throws IOException;

    /** The data on the machine's own file system for programs run on it (upload hooks), or {@code null}. */
    Path localPath();
}
