package dev.wharf.core.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs actions that are still wanted after a delay, from one periodic check that runs only while some are pending.
 * A timer task per action would wake the timer thread at every schedule: with thousands of small uploads a second
 * that was a thread switch per file on a machine whose cores the sessions need.
 */
final class DelayedStarts {

    /** One action waiting for its time; {@link #cancel} makes sure it never runs. */
    static final class Pending {
        private final long dueNanos;
        private final Runnable action;

        private Pending(long dueNanos, Runnable action) {
            this.dueNanos = dueNanos;
            this.action = action;
        }
    }

    private final long delayNanos;
    private final long checkMillis;
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean checking = new AtomicBoolean();
    private final ScheduledThreadPoolExecutor timer;

    /** Actions run between {@code delayMillis} and {@code delayMillis} plus half of it after {@link #schedule}. */
    DelayedStarts(String threadName, long delayMillis) {
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.checkMillis = Math.max(1, delayMillis / 2);
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    Pending schedule(Runnable action) {
        Pending start = new Pending(System.nanoTime() + delayNanos, action);
        pending.add(start);
        if (checking.compareAndSet(false, true)) {
            scheduleCheck();
        }
        return start;
    }

    /** Whether the action was still pending (and now never runs). */
    boolean cancel(Pending start) {
        return pending.remove(start);
    }

    /** Drops what is pending and ends the timer's thread. */
    void close() {
        pending.clear();
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void check() {
        long now = System.nanoTime();
        for (Pending start : pending) {
            // remove() decides between this check and cancel(): the action runs at most once, never after cancel
            if (now - start.dueNanos >= 0 && pending.remove(start)) {
                try {
                    start.action.run();
                } catch (RuntimeException bug) {
                    Thread current = Thread.currentThread();
                    current.getUncaughtExceptionHandler().uncaughtException(current, bug);
                }
            }
        }
        if (pending.isEmpty()) {
            checking.set(false);
            // an action scheduled between isEmpty() and set(false) saw checking still true: look again
            if (pending.isEmpty() || !checking.compareAndSet(false, true)) {
                return;
            }
        }
        scheduleCheck();
    }

    private void scheduleCheck() {
        try {
            timer.schedule(this::check, checkMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the core is stopping: its sessions are being closed, nothing is to start any more
        }
    }
}
