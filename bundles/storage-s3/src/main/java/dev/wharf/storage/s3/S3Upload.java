package dev.wharf.storage.s3;

import dev.wharf.api.storage.PendingUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A new file on its way to S3, invisible until {@link #commit}: its bytes collect in one buffer of at most
 * {@code partSize}; a full buffer goes out as one part of a multipart upload (started at the first full buffer,
 * under the name the upload was started for), and the commit sends the rest and completes the upload, which is
 * when the object appears, whole. A file that fits in the buffer is sent with one PUT at the commit. Closing
 * without a commit aborts the multipart upload, so S3 keeps no parts.
 *
 * <p>Memory per upload is the buffer: it grows with the file up to {@code partSize} and no further.
 */
final class S3Upload implements PendingUpload {

    /** S3 completes uploads of at most this many parts. */
    static final int MAX_PARTS = 10_000;
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final S3Storage storage;
    private final String directory;
    private final String name;
    private final String key;
    private final int partSize;
    private final Channel channel = new Channel();
    private byte[] buffer = new byte[INITIAL_BUFFER];
    private int buffered;
    private long written;
    private String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();
    private boolean finished;

    S3Upload(S3Storage storage, String directory, String name, int partSize) {
        this.storage = storage;
        this.directory = directory;
        this.name = name;
        this.key = storage.key(S3Storage.child(directory, name));
        this.partSize = partSize;
    }

    @Override
    public SeekableByteChannel channel() {
        return channel;
    }

    @Override
    public long size() {
        return written;
    }

    /** The bytes this upload holds in memory now (for the tests of its bound). */
    int bufferCapacity() {
        return buffer == null ? 0 : buffer.length;
    }

    @Override
    public void commit(String finalName, boolean replace) throws IOException {
        if (finished) {
            throw new IllegalStateException("the upload was already committed or discarded");
        }
        if (finalName.isEmpty() || finalName.contains("/") || finalName.equals(".") || finalName.equals("..")) {
            throw new IllegalArgumentException("not one path component: " + finalName);
        }
        channel.open = false;
        String path = S3Storage.child(directory, finalName);
        if (uploadId != null && !finalName.equals(name)) {
            // a multipart upload's key is fixed when it starts
            discard();
            throw new FileSystemException(path, null, "an S3 upload larger than part.size cannot take another name "
                    + "than the one it was started with");
        }
        if (storage.directoryExists(path)) {
            throw new FileSystemException(path, null, "Is a directory");
        }
        if (!replace && storage.head(storage.key(path), path) != null) {
            throw new FileAlreadyExistsException(path);
        }
        String target = storage.key(path);
        try {
            if (uploadId == null) {
                storage.client().putObject(request -> request.bucket(storage.bucket()).key(target),
                        body(buffer, buffered));
            } else {
                if (buffered > 0) {
                    sendPart();
                }
                String id = uploadId;
                storage.client().completeMultipartUpload(request -> request.bucket(storage.bucket()).key(target)
                        .uploadId(id).multipartUpload(upload -> upload.parts(parts)));
                uploadId = null;
            }
        } catch (SdkException failure) {
            discard();
            throw storage.failure(failure, path);
        } catch (IOException failure) {
            discard();
            throw failure;
        }
        finished = true;
        buffer = null;
    }

    private static RequestBody body(byte[] bytes, int length) {
        // a fresh stream over the same bytes for each attempt: no copy, and retries resend it whole
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length,
                "application/octet-stream");
    }

    /** Sends the buffer as the next part, starting the multipart upload first if needed. */
    private void sendPart() throws IOException {
        String path = S3Storage.child(directory, name);
        if (parts.size() >= MAX_PARTS) {
            throw new FileSystemException(path, null, "an S3 upload has at most " + MAX_PARTS + " parts of "
                    + (partSize >> 20) + " MiB (setting part.size.mb)");
        }
        try {
            if (uploadId == null) {
                uploadId = storage.client().createMultipartUpload(request -> request.bucket(storage.bucket())
                        .key(key).contentType("application/octet-stream")).uploadId();
            }
            int number = parts.size() + 1;
            String id = uploadId;
            String etag = storage.client().uploadPart(request -> request.bucket(storage.bucket()).key(key)
                    .uploadId(id).partNumber(number), body(buffer, buffered)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            buffered = 0;
        } catch (SdkException failure) {
            throw storage.failure(failure, path);
        }
    }

    /** Drops what was sent: the multipart upload is aborted. */
    private void discard() {
        finished = true;
        channel.open = false;
        buffer = null;
        if (uploadId != null) {
            storage.abortQuietly(key, uploadId);
            uploadId = null;
        }
    }

    @Override
    public void close() {
        if (!finished) {
            discard();
        }
    }

    @Override
    public Path localPath() {
        return null;
    }

    /** Sequential writes only: the core writes an upload from its start to its end. */
    private final class Channel implements SeekableByteChannel {
        private boolean open = true;

        @Override
        public int write(ByteBuffer source) throws IOException {
            if (!open) {
                throw new ClosedChannelException();
            }
            int count = source.remaining();
            while (source.hasRemaining()) {
                if (buffered == buffer.length) {
                    if (buffer.length < partSize) {
                        buffer = Arrays.copyOf(buffer, (int) Math.min(partSize, buffer.length * 2L));
                    } else {
                        sendPart();
                    }
                }
                int chunk = Math.min(source.remaining(), buffer.length - buffered);
                source.get(buffer, buffered, chunk);
                buffered += chunk;
            }
            written += count;
            return count;
        }

        @Override
        public int read(ByteBuffer target) {
            throw new NonReadableChannelException();
        }

        @Override
        public long position() {
            return written;
        }

        @Override
        public SeekableByteChannel position(long newPosition) throws IOException {
            if (newPosition != written) {
                throw new IOException("an S3 upload is written from its start to its end");
            }
            return this;
        }

        @Override
        public long size() {
            return written;
        }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            if (size < written) {
                throw new IOException("an S3 upload cannot be cut");
            }
            return this;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        /** Closing the channel keeps the data for the commit; {@link S3Upload#close()} discards it. */
        @Override
        public void close() {
            open = false;
        }
    }
}
