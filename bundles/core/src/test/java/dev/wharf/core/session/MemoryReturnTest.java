package dev.wharf.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemoryReturnTest {

    private static final long MIB = 1L << 20;

    /** An old generation whose figures the test sets; a collection leaves the live set and counts itself. */
    private static final class FakeHeap implements MemoryReturn.Heap {
        long used;
        long live;
        long collections;
        long liveAfterCollection;
        int ordered;

        @Override
        public long oldUsed() {
            return used;
        }

        @Override
        public long oldLiveAtLastCollection() {
            return live;
        }

        @Override
        public long oldCollections() {
            return collections;
        }

        @Override
        public void collect() {
            ordered++;
            collections++;
            used = liveAfterCollection;
            live = liveAfterCollection;
        }
    }

    @Test
    void collectsOnceWhenHalfTheSessionsHaveClosed() {
        FakeHeap heap = new FakeHeap();
        AtomicInteger sessions = new AtomicInteger(10_000);
        MemoryReturn.Decision decision = new MemoryReturn.Decision(heap, sessions::get);
        heap.used = 120 * MIB;
        heap.live = 110 * MIB;
        assertFalse(decision.check(), "10,000 sessions open, the old generation hardly grown");
        sessions.set(5_100);
        assertFalse(decision.check(), "fewer than half closed");
        sessions.set(500);
        heap.liveAfterCollection = 12 * MIB;
        assertTrue(decision.check(), "9,500 of 10,000 closed");
        assertEquals(1, heap.ordered);
        assertFalse(decision.check(), "counted from the collection on: nothing more to return");
        sessions.set(0);
        assertFalse(decision.check(), "500 closed since, but the old generation holds 12 MiB");
        assertEquals(1, heap.ordered);
    }

    @Test
    void aFewClosedSessionsOrASmallOldGenerationAreNotWorthAPause() {
        FakeHeap heap = new FakeHeap();
        AtomicInteger sessions = new AtomicInteger(300);
        MemoryReturn.Decision decision = new MemoryReturn.Decision(heap, sessions::get);
        heap.used = 200 * MIB;
        heap.live = 190 * MIB;
        decision.check();
        sessions.set(100);
        assertFalse(decision.check(), "200 sessions closed: fewer than " + MemoryReturn.Decision.MIN_CLOSED);
        sessions.set(2_000);
        decision.check();
        heap.used = 15 * MIB;
        heap.live = 15 * MIB;
        sessions.set(0);
        assertFalse(decision.check(), "all closed, but the old generation holds less than 16 MiB");
        assertEquals(0, heap.ordered);
    }

    @Test
    void collectsWhenTheOldGenerationHasDoubledSinceTheLastCollection() {
        FakeHeap heap = new FakeHeap();
        MemoryReturn.Decision decision = new MemoryReturn.Decision(heap, () -> 50);
        heap.live = 10 * MIB;
        heap.used = 73 * MIB;
        assertFalse(decision.check(), "grown by 63 MiB: below the 64 MiB floor");
        heap.used = 74 * MIB;
        heap.liveAfterCollection = 30 * MIB;
        assertTrue(decision.check(), "grown by 64 MiB");
        heap.live = 100 * MIB;
        heap.used = 199 * MIB;
        assertFalse(decision.check(), "grown by 99 MiB over a live set of 100 MiB");
        heap.used = 200 * MIB;
        assertTrue(decision.check(), "doubled");
        assertEquals(2, heap.ordered);
    }

    @Test
    void aCollectionOfTheJvmsOwnStartsTheCountOfSessionsAnew() {
        FakeHeap heap = new FakeHeap();
        AtomicInteger sessions = new AtomicInteger(1_000);
        MemoryReturn.Decision decision = new MemoryReturn.Decision(heap, sessions::get);
        heap.used = 100 * MIB;
        heap.live = 90 * MIB;
        decision.check();
        sessions.set(400);
        heap.collections++; // the JVM collected the old generation meanwhile, with 400 sessions left
        assertFalse(decision.check(), "the closed sessions' memory went back with that collection");
        sessions.set(100);
        assertTrue(decision.check(), "300 of the 400 counted since have closed");
    }

    /**
     * Under the Serial collector with bin/wharf's options (the surefire execution {@code serial-gc}): what closed
     * sessions leave in the old generation goes back, and the heap gives up the pages.
     */
    @Test
    void underSerialTheOldGenerationShrinksAfterTheCollection() {
        MemoryReturn.Heap heap = MemoryReturn.serialHeap();
        MemoryPoolMXBean tenured = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getName().equals(MemoryReturn.SERIAL_OLD_POOL)).findFirst().orElse(null);
        boolean serial = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(collector -> collector.getName().equals("MarkSweepCompact"));
        assertEquals(serial, heap != null, "the old generation is found exactly under Serial");
        if (!serial) {
            return; // the execution serial-gc runs the rest
        }
        assertNotNull(tenured);
        // 96 MiB kept through young collections: the survivor space cannot hold it, so it is promoted
        List<byte[]> kept = new ArrayList<>();
        for (int i = 0; i < 96 * 16; i++) {
            kept.add(new byte[64 * 1024]);
        }
        for (int i = 0; i < 64 * 16; i++) {
            byte[] garbage = new byte[64 * 1024];
            garbage[0] = (byte) i;
        }
        long committedBefore = tenured.getUsage().getCommitted();
        assertTrue(heap.oldUsed() >= 64 * MIB, "promoted: " + (heap.oldUsed() >> 20) + " MiB");
        assertTrue(committedBefore >= 96 * MIB, "committed: " + (committedBefore >> 20) + " MiB");
        AtomicInteger sessions = new AtomicInteger(1_000);
        MemoryReturn.Decision decision = new MemoryReturn.Decision(heap, sessions::get);
        decision.check();
        kept.clear();
        sessions.set(0);
        assertTrue(decision.check());
        assertTrue(heap.oldUsed() < 32 * MIB, "after: " + (heap.oldUsed() >> 20) + " MiB used");
        long committedAfter = tenured.getUsage().getCommitted();
        assertTrue(committedAfter < committedBefore / 2, "committed " + (committedBefore >> 20) + " MiB before, "
                + (committedAfter >> 20) + " MiB after");
    }

    @Test
    void stopEndsItsThread() throws InterruptedException {
        SessionRuntime runtime = new SessionRuntime();
        MemoryReturn memoryReturn = new MemoryReturn(runtime);
        boolean serial = MemoryReturn.serialHeap() != null;
        assertEquals(serial, memoryReturn.active());
        memoryReturn.stop();
        runtime.stop();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (threadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(threadAlive(), "wharf-memory-return ended");
        assertFalse(memoryReturn.active());
    }

    private static boolean threadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().equals("wharf-memory-return") && thread.isAlive());
    }
}
