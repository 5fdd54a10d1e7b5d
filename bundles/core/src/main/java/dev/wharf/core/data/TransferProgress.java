package dev.wharf.core.data;

import java.io.IOException;

/**
 * What the byte movers in {@link Transfers} report to, chunk by chunk: progress for STAT and {@code wharf:who},
 * and the place where throttling waits and where an upload that outgrows its quota is stopped.
 */
public interface TransferProgress {

    /**
     * Counts {@code bytes} just moved; may block to keep a bandwidth limit.
     *
     * @throws IOException to end the transfer, e.g. when an upload goes over the account's quota
     */
    void moved(long bytes) throws IOException;

    /** The largest chunk to move at once; throttled transfers use small ones so that their pace stays even. */
    default int chunkSize(int preferred) {
        return preferred;
    }
}
