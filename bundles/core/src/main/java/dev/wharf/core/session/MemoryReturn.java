package dev.wharf.core.session;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap that closed sessions held back to the system, with the Serial collector ({@code bin/wharf}'s
 * default). Serial collects its old generation only when the heap has reached its maximum, so after 10,000 sessions
 * came and went a server kept the pages they had touched, and its old generation filled up with promoted garbage
 * until the maximum heap. Once a second this checks the old generation and asks for a full collection when half
 * of the sessions counted since the last one have closed, or when the old generation has grown by as much as it
 * held then; the JVM then shrinks the heap and unmaps what it gave up ({@code bin/wharf} sets the free ratios for it).
 * Under any other collector (G1, ZGC, Shenandoah return memory themselves) it does nothing.
 */
@Component(service = MemoryReturn.class, immediate = true)
public final class MemoryReturn {

    private static final Logger LOG = LoggerFactory.getLogger(MemoryReturn.class);
    /** The old generation's pool under the Serial collector. */
    static final String SERIAL_OLD_POOL = "Tenured Gen";
    private static final long CHECK_MILLIS = 1000;

    /** What the decision reads of the heap and how it asks for a collection. */
    interface Heap {
        /** Bytes in use in the old generation now (live and dead). */
        long oldUsed();

        /** Bytes the old generation held after its last collection: the live set then. */
        long oldLiveAtLastCollection();

        /** How many collections of the old generation there have been. */
        long oldCollections();

        /** A full collection. */
        void collect();
    }

    /**
     * When to collect: when half of the sessions counted since the last collection have gone (at least
     * {@link #MIN_CLOSED} of them) and the old generation holds at least {@link #MIN_OLD}; or when it has grown by as
     * much as it held after the last collection (at least {@link #MIN_GROWTH}), as a collector that keeps the heap
     * at twice the live set would.
     */
    static final class Decision {
        static final long MIN_OLD = 16L << 20;
        static final long MIN_GROWTH = 64L << 20;
        static final int MIN_CLOSED = 256;

        private final Heap heap;
        private final IntSupplier sessions;
        /** The most sessions seen since the last collection of the old generation. */
        private int peakSessions;
        private long collectionsSeen = -1;

        Decision(Heap heap, IntSupplier sessions) {
            this.heap = heap;
            this.sessions = sessions;
        }

        /** Checks once and collects if it is worth it; whether it did. */
        boolean check() {
            int now = sessions.getAsInt();
            long collections = heap.oldCollections();
            if (collections != collectionsSeen) {
                // a collection since the last check (the JVM's own or ours): count sessions from here
                collectionsSeen = collections;
                peakSessions = now;
            }
            peakSessions = Math.max(peakSessions, now);
            long used = heap.oldUsed();
            long live = heap.oldLiveAtLastCollection();
            boolean sessionsGone = peakSessions - now >= MIN_CLOSED && now <= peakSessions / 2 && used >= MIN_OLD;
            boolean doubled = used - live >= Math.max(MIN_GROWTH, live);
            if (!sessionsGone && !doubled) {
                return false;
            }
            heap.collect();
            collectionsSeen = heap.oldCollections();
            peakSessions = now;
            return true;
        }
    }

    private final ScheduledThreadPoolExecutor timer;

    @Activate
    public MemoryReturn(@Reference SessionRuntime runtime) {
        Heap heap = serialHeap();
        if (heap == null) {
            timer = null;
            return;
        }
        Decision decision = new Decision(heap, runtime::sessionCount);
        timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("wharf-memory-return").daemon()
                .factory());
        timer.scheduleWithFixedDelay(() -> {
            try {
                decision.check();
            } catch (RuntimeException unexpected) {
                LOG.warn("Checking the heap failed: {}", unexpected.toString());
            }
        }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Whether this JVM's collector is one this returns memory for. */
    boolean active() {
        return timer != null && !timer.isShutdown();
    }

    /** The Serial collector's old generation, or {@code null} under another collector. */
    static Heap serialHeap() {
        MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.getName().equals(SERIAL_OLD_POOL))
                .findFirst().orElse(null);
        if (old == null) {
            return null;
        }
        GarbageCollectorMXBean oldCollector = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(collector -> java.util.Arrays.asList(collector.getMemoryPoolNames()).contains(SERIAL_OLD_POOL))
                .findFirst().orElse(null);
        if (oldCollector == null) {
            return null;
        }
        return new Heap() {
            @Override
            public long oldUsed() {
                return old.getUsage().getUsed();
            }

            @Override
            public long oldLiveAtLastCollection() {
                MemoryUsage after = old.getCollectionUsage();
                return after == null ? 0 : after.getUsed();
            }

            @Override
            public long oldCollections() {
                return oldCollector.getCollectionCount();
            }

            @Override
            public void collect() {
                long started = System.nanoTime();
                long before = oldUsed();
                System.gc();
                LOG.debug("Returned memory: old generation {} MiB before, {} MiB live, {} ms", before >> 20,
                        oldLiveAtLastCollection() >> 20, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
        };
    }
}
