package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server as an init system and an operator see it: {@code bin/wharf run} refuses to run with no listener bound
 * and says which file and key to fix, and {@code bin/wharf status} reports the health of a running server.
 */
class OperationsIT {

    private static final long WAIT_MILLIS = 60_000;

    private Path server;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void unpack() throws Exception {
        server = ServerLogs.unpack("ops");
    }

    @AfterEach
    void stopServers() throws Exception {
        wharf("stop");
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void runExitsNonZeroNamingTheFileAndKeyWhenNoListenerCanBind() throws Exception {
        Path listenerFile = server.resolve("etc/dev.wharf.listener-main.cfg");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Files.writeString(listenerFile, "bind = 127.0.0.1\nport = " + port + "\n");
            Result run = run();
            assertNotEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("Listener 'main' cannot listen on 127.0.0.1:" + port + " ('bind' and "
                    + "'port' in " + listenerFile + "): Address already in use"), run.output());
            assertTrue(run.output().contains("no listener could bind"), run.output());
        }

        Files.writeString(listenerFile, "bind = 127.0.0.1\nport = abc\n");
        Result typo = run();
        assertNotEquals(0, typo.exitCode(), typo.output());
        assertTrue(typo.output().contains("Listener 'main': invalid value for 'port': 'abc' (expected an integer "
                + "0-65535) in " + listenerFile), typo.output());
        assertTrue(typo.output().contains("no listener could bind"), typo.output());
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void statusReportsEachListenerBackendAndStorageAndFailsWhileAListenerIsDown() throws Exception {
        int port = freePort();
        Files.writeString(server.resolve("etc/dev.wharf.listener-main.cfg"), "bind = 127.0.0.1\nport = " + port
                + "\n");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path second = server.resolve("etc/dev.wharf.listener-second.cfg");
            Files.writeString(second, "bind = 127.0.0.1\nport = " + taken.getLocalPort() + "\n");
            Result start = wharf("start");
            assertEquals(0, start.exitCode(), start.output());

            // once started, exactly one problem is left: the listener that cannot bind (while the server starts,
            // the auth backend may still be missing too)
            Result failing = awaitStatus(1, "health: FAILING (1 problem)");
            assertTrue(failing.output().contains("ok      listener main: up 127.0.0.1:" + port), failing.output());
            assertTrue(failing.output().contains("FAILING listener second: failed: Listener 'second' cannot listen on "
                    + "127.0.0.1:" + taken.getLocalPort() + " ('bind' and 'port' in " + second + ")"),
                    failing.output());
            assertTrue(failing.output().contains("ok      auth backends: passwd"), failing.output());
            assertTrue(failing.output().contains("ok      storage: present"), failing.output());
            assertTrue(failing.output().strip().endsWith("health: FAILING (1 problem)"), failing.output());

            Files.delete(second); // the operator removes the listener that cannot work
            Result healthy = awaitStatus(0, "health: OK");
            assertTrue(healthy.output().contains("Wharf is running (pid "), healthy.output());
            assertTrue(healthy.output().contains("ok      listener main: up 127.0.0.1:" + port), healthy.output());
        }
        assertEquals(0, wharf("stop").exitCode());
        assertEquals(3, wharf("status").exitCode(), "not running: LSB's 3");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theSystemdUnitVerifiesAndIsHardened() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "SKIPPED: systemd-analyze is not installed (Debian package systemd), the unit is not checked");
        String shipped = Files.readString(server.resolve("systemd/wharf.service"));
        assertTrue(shipped.contains("\nExecStart=/opt/wharf/bin/wharf run\n"), shipped);
        // the unit as an admin adapts it to where the server lives (verify wants ExecStart to exist)
        Path unit = server.resolve("var/wharf.service");
        Files.writeString(unit, shipped.replace("/opt/wharf", server.toString()));
        Result verify = command("systemd-analyze", "verify", unit.toString());
        assertEquals(0, verify.exitCode(), verify.output());
        assertEquals("", verify.output().strip(), "no warning (an unknown or misspelt key is one)");
        Result security = command("systemd-analyze", "security", "--offline=true", unit.toString());
        for (String expected : List.of("✓ NoNewPrivileges=", "✓ ProtectSystem=  ", "strict read-only access",
                "✓ CapabilityBoundingSet=~CAP_SYS_ADMIN", "✓ RestrictSUIDSGID=")) {
            assertTrue(security.output().contains(expected), expected + " in:\n" + security.output());
        }
        assertTrue(security.output().contains("Service process receives ambient capabilities"),
                "CAP_NET_BIND_SERVICE for ports below 1024 without root: " + security.output());
        assertTrue(security.output().matches("(?s).*Overall exposure level for wharf\\.service: [0-9.]+ OK.*"),
                security.output());
    }

    private static Result command(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), command[0] + " finished");
        return new Result(process.exitValue(), output);
    }

    /** Asks {@code bin/wharf status} until it exits with {@code code} and prints {@code text}. */
    private Result awaitStatus(int code, String text) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Result status;
        do {
            status = wharf("status");
            if (status.exitCode() == code && status.output().contains(text)) {
                return status;
            }
            Thread.sleep(500);
        } while (System.currentTimeMillis() < deadline);
        fail("status never exited " + code + " with '" + text + "'; last:\n" + status.output());
        return status;
    }

    /** {@code bin/wharf run} to its end (it must end by itself), with its output. */
    private Result run() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(server.resolve("bin/wharf").toString(), "run")
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process process = builder.start();
        started.add(process);
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "bin/wharf run ended by itself:\n" + output);
        return new Result(process.exitValue(), output);
    }

    private Result wharf(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(server.resolve("bin/wharf").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process tool = builder.start();
        tool.getOutputStream().close();
        String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tool.waitFor(60, TimeUnit.SECONDS), "bin/wharf finished");
        return new Result(tool.exitValue(), output);
    }

    private record Result(int exitCode, String output) {
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
