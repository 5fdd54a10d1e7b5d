package dev.wharf.core.command;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Formats the entries of a large listing on one thread per core, the lines in the listing's order: a line costs
 * number and date formatting, an MLSD line also the account's permission checks, and a followed symbolic link a
 * {@code stat}. (The storage reads the entries' attributes; the local one stats them on several threads itself.)
 */
public final class ListingWorkers implements AutoCloseable {

    /** Below this many entries a listing is formatted on the session's thread: not worth a hand-off. */
    static final int PARALLEL_FROM = 512;
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Shared by all sessions; its threads only ever run formatting chunks, so they never wait for each other. */
    private final ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), Thread.ofPlatform().name("wharf-listing-", 1).daemon().factory());

    /** One entry's line; {@link IOException} when it vanished meanwhile (the line is then left out). */
    @FunctionalInterface
    interface LineFormat<E> {
        String line(E entry) throws IOException;
    }

    /** Workers owned by the caller (the core's {@code SessionRuntime}), which {@link #close closes} them. */
    public ListingWorkers() {
        pool.allowCoreThreadTimeOut(true);
    }

    /** Ends the worker threads; a listing still running finishes on its session's thread. */
    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The lines of {@code entries} in their order, without the entries that could not be read. */
    <E> List<String> format(List<E> entries, LineFormat<E> format) {
        int count = entries.size();
        String[] lines = new String[count];
        int chunks = count < PARALLEL_FROM ? 1 : Math.min(THREADS, count / (PARALLEL_FROM / 2));
        List<Future<?>> others = new ArrayList<>(chunks);
        int chunkSize = (count + chunks - 1) / Math.max(1, chunks);
        for (int chunk = 1; chunk < chunks; chunk++) {
            int from = chunk * chunkSize;
            int to = Math.min(count, from + chunkSize);
            try {
                others.add(pool.submit(() -> fill(entries, format, lines, from, to)));
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                fill(entries, format, lines, from, to);
            }
        }
        fill(entries, format, lines, 0, Math.min(count, chunkSize));
        for (Future<?> other : others) {
            try {
                other.get();
            } catch (ExecutionException failed) {
                throw failed.getCause() instanceof RuntimeException bug ? bug : new IllegalStateException(failed);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("listing interrupted", interrupted);
            }
        }
        return Arrays.stream(lines).filter(line -> line != null).toList();
    }

    private static <E> void fill(List<E> entries, LineFormat<E> format, String[] lines, int from, int to) {
        for (int i = from; i < to; i++) {
            try {
                lines[i] = format.line(entries.get(i));
            } catch (IOException vanished) {
                // deleted while listing: left out
            }
        }
    }
}
