package dev.wharf.core.session;

/**
 * How many log lines one session may cause: a burst of {@link #BURST}, then {@link #PER_SECOND} a second. A client
 * repeating a command that is logged (a failing one, an aborted upload, a login and REIN) would otherwise fill the
 * disk with the server's log; what is held back is counted and reported with the next line let through.
 */
public final class LogBudget {

    static final int BURST = 20;
    static final int PER_SECOND = 5;
    private static final long NANOS_PER_LINE = 1_000_000_000L / PER_SECOND;

    private double tokens = BURST;
    private long refilledNanos = System.nanoTime();
    private long suppressed;

    /**
     * Asks to write one line now: 0 when it must be dropped (and is counted), otherwise 1 plus the number of lines
     * dropped since the last one written.
     */
    public synchronized long take() {
        long now = System.nanoTime();
        tokens = Math.min(BURST, tokens + (now - refilledNanos) / (double) NANOS_PER_LINE);
        refilledNanos = now;
        if (tokens < 1) {
            suppressed++;
            return 0;
        }
        tokens--;
        long held = suppressed;
        suppressed = 0;
        return held + 1;
    }
}
