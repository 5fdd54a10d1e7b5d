package dev.wharf.auth.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small bounded connection pool: at most {@code size} connections exist at once, a borrower waits at most the
 * borrow timeout for one, and an idle connection is validated before reuse when it sat unused for a while. A
 * connection the caller reports broken is closed instead of pooled, and so are the idle ones (after a database
 * restart they are all dead). No pooling library: this is all a login backend needs, and it keeps the bundle
 * free of dependencies.
 */
final class ConnectionPool implements AutoCloseable {

    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private record Idle(Connection connection, long since) {
    }

    /** A borrowed connection; closing it returns it to the pool unless {@link #broken()} was called. */
    final class Lease implements AutoCloseable {
        private final Connection connection;
        final boolean reused;
        private boolean broken;

        private Lease(Connection connection, boolean reused) {
            this.connection = connection;
            this.reused = reused;
        }

        Connection connection() {
            return connection;
        }

        void broken() {
            broken = true;
        }

        @Override
        public void close() {
            giveBack(connection, broken);
        }
    }

    private static final long VALIDATE_AFTER_IDLE_MILLIS = 2_000;

    private final Opener opener;
    private final Semaphore permits;
    private final long borrowTimeoutMillis;
    private final int validationTimeoutSeconds;
    private final Deque<Idle> idle = new ArrayDeque<>();
    private boolean closed;

    ConnectionPool(Opener opener, int size, long borrowTimeoutMillis, int validationTimeoutSeconds) {
        this.opener = opener;
        this.permits = new Semaphore(size, true);
        this.borrowTimeoutMillis = borrowTimeoutMillis;
        this.validationTimeoutSeconds = validationTimeoutSeconds;
    }

    Lease borrow() throws SQLException {
        try {
            if (!permits.tryAcquire(borrowTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new SQLTransientConnectionException("no database connection free within "
                        + borrowTimeoutMillis + " ms", "08001");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted while waiting for a connection", "08001");
        }
        try {
            Idle candidate;
            while ((candidate = takeIdle()) != null) {
                if (System.currentTimeMillis() - candidate.since() < VALIDATE_AFTER_IDLE_MILLIS
                        || isValid(candidate.connection())) {
                    return new Lease(candidate.connection(), true);
                }
                closeQuietly(candidate.connection());
            }
            return new Lease(opener.open(), false);
        } catch (SQLException | RuntimeException failed) {
            permits.release();
            throw failed;
        }
    }

    private synchronized Idle takeIdle() throws SQLException {
        if (closed) {
            throw new SQLTransientConnectionException("the backend is shutting down", "08003");
        }
        return idle.pollFirst();
    }

    private boolean isValid(Connection connection) {
        try {
            return connection.isValid(validationTimeoutSeconds);
        } catch (SQLException invalid) {
            return false;
        }
    }

    private void giveBack(Connection connection, boolean broken) {
        try {
            boolean keep;
            synchronized (this) {
                keep = !broken && !closed;
                if (keep) {
                    idle.addFirst(new Idle(connection, System.currentTimeMillis()));
                }
            }
            if (broken) {
                discardIdle();
            }
            if (!keep) {
                closeQuietly(connection);
            }
        } finally {
            permits.release();
        }
    }

    /** Closes every idle connection; after an outage none of them can be trusted. */
    void discardIdle() {
        Idle[] dropped;
        synchronized (this) {
            dropped = idle.toArray(Idle[]::new);
            idle.clear();
        }
        for (Idle stale : dropped) {
            closeQuietly(stale.connection());
        }
    }

    synchronized int idleCount() {
        return idle.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        discardIdle();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException | RuntimeException ignored) {
            // a dead connection may fail to close; it is gone either way
        }
    }
}
