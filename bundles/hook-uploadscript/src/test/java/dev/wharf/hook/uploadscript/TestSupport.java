package dev.wharf.hook.uploadscript;

import static org.junit.jupiter.api.Assertions.fail;

import dev.wharf.api.hook.UploadEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the hook's tests share: events, configurations, scripts, waiting, and the log the hook writes. */
final class TestSupport {

    private TestSupport() {
    }

    static UploadEvent event(String account, Path file, boolean complete) {
        return new UploadEvent(account, "/" + file.getFileName(), file, 0, new InetSocketAddress("127.0.0.1", 40000),
                complete, Instant.now());
    }

    static UploadEvent event(String account, Path file) {
        return event(account, file, true);
    }

    /** A configuration as FileInstall hands it over: every value a string. */
    static Map<String, Object> config(String... keysAndValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.pid", UploadScriptHook.PID);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    static Path script(Path directory, String name, String body) throws IOException {
        Path script = directory.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + millis + " ms waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException missing) {
            return "";
        }
    }

    /**
     * Everything written to System.err while it is open, where slf4j-simple logs (it looks System.err up on each
     * message); still passed through to the real stream.
     */
    static final class LogCapture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

        LogCapture() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (captured) {
                        captured.write(b);
                    }
                    original.write(b);
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    synchronized (captured) {
                        captured.write(bytes, offset, length);
                    }
                    original.write(bytes, offset, length);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        String text() {
            synchronized (captured) {
                return captured.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
