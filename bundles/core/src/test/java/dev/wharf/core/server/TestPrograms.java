package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared helpers for tests that run real client programs or read raw replies. */
final class TestPrograms {

    /** What a program printed and how it exited. */
    record Result(int exitCode, String output) {
    }

    private TestPrograms() {
    }

    /** Runs a client program (curl, lftp, python3 …) to completion; a missing program fails the test clearly. */
    static Result run(List<String> command) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            throw new AssertionError(command.get(0) + " is needed for this test (.ci/run installs it)", notInstalled);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), command.get(0) + " finished");
        return new Result(process.exitValue(), output);
    }

    /** Reads past the multi-line 220 greeting. */
    static void skipGreeting(BufferedReader replies) throws IOException {
        String line;
        do {
            line = replies.readLine();
        } while (line != null && !line.startsWith("220 "));
    }
}
