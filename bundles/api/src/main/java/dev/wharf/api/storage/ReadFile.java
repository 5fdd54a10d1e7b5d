package dev.wharf.api.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;

/**
 * A file opened for reading and what it was when opened.
 *
 * @param channel positioned at 0; a {@link java.nio.channels.FileChannel} when the storage has
 *                {@link StorageCapability#ZERO_COPY}
 * @param info    the attributes of the opened file (links followed)
 */
public record ReadFile(SeekableByteChannel channel, FileInfo info) implements Closeable {

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
