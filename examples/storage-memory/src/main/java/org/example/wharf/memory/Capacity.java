package org.example.wharf.memory;

import dev.wharf.api.storage.StorageFullException;

/**
 * The bytes all accounts' files take together, uploads in progress included, against the configured maximum.
 * Writers reserve room before they grow and give it back when data is discarded or deleted. What is counted is
 * the files' bytes: the arrays holding them may have up to as much again unused at their end.
 */
final class Capacity {

    private final long max;
    private long used;

    Capacity(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} more, or throws (taking nothing) when they do not fit. */
    synchronized void reserve(long bytes, String path) throws StorageFullException {
        if (bytes > max - used) {
            throw new StorageFullException(path);
        }
        used += bytes;
    }

    synchronized void release(long bytes) {
        used -= bytes;
    }

    synchronized long used() {
        return used;
    }

    long max() {
        return max;
    }
}
