package org.example.wharf.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.util.Arrays;

/**
 * Bytes in an array behind a channel. A reader shares a file's array, which nobody writes any more; a writer has
 * an array of its own, reserves room in the {@link Capacity} before it grows, and hands its bytes to its
 * {@link Sink} when closed (the sink then owns that room: it keeps it for a file or releases it).
 */
final class MemoryChannel implements SeekableByteChannel {

    /** Where a writer's bytes go when it is closed. */
    @FunctionalInterface
    interface Sink {
        void accept(byte[] data, int size);
    }

    /** The largest array the JVM reliably gives. */
    private static final int MAX_SIZE = Integer.MAX_VALUE - 8;

    private final String path;
    private final Capacity capacity;
    private final Sink sink;
    private byte[] data;
    private int size;
    private long position;
    private boolean open = true;

    private MemoryChannel(String path, byte[] data, int size, Capacity capacity, Sink sink) {
        this.path = path;
        this.data = data;
        this.size = size;
        this.capacity = capacity;
        this.sink = sink;
    }

    /** A read-only channel on {@code data[0..size)}, which must not change while it is open. */
    static MemoryChannel reader(String path, byte[] data, int size) {
        return new MemoryChannel(path, data, size, null, null);
    }

    /**
     * A read-write channel starting with a copy of {@code start[0..size)}, room for which the caller has already
     * reserved; closing it passes its bytes to {@code sink}.
     */
    static MemoryChannel writer(String path, byte[] start, int size, Capacity capacity, Sink sink) {
        return new MemoryChannel(path, Arrays.copyOf(start, size), size, capacity, sink);
    }

    @Override
    public synchronized int read(ByteBuffer target) throws IOException {
        ensureOpen();
        if (position >= size) {
            return -1;
        }
        int count = (int) Math.min(target.remaining(), size - position);
        target.put(data, (int) position, count);
        position += count;
        return count;
    }

    @Override
    public synchronized int write(ByteBuffer source) throws IOException {
        ensureOpen();
        if (capacity == null) {
            throw new NonWritableChannelException();
        }
        int count = source.remaining();
        long end = position + count;
        if (end > MAX_SIZE) {
            throw new FileSystemException(path, null, "File too large");
        }
        if (end > size) {
            capacity.reserve(end - size, path); // a full storage refuses before anything is written
            if (end > data.length) {
                data = Arrays.copyOf(data, (int) Math.min(MAX_SIZE, Math.max(end, data.length * 2L)));
            }
            if (position > size) {
                Arrays.fill(data, size, (int) position, (byte) 0); // a gap after a seek reads as zeros
            }
        }
        source.get(data, (int) position, count);
        position = end;
        size = (int) Math.max(size, end);
        return count;
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public synchronized long size() throws IOException {
        ensureOpen();
        return size;
    }

    /** Bytes in the channel, also once it is closed. */
    synchronized int length() {
        return size;
    }

    @Override
    public synchronized SeekableByteChannel truncate(long newSize) throws IOException {
        ensureOpen();
        if (capacity == null) {
            throw new NonWritableChannelException();
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size " + newSize);
        }
        if (newSize < size) {
            capacity.release(size - newSize);
            size = (int) newSize;
        }
        position = Math.min(position, newSize);
        return this;
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        byte[] bytes;
        int length;
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
            bytes = data;
            length = size;
        }
        if (sink != null) {
            sink.accept(bytes, length); // outside this channel's lock: the sink may take the volume's
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!open) {
            throw new ClosedChannelException();
        }
    }
}
