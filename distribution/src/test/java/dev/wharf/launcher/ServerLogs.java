package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the end-to-end tests read from a started server's log, and how they stop it. */
final class ServerLogs {

    private ServerLogs() {
    }

    /** Stops a started server as a service manager would (SIGTERM: the launcher's shutdown hook stops the framework). */
    static void stop(Process server) throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                fail("the server did not stop within 30 s of SIGTERM");
            }
        }
    }

    /**
     * The first line of {@code log} containing {@code text}, waiting up to {@code waitMillis} for it; fails with the
     * log when the server exits or the time is up.
     */
    static String awaitLine(Path log, Process server, String text, long waitMillis)
            throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + waitMillis;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.contains(text)) {
                        return line;
                    }
                }
            }
            if (!server.isAlive()) {
                fail("the server exited with " + server.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        fail("no log line with '" + text + "' within " + waitMillis + " ms:\n" + Files.readString(log));
        return null;
    }
}
