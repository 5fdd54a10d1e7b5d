package dev.wharf.crypt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.AuthBusyException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HashingGateTest {

    /** The checker these tests go through; its gate and memory of successes are its own. */
    private static final PasswordChecker CHECKER = new PasswordChecker();

    /** A check holding {@code memoryBytes} that says it runs, then lasts until {@code release}. */
    private static Thread holdGate(long memoryBytes, CountDownLatch running, CountDownLatch release) {
        return Thread.ofPlatform().start(() -> CHECKER.gate().run(memoryBytes, () -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return true;
        }));
    }

    @Test
    void aCheckThatFindsEverySlotTakenGivesUpAsBusyAndRunsOnceOneIsFree() throws Exception {
        CountDownLatch running = new CountDownLatch(HashingGate.CHECKS_AT_ONCE);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> holders = new ArrayList<>();
        for (int i = 0; i < HashingGate.CHECKS_AT_ONCE; i++) {
            holders.add(holdGate(0, running, release));
        }
        assertTrue(running.await(10, TimeUnit.SECONDS));
        long started = System.nanoTime();
        assertThrows(AuthBusyException.class, () -> CHECKER.gate().run(0, () -> true, 300));
        long waited = (System.nanoTime() - started) / 1_000_000;
        assertTrue(waited >= 250 && waited < 5_000, "waited its time, then gave up: " + waited + " ms");
        release.countDown();
        for (Thread holder : holders) {
            holder.join(10_000);
        }
        assertTrue(CHECKER.gate().run(0, () -> true, 300), "runs once a slot is free");
    }

    @Test
    void memoryHardChecksShareABudgetAndOnesBeyondItNeverMatch() throws Exception {
        long half = (long) HashingGate.MEMORY_BUDGET_MIB / 2 * 1024 * 1024 + 1024 * 1024;
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holdGate(half, running, release);
        assertTrue(running.await(10, TimeUnit.SECONDS));
        assertThrows(AuthBusyException.class, () -> CHECKER.gate().run(half, () -> true, 300),
                "two checks of more than half the budget cannot hold memory at once");
        release.countDown();
        holder.join(10_000);
        assertFalse(HashingGate.fits((HashingGate.MEMORY_BUDGET_MIB + 1L) * 1024 * 1024));
        // an argon2id hash asking for more memory than the budget is refused rather than computed
        String tooCostly = "$argon2id$v=19$m=" + (HashingGate.MEMORY_BUDGET_MIB + 1) * 1024
                + ",t=1,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assertFalse(CHECKER.verify(tooCostly, "anything"));
    }
}
