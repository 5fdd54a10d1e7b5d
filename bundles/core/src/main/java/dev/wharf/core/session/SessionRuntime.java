package dev.wharf.core.session;

import dev.wharf.core.command.ListingWorkers;
import dev.wharf.core.data.LargeBuffers;
import dev.wharf.core.limits.QuotaLocks;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the core's sessions share and that must end with the core: the platform threads of busy sessions,
 * the timer that starts control watchers, the listing workers, the large transfer buffers, the quota locks and the
 * sessions themselves. One instance per activation of the core bundle; when it is deactivated (the core is stopped, updated
 * or refreshed) every session still open gets {@code 421} and is closed, and every thread started here ends, so
 * nothing of an old core (threads, class loader) outlives it.
 */
@Component(service = SessionRuntime.class)
public final class SessionRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRuntime.class);
    /** Platform threads that run the command loops of busy sessions; when all are taken, sessions stay virtual. */
    private static final int BUSY_THREADS = 64;
    /** Transfers shorter than this run without a watcher: small files cost no extra thread. */
    static final long WATCH_DELAY_MILLIS = 100;
    /** How long deactivation waits for the closed sessions' threads to finish their cleanup. */
    private static final long STOP_WAIT_MILLIS = 5000;

    private final ThreadPoolExecutor busyThreads = new ThreadPoolExecutor(0, BUSY_THREADS, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), Thread.ofPlatform().name("wharf-busy-session-", 1).daemon().factory());
    /** Starts control watchers for transfers that last; one thread, idle when no transfer runs. */
    private final DelayedStarts watchStarts = new DelayedStarts("wharf-control-watch-timer", WATCH_DELAY_MILLIS);
    private final ListingWorkers listingWorkers = new ListingWorkers();
    private final LargeBuffers largeBuffers = new LargeBuffers();
    private final QuotaLocks quotaLocks = new QuotaLocks();
    private final AtomicLong nextSessionId = new AtomicLong(1);
    /** Session threads still running, with their sessions: closed and waited for at deactivation. */
    private final ConcurrentHashMap<Thread, FtpSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /**
     * Runs {@code body} (a session's whole life, cleanup included) on a new virtual thread named {@code name},
     * tracked until it returns. After {@link #stop} the session is shut down at once.
     */
    public Thread startSession(String name, FtpSession session, Runnable body) {
        Thread thread = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                body.run();
            } finally {
                sessions.remove(Thread.currentThread());
            }
        });
        sessions.put(thread, session);
        thread.start();
        if (stopped) {
            session.shutdown();
        }
        return thread;
    }

    /** The number of sessions whose threads still run. */
    public int sessionCount() {
        return sessions.size();
    }

    long nextSessionId() {
        return nextSessionId.getAndIncrement();
    }

    ExecutorService busyThreads() {
        return busyThreads;
    }

    DelayedStarts watchStarts() {
        return watchStarts;
    }

    public ListingWorkers listingWorkers() {
        return listingWorkers;
    }

    public LargeBuffers largeBuffers() {
        return largeBuffers;
    }

    public QuotaLocks quotaLocks() {
        return quotaLocks;
    }

    /**
     * Closes every session ({@code 421 Server shutting down}), waits a few seconds for their threads to finish
     * their cleanup and ends every thread this runtime started.
     */
    @Deactivate
    public void stop() {
        stopped = true;
        Set<Thread> running = Set.copyOf(sessions.keySet());
        sessions.values().forEach(FtpSession::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MILLIS);
        for (Thread thread : running) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.join(java.time.Duration.ofNanos(left))) {
                    thread.interrupt();
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        busyThreads.shutdownNow();
        watchStarts.close();
        listingWorkers.close();
        largeBuffers.clear();
        try {
            if (!busyThreads.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("Busy-session threads did not end within {} ms", STOP_WAIT_MILLIS);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!running.isEmpty()) {
            LOG.info("Closed {} session(s): the core is stopping", running.size());
        }
    }
}
