package dev.wharf.core.data;

import dev.wharf.core.server.ListenerSettings.PortRange;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One listener's passive data listeners, counted. A session may keep its listener after a transfer, since clients
 * of many small files send PASV before each one and re-using the listener saves a socket, bind and listen per
 * file; but only while at most half the range is kept that way, so the number of sessions that can transfer is
 * never bounded by the size of the passive range. When every port of the range is open, PASV is refused at once
 * instead of trying each port.
 */
public final class PassivePorts {

    /** Without a range the system picks ports; kept listeners then only cost descriptors. */
    private static final int KEPT_WITHOUT_RANGE = 256;

    private final PortRange range;
    private final int keepLimit;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger kept = new AtomicInteger();

    public PassivePorts(PortRange range) {
        this.range = range;
        this.keepLimit = range == null ? KEPT_WITHOUT_RANGE : range.size() / 2;
    }

    public PortRange range() {
        return range;
    }

    /** Whether every port of the range is taken by a listener of this server. */
    boolean exhausted() {
        return range != null && open.get() >= range.size();
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    /** Asks to keep a listener open after its transfer; false when enough are kept already. */
    boolean tryKeep() {
        while (true) {
            int now = kept.get();
            if (now >= keepLimit) {
                return false;
            }
            if (kept.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** A kept listener is used again or closed. */
    void unkeep() {
        kept.decrementAndGet();
    }

    /** Listeners open now (for tests and status). */
    public int openListeners() {
        return open.get();
    }
}
