package dev.wharf.crypt;

import dev.wharf.api.auth.AuthBusyException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Bounds what password checks cost together: at most as many run at once as there are cores (more would not
 * finish sooner), and the memory-hard ones (argon2, scrypt, yescrypt) together hold at most a quarter of the
 * heap. A check that cannot start within {@link #WAIT_MILLIS} throws {@link AuthBusyException}, so the client gets
 * {@code 421} instead of a burst of wrong passwords queueing without end or exhausting memory.
 */
final class HashingGate {

    /** How long a check waits for its turn; a real user behind a burst of guesses waits this at most. */
    static final long WAIT_MILLIS = 10_000;
    private static final long MIB = 1L << 20;

    static final int CHECKS_AT_ONCE = Math.max(2, Runtime.getRuntime().availableProcessors());
    static final int MEMORY_BUDGET_MIB =
            (int) Math.max(64, Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 4 / MIB));
    private final Semaphore checks = new Semaphore(CHECKS_AT_ONCE, true);
    private final Semaphore memory = new Semaphore(MEMORY_BUDGET_MIB, true);

    /** One gate per {@link PasswordChecker}: the crypt bundle's single checker bounds the whole server. */
    HashingGate() {
    }

    /** Whether a check holding {@code memoryBytes} can ever run in this JVM's budget. */
    static boolean fits(long memoryBytes) {
        return mebibytes(memoryBytes) <= MEMORY_BUDGET_MIB;
    }

    /**
     * Runs one check that holds about {@code memoryBytes} while it computes (0 for the CPU-only schemes).
     *
     * @throws AuthBusyException when its turn does not come within {@link #WAIT_MILLIS}
     */
    boolean run(long memoryBytes, BooleanSupplier check) {
        return run(memoryBytes, check, WAIT_MILLIS);
    }

    /** As {@link #run(long, BooleanSupplier)}, waiting at most {@code waitMillis}. */
    boolean run(long memoryBytes, BooleanSupplier check, long waitMillis) {
        int mebibytes = mebibytes(memoryBytes);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        if (!acquire(checks, 1, deadline)) {
            throw busy();
        }
        try {
            if (mebibytes > 0 && !acquire(memory, mebibytes, deadline)) {
                throw busy();
            }
            try {
                return check.getAsBoolean();
            } finally {
                if (mebibytes > 0) {
                    memory.release(mebibytes);
                }
            }
        } finally {
            checks.release();
        }
    }

    private static boolean acquire(Semaphore semaphore, int permits, long deadline) {
        try {
            return semaphore.tryAcquire(permits, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int mebibytes(long bytes) {
        return (int) Math.min(Integer.MAX_VALUE, (bytes + MIB - 1) / MIB);
    }

    private static AuthBusyException busy() {
        return new AuthBusyException("too many password checks at once (" + CHECKS_AT_ONCE + " at a time, "
                + MEMORY_BUDGET_MIB + " MiB)");
    }
}
