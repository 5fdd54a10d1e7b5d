package dev.wharf.auth.passwd;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Collects what is printed to System.out and System.err (where slf4j-simple logs) while an action runs. */
final class ConsoleCapture {

    interface Action<T> {
        T run() throws Exception;
    }

    record Captured<T>(T result, String out, String err) {
    }

    private ConsoleCapture() {
    }

    static synchronized <T> Captured<T> capture(Action<T> action) throws Exception {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            T result = action.run();
            return new Captured<>(result, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
