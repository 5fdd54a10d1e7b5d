package dev.wharf.storage.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.util.Arrays;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A small object (the quota file) read whole into memory, changed there, and written back whole when closed if it
 * changed: {@link dev.wharf.api.storage.WriteMode#UPDATE} for a storage whose objects cannot be written in place.
 */
final class SmallObjectChannel implements SeekableByteChannel {

    private final S3Storage storage;
    private final String key;
    private final String path;
    private byte[] data;
    private int size;
    private int position;
    private boolean changed;
    private boolean open = true;

    private SmallObjectChannel(S3Storage storage, String key, String path, byte[] data, boolean exists) {
        this.storage = storage;
        this.key = key;
        this.path = path;
        this.data = data;
        this.size = data.length;
        this.changed = !exists; // created when closed, as opening a missing file for update creates it
    }

    static SmallObjectChannel open(S3Storage storage, String key, String path) throws IOException {
        var head = storage.head(key, path);
        if (head == null) {
            return new SmallObjectChannel(storage, key, path, new byte[0], false);
        }
        if (head.contentLength() > S3Storage.MAX_UPDATE_BYTES) {
            throw new FileSystemException(path, null, "too large to be updated in place on S3 (over "
                    + S3Storage.MAX_UPDATE_BYTES + " bytes)");
        }
        try {
            byte[] bytes = storage.client().getObjectAsBytes(request -> request.bucket(storage.bucket()).key(key))
                    .asByteArray();
            return new SmallObjectChannel(storage, key, path, bytes, true);
        } catch (SdkException failure) {
            throw storage.failure(failure, path);
        }
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
        ensureOpen();
        if (position >= size) {
            return -1;
        }
        int count = Math.min(target.remaining(), size - position);
        target.put(data, position, count);
        position += count;
        return count;
    }

    @Override
    public int write(ByteBuffer source) throws IOException {
        ensureOpen();
        int count = source.remaining();
        long end = (long) position + count;
        if (end > S3Storage.MAX_UPDATE_BYTES) {
            throw new FileSystemException(path, null, "too large to be updated in place on S3");
        }
        if (end > data.length) {
            data = Arrays.copyOf(data, (int) Math.max(end, data.length * 2L));
        }
        if (position > size) {
            Arrays.fill(data, size, position, (byte) 0);
        }
        source.get(data, position, count);
        position += count;
        size = Math.max(size, position);
        changed |= count > 0;
        return count;
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0 || newPosition > S3Storage.MAX_UPDATE_BYTES) {
            throw new IllegalArgumentException("position out of range: " + newPosition);
        }
        position = (int) newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public SeekableByteChannel truncate(long length) throws IOException {
        ensureOpen();
        if (length < 0) {
            throw new IllegalArgumentException("negative length");
        }
        if (length < size) {
            size = (int) length;
            changed = true;
        }
        position = Math.min(position, size);
        return this;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        if (changed) {
            byte[] content = Arrays.copyOf(data, size);
            try {
                storage.client().putObject(request -> request.bucket(storage.bucket()).key(key),
                        RequestBody.fromBytes(content));
            } catch (SdkException failure) {
                throw storage.failure(failure, path);
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
