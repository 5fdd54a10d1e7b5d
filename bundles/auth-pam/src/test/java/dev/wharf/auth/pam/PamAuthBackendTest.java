package dev.wharf.auth.pam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logins through the system's real PAM stack (pam_unix and the test account this test makes with useradd and
 * chpasswd; root, as in CI): Debian's own {@code /etc/pam.d/pure-ftpd} (the pure-ftpd package, installed by
 * {@code .ci/run}), and service files written here to show that account management and the session run.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PamAuthBackendTest {

    private static final String PASSWORD = "pam sesame 42";
    private static final String USER = "wharfpam" + ProcessHandle.current().pid() % 100_000;

    @TempDir
    static Path temp;
    static Path home;
    static Path sessionLog;
    static String sessionService;
    static String denyingService;

    @BeforeAll
    static void makeAccountAndServices() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "PAM tests create a system account: run as root");
        home = Files.createDirectories(temp.resolve("home"));
        run("useradd", "-M", "-d", home.toString(), "-s", "/bin/sh", USER);
        runWithInput(USER + ":" + PASSWORD + "\n", "chpasswd");
        run("chown", USER + ":", home.toString());

        sessionLog = temp.resolve("session.log");
        Path hook = temp.resolve("session-hook.sh");
        Files.writeString(hook, "#!/bin/sh\necho \"$PAM_TYPE $PAM_USER $PAM_TTY $PAM_RHOST\" >> " + sessionLog + "\n");
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
        sessionService = "wharf-test-session-" + ProcessHandle.current().pid();
        Files.writeString(Path.of("/etc/pam.d", sessionService), String.join("\n",
                "auth required pam_unix.so",
                "account required pam_unix.so",
                "session required pam_exec.so " + hook, ""));
        denyingService = "wharf-test-deny-" + ProcessHandle.current().pid();
        Files.writeString(Path.of("/etc/pam.d", denyingService), String.join("\n",
                "auth required pam_unix.so",
                "account required pam_deny.so",
                "session required pam_unix.so", ""));
    }

    @AfterAll
    static void removeAccountAndServices() throws Exception {
        run("userdel", USER);
        Files.deleteIfExists(Path.of("/etc/pam.d", sessionService));
        Files.deleteIfExists(Path.of("/etc/pam.d", denyingService));
    }

    @Test
    void debiansPureFtpdServiceLogsTheSystemUserIn() throws Exception {
        assertTrue(Files.exists(Path.of("/etc/pam.d/pure-ftpd")),
                "Debian's /etc/pam.d/pure-ftpd (package pure-ftpd, installed by .ci/run)");
        PamAuthBackend backend = backend("pure-ftpd", 1000);
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "pam", 0);
            FTPClient client = server.login(USER, PASSWORD);
            assertTrue(client.storeFile("up.bin", new ByteArrayInputStream(new byte[] {4, 5, 6})),
                    client.getReplyString());
            assertEquals("/", client.printWorkingDirectory());
            client.disconnect();
            assertEquals(3, Files.size(home.resolve("up.bin")), "stored in the home getpwnam gives");

            assertRefused(server, USER, "wrong password");
            assertRefused(server, "nosuchuser" + ProcessHandle.current().pid(), PASSWORD);
        }
    }

    @Test
    void accountManagementAndTheSessionRunAsInPureFtpd() throws Exception {
        Files.deleteIfExists(sessionLog);
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend(sessionService, 1000), "pam", 0);
            server.login(USER, PASSWORD).disconnect();
            assertEquals(List.of("open_session " + USER + " pure-ftpd 127.0.0.1",
                            "close_session " + USER + " pure-ftpd 127.0.0.1"),
                    Files.readAllLines(sessionLog), "the session is opened and closed at login, as Pure-FTPd does");

            run("chage", "-E", "0", USER); // expired: pam_unix's account check refuses
            try {
                assertRefused(server, USER, PASSWORD);
            } finally {
                run("chage", "-E", "-1", USER);
            }
            server.login(USER, PASSWORD).disconnect();
        }
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend(denyingService, 1000), "pam", 0);
            assertRefused(server, USER, PASSWORD); // the right password, but pam_acct_mgmt says no
        }
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend(sessionService, 1_000_000_000), "pam", 0);
            assertRefused(server, USER, PASSWORD); // below the minimum uid
        }
    }

    private static void assertRefused(EmbeddedServer server, String user, String password) {
        IOException refused = assertThrows(IOException.class, () -> server.login(user, password));
        assertTrue(refused.getMessage().contains("530"), refused.getMessage());
    }

    private static PamAuthBackend backend(String service, int minUid) {
        PamAuthBackend backend = new PamAuthBackend();
        backend.configure(new PamAuthBackend.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return PamAuthBackend.Config.class;
            }

            @Override
            public String service() {
                return service;
            }

            @Override
            public int min_uid() {
                return minUid;
            }

            @Override
            public String library() {
                return "libpam.so.0";
            }

            @Override
            public boolean enabled() {
                return true;
            }
        });
        return backend;
    }

    private static void run(String... command) throws Exception {
        runWithInput("", command);
    }

    private static void runWithInput(String input, String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
