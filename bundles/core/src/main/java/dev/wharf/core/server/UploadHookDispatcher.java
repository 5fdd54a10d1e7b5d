package dev.wharf.core.server;

import dev.wharf.api.hook.UploadEvent;
import dev.wharf.api.hook.UploadHook;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands upload events to the hooks on one worker thread, so a slow or failing hook never holds up a session. */
public final class UploadHookDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(UploadHookDispatcher.class);
    private static final int QUEUE_CAPACITY = 10_000;

    private final Supplier<List<UploadHook>> hooks;
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY), Thread.ofPlatform().name("wharf-upload-hooks").daemon()
                    .factory());

    UploadHookDispatcher(Supplier<List<UploadHook>> hooks) {
        this.hooks = hooks;
    }

    /** Queues the event for every hook registered now; drops it (logged) when the queue is full. */
    public void publish(UploadEvent event) {
        List<UploadHook> current = hooks.get();
        if (current.isEmpty()) {
            return;
        }
        try {
            worker.execute(() -> current.forEach(hook -> deliver(hook, event)));
        } catch (RejectedExecutionException full) {
            LOG.warn("Upload hook queue full or closed, event for {} dropped", event.virtualPath());
        }
    }

    private static void deliver(UploadHook hook, UploadEvent event) {
        try {
            hook.uploaded(event);
        } catch (Exception | LinkageError failure) {
            LOG.warn("Upload hook {} failed for {}", hook.getClass().getName(), event.virtualPath(), failure);
        }
    }

    void close() {
        worker.shutdown();
    }
}
