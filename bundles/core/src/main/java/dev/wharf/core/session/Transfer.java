package dev.wharf.core.session;

import dev.wharf.core.data.TransferProgress;
import dev.wharf.core.limits.QuotaExceededException;
import dev.wharf.core.limits.Throttle;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Instant;

/**
 * A data transfer in progress. The control reader uses it to answer STAT and to abort (ABOR) while the session
 * thread is busy moving bytes; {@code wharf:who} reads its progress; the copying code reports each chunk to it,
 * which is where bandwidth limits wait and where an upload that outgrows its quota is stopped.
 */
public final class Transfer implements TransferProgress {

    /** What moves over the data connection. */
    public enum Kind { DOWNLOAD, UPLOAD, LISTING }

    private final Kind kind;
    private final String description;
    private final String virtualPath;
    private final SocketChannel channel;
    private final long offset;
    private final long expectedBytes;
    private final Instant started;
    private final long startNanos = System.nanoTime();
    private final Throttle[] throttles;
    private final long byteLimit;
    private volatile long bytes;
    private volatile long lastProgressNanos = startNanos;
    private volatile boolean aborted;
    private volatile boolean abortedByCommand;

    Transfer(Kind kind, String description, String virtualPath, SocketChannel channel, long offset,
             long expectedBytes, Instant started, Throttle[] throttles, long byteLimit) {
        this.kind = kind;
        this.description = description;
        this.virtualPath = virtualPath;
        this.channel = channel;
        this.offset = offset;
        this.expectedBytes = expectedBytes;
        this.started = started;
        this.throttles = throttles;
        this.byteLimit = byteLimit;
    }

    /** Counts bytes moved so far, waits as the bandwidth limits ask, stops an upload beyond its quota. */
    @Override
    public void moved(long count) throws IOException {
        bytes += count;
        lastProgressNanos = System.nanoTime();
        if (bytes > byteLimit) {
            throw new QuotaExceededException("the upload exceeds the quota by " + (bytes - byteLimit) + " bytes");
        }
        if (throttles.length > 0) {
            Throttle.pace(count, throttles);
        }
    }

    @Override
    public int chunkSize(int preferred) {
        int chunk = preferred;
        for (Throttle throttle : throttles) {
            chunk = Math.min(chunk, throttle.chunkSize(preferred));
        }
        return chunk;
    }

    /** Whether nothing moved for longer than {@code limitNanos} (a client that stopped reading or sending). */
    boolean stalled(long nowNanos, long limitNanos) {
        return nowNanos - lastProgressNanos > limitNanos;
    }

    public long bytes() {
        return bytes;
    }

    public Kind kind() {
        return kind;
    }

    public String virtualPath() {
        return virtualPath;
    }

    public long offset() {
        return offset;
    }

    /** Bytes expected in this transfer, -1 when unknown. */
    public long expectedBytes() {
        return expectedBytes;
    }

    public Instant started() {
        return started;
    }

    /** Nanoseconds since the transfer started. */
    public long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Whether the client sent ABOR; the copy then fails and the handler replies 426. */
    public boolean aborted() {
        return aborted;
    }

    /** Whether ABOR (not a stall or a lost control connection) ended the transfer. */
    public boolean abortedByCommand() {
        return abortedByCommand;
    }

    /** ABOR: the copy ends as with {@link #abort()}. */
    void abortByCommand() {
        abortedByCommand = true;
        abort();
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
