package dev.wharf.storage.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Reads an object from its position on with one ranged GET, opened at the first read after a seek (REST + RETR):
 * moving the position drops the stream and the next read asks for {@code bytes=<position>-}. The GET names the
 * ETag seen when the file was opened, so a file replaced meanwhile fails rather than mixing two versions.
 */
final class S3ReadChannel implements SeekableByteChannel {

    private final S3Storage storage;
    private final String key;
    private final String path;
    private final long size;
    private final String etag;
    private long position;
    private ResponseInputStream<GetObjectResponse> stream;
    private byte[] scratch;
    private boolean open = true;

    S3ReadChannel(S3Storage storage, String key, String path, long size, String etag) {
        this.storage = storage;
        this.key = key;
        this.path = path;
        this.size = size;
        this.etag = etag;
    }

    @Override
    public int read(ByteBuffer target) throws IOException {
        ensureOpen();
        if (!target.hasRemaining()) {
            return 0;
        }
        if (position >= size) {
            return -1;
        }
        if (stream == null) {
            long from = position;
            try {
                stream = storage.client().getObject(request -> request.bucket(storage.bucket()).key(key)
                        .range("bytes=" + from + "-").ifMatch(etag));
            } catch (SdkException failure) {
                throw storage.failure(failure, path);
            }
        }
        int read;
        try {
            if (target.hasArray()) {
                read = stream.read(target.array(), target.arrayOffset() + target.position(), target.remaining());
                if (read > 0) {
                    target.position(target.position() + read);
                }
            } else {
                if (scratch == null) {
                    scratch = new byte[64 * 1024];
                }
                read = stream.read(scratch, 0, Math.min(scratch.length, target.remaining()));
                if (read > 0) {
                    target.put(scratch, 0, read);
                }
            }
        } catch (SdkException failure) {
            throw storage.failure(failure, path);
        }
        if (read < 0) {
            // the object ended before its size: it changed, or the connection was cut
            throw new IOException("the S3 object " + path + " ended after " + position + " of " + size + " bytes");
        }
        position += read;
        return read;
    }

    @Override
    public int write(ByteBuffer source) {
        throw new NonWritableChannelException();
    }

    @Override
    public long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position");
        }
        if (newPosition != position) {
            dropStream();
            position = newPosition;
        }
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return size;
    }

    @Override
    public SeekableByteChannel truncate(long length) {
        throw new NonWritableChannelException();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() throws IOException {
        if (open) {
            open = false;
            dropStream();
        }
    }

    /** Ends the GET; one not read to its end is aborted rather than drained. */
    private void dropStream() throws IOException {
        if (stream != null) {
            ResponseInputStream<GetObjectResponse> current = stream;
            stream = null;
            if (position < size) {
                current.abort();
            }
            current.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
