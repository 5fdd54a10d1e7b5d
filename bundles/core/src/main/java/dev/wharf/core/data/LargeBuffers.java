package dev.wharf.core.data;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A few large direct buffers shared by all sessions of one core, for transfers that stream fast: memory stays
 * bounded. Owned by the core's {@code SessionRuntime}, so an updated core does not keep the old one's buffers.
 */
public final class LargeBuffers {

    static final int SIZE = 512 * 1024;
    private static final int MOST = 16;
    private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(MOST);
    private final AtomicInteger made = new AtomicInteger();

    /** A free buffer, a new one while fewer than {@link #MOST} exist, else null. */
    ByteBuffer borrow() {
        ByteBuffer buffer = free.poll();
        if (buffer != null) {
            return buffer;
        }
        if (made.incrementAndGet() <= MOST) {
            try {
                return ByteBuffer.allocateDirect(SIZE);
            } catch (OutOfMemoryError noDirectMemory) {
                // the transfer goes on through the session's own buffer
            }
        }
        made.decrementAndGet();
        return null;
    }

    void giveBack(ByteBuffer buffer) {
        if (buffer != null) {
            free.offer(buffer);
        }
    }

    /**
     * Lets the free buffers go (the core is stopping); buffers still lent come back to a pool nobody uses any more
     * and go with it.
     */
    public void clear() {
        free.clear();
    }
}
