package dev.wharf.core.security;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Logins being checked now, per client address, and how long checks take. Bounding checks per address keeps one
 * address from filling the password-hashing queue that every user waits in; the slowest recent check sets the
 * time every failed login takes, so that a wrong password for a real user (a full hash) and any password for an
 * unknown one (no hash) cannot be told apart by the time the reply takes.
 */
final class LoginChecks {

    /** A backend that hangs must not make every failure that slow: the floor stops here. */
    private static final long MAX_FLOOR_NANOS = 10_000_000_000L;
    /** The slowest check is remembered over two windows of this length. */
    private static final long WINDOW_NANOS = 300_000_000_000L;

    private final Map<InetAddress, Integer> inProgress = new HashMap<>();
    private long windowStart = System.nanoTime();
    private long slowestThisWindow;
    private long slowestLastWindow;

    /** Waits up to {@code waitMillis} until fewer than {@code limit} checks from {@code address} run; false if not. */
    synchronized boolean enter(InetAddress address, int limit, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (inProgress.getOrDefault(address, 0) >= limit) {
            long remaining = (deadline - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                return false;
            }
            wait(remaining);
        }
        inProgress.merge(address, 1, Integer::sum);
        return true;
    }

    /** Ends a check begun with {@link #enter}, which took {@code nanos}. */
    synchronized void leave(InetAddress address, long nanos) {
        inProgress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        long now = System.nanoTime();
        if (now - windowStart > WINDOW_NANOS) {
            slowestLastWindow = slowestThisWindow;
            slowestThisWindow = 0;
            windowStart = now;
        }
        slowestThisWindow = Math.max(slowestThisWindow, Math.min(nanos, MAX_FLOOR_NANOS));
        notifyAll();
    }

    /** The longest a login check took lately. */
    synchronized long slowestRecentNanos() {
        return Math.max(slowestThisWindow, slowestLastWindow);
    }
}
