package dev.wharf.storage.local;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Threads that stat parts of large directory listings beside the session's own thread: a {@code stat} is a name
 * lookup in the kernel and most of what a listing of thousands of entries costs, so on several cores the listing
 * is done sooner. A listing never waits behind another's work: it takes back its parts that no worker has begun
 * (see {@code LocalStorage.Listing}). Owned by the provider and closed with it.
 */
final class StatWorkers implements AutoCloseable {

    /** Batches smaller than this are stat'ed by the listing's own thread: a hand-off costs more than it saves. */
    static final int PARALLEL_FROM = 128;

    /** The helpers besides the listing's own thread: one fewer than the cores. */
    private final int helpers;
    private final ThreadPoolExecutor pool;

    StatWorkers(int helpers) {
        this.helpers = Math.max(0, helpers);
        this.pool = this.helpers == 0 ? null : new ThreadPoolExecutor(this.helpers, this.helpers, 30,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("wharf-local-stat-", 1).daemon().factory());
        if (pool != null) {
            pool.allowCoreThreadTimeOut(true);
        }
    }

    /**
     * How many parts a batch of {@code count} entries is cut into: the listing's own and its helpers', each of at
     * least {@link #PARALLEL_FROM} / 2 entries, so that many cores do not cut a batch into crumbs.
     */
    int parts(int count) {
        return Math.max(1, Math.min(1 + helpers, count / (PARALLEL_FROM / 2)));
    }

    /** Offers a part to a helper; false when they are stopping (the listing's thread then does it itself). */
    boolean offer(Runnable part) {
        if (pool == null) {
            return false;
        }
        try {
            pool.execute(part);
            return true;
        } catch (RejectedExecutionException stopping) {
            return false;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
