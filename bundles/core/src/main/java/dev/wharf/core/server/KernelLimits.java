package dev.wharf.core.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Limits of the running kernel that listener defaults follow. */
final class KernelLimits {

    /** Linux's default somaxconn since 5.4, used where /proc cannot be read. */
    private static final int FALLBACK_BACKLOG = 4096;

    private KernelLimits() {
    }

    /**
     * The longest accept queue the kernel allows ({@code net.core.somaxconn}): a burst of connects waits there
     * instead of being dropped; the kernel would cut a larger request down to it anyway.
     */
    static int listenBacklog() {
        // read as a stream: /proc files have no size, and Files.readString stops after the first byte of them
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/core/somaxconn"))) {
            return Math.max(128, Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException | SecurityException unreadable) {
            return FALLBACK_BACKLOG;
        }
    }
}
