package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** How the end-to-end tests install a server from the built archive, read its log and stop it. */
final class ServerLogs {

    private ServerLogs() {
    }

    /**
     * The built archive ({@code wharf.archive}, default {@code target/wharf.tar.gz}) unpacked into a new directory
     * {@code target/<prefix>-<n>}, as an administrator installs it: the server's directory.
     */
    static Path unpack(String prefix) throws IOException, InterruptedException {
        Path archive = Path.of(System.getProperty("wharf.archive", "target/wharf.tar.gz")).toAbsolutePath();
        assertTrue(Files.isRegularFile(archive), "build the distribution first: " + archive);
        Path unpacked = Files.createDirectories(Path.of("target/" + prefix + "-" + System.nanoTime()).toAbsolutePath());
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        try (Stream<Path> top = Files.list(unpacked)) {
            return top.findFirst().orElseThrow();
        }
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
