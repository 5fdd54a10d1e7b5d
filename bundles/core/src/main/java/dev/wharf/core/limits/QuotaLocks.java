package dev.wharf.core.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process half of the quota lock: one lock per account storage ({@link dev.wharf.api.storage.Storage#key()}),
 * held around the fcntl lock, which does not exclude threads of one process. Owned by the core's
 * {@code SessionRuntime}, so it goes with the core instead of living in a static field.
 */
public final class QuotaLocks {

    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    ReentrantLock forKey(String storageKey) {
        return locks.computeIfAbsent(storageKey, ignored -> new ReentrantLock());
    }
}
