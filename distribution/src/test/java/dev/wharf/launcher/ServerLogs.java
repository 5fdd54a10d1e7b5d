package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the end-to-end tests read from a started server's log. */
final class ServerLogs {

    private ServerLogs() {
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
