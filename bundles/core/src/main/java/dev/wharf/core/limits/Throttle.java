package dev.wharf.core.limits;

import java.io.InterruptedIOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bandwidth limit shared by whoever moves bytes through it: each chunk reserves its share of time on a virtual
 * clock and the caller waits until that time has come. Up to {@link #BURST_NANOS} of unused time is credited
 * after a pause, so a transfer that starts does not wait for its first chunk. The rate can change at any time.
 */
public final class Throttle {

    static final long BURST_NANOS = 100_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    private volatile long bytesPerSecond;
    private long nextFreeNanos = Long.MIN_VALUE;

    public Throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** 0 turns the limit off. */
    public void rate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public long rate() {
        return bytesPerSecond;
    }

    public boolean limited() {
        return bytesPerSecond > 0;
    }

    /** Books {@code bytes} and returns how many nanoseconds the caller must wait before moving more; 0 = none. */
    public long reserve(long bytes, long nowNanos) {
        long rate = bytesPerSecond;
        if (rate <= 0) {
            return 0;
        }
        long cost = bytes >= Long.MAX_VALUE / SECOND ? Long.MAX_VALUE / 4 : bytes * SECOND / rate;
        lock.lock();
        try {
            long start = nextFreeNanos == Long.MIN_VALUE || nextFreeNanos - (nowNanos - BURST_NANOS) < 0
                    ? nowNanos - BURST_NANOS : nextFreeNanos;
            nextFreeNanos = start + cost;
            return Math.max(0, nextFreeNanos - nowNanos);
        } finally {
            lock.unlock();
        }
    }

    /** A chunk that takes about a tenth of a second at this rate (at least 1 KiB), capped at {@code preferred}. */
    public int chunkSize(int preferred) {
        long rate = bytesPerSecond;
        return rate <= 0 ? preferred : (int) Math.max(1024, Math.min(preferred, rate / 10));
    }

    /** Waits as long as the longest of {@code throttles} asks for {@code bytes}. */
    public static void pace(long bytes, Throttle... throttles) throws InterruptedIOException {
        long now = System.nanoTime();
        long wait = 0;
        for (Throttle throttle : throttles) {
            if (throttle != null) {
                wait = Math.max(wait, throttle.reserve(bytes, now));
            }
        }
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("transfer interrupted");
            }
        }
    }
}
