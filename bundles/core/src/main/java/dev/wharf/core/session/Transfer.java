package dev.wharf.core.session;

import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A data transfer in progress. The control reader uses it to answer STAT and to abort (ABOR) while the session
 * thread is busy moving bytes.
 */
public final class Transfer {

    private final String description;
    private final SocketChannel channel;
    private final long expectedBytes;
    private volatile long bytes;
    private volatile long lastProgressNanos = System.nanoTime();
    private volatile boolean aborted;

    Transfer(String description, SocketChannel channel, long expectedBytes) {
        this.description = description;
        this.channel = channel;
        this.expectedBytes = expectedBytes;
    }

    /** Counts bytes moved so far; called by the copying code. */
    public void add(long count) {
        bytes += count;
        lastProgressNanos = System.nanoTime();
    }

    /** Whether nothing moved for longer than {@code limitNanos} (a client that stopped reading or sending). */
    boolean stalled(long nowNanos, long limitNanos) {
        return nowNanos - lastProgressNanos > limitNanos;
    }

    public long bytes() {
        return bytes;
    }

    /** Whether the client sent ABOR; the copy then fails and the handler replies 426. */
    public boolean aborted() {
        return aborted;
    }

    /**
     * Ends the copy at once: shutting the socket down wakes a sender blocked on a full buffer (sendfile
     * included), which a plain close from this thread might wait for.
     */
    void abort() {
        aborted = true;
        try {
            channel.shutdownOutput();
            channel.shutdownInput();
        } catch (IOException | RuntimeException alreadyClosed) {
            // the copy ends anyway
        }
        Thread.ofVirtual().start(() -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
    }

    String status() {
        return description + ": " + bytes + (expectedBytes >= 0 ? " of " + expectedBytes : "") + " bytes transferred";
    }
}
