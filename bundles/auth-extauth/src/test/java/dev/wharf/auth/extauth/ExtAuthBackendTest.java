package dev.wharf.auth.extauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtAuthBackendTest {

    @TempDir
    Path temp;

    private AuthDaemon daemon;
    private Thread daemonThread;
    private Process pureAuthd;
    private final ExtAuthBackend backend = new ExtAuthBackend();
    /** The next link of the chain: accepts anybody with password "fallback". */
    private final AuthBackend fallback = request -> request.password().equals("fallback")
            ? AuthResult.accepted(new Account(request.user(), temp.resolve("fallback").toString(), 1000, 1000,
                    AccountLimits.NONE))
            : AuthResult.unknown();

    @AfterEach
    void stop() throws Exception {
        backend.deactivate();
        if (daemon != null) {
            daemon.close();
            daemonThread.join(5000);
        }
        if (pureAuthd != null) {
            pureAuthd.destroy();
            pureAuthd.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** A handler script in the style of Pure-FTPd's documentation: records its environment, answers by user. */
    private Path handler() throws IOException {
        Path home = Files.createDirectories(temp.resolve("home/joe"));
        Path script = temp.resolve("handler.sh");
        Files.writeString(script, """
                #!/bin/sh
                env | grep '^AUTHD_' | sort > "%1$s/env-$AUTHD_ACCOUNT"
                case "$AUTHD_ACCOUNT:$AUTHD_PASSWORD" in
                  "joe:s3cret p@ss") printf 'auth_ok:1\\nuid:1001\\ngid:1002\\ndir:%2$s\\nper_user_max:2\\nthrottling_bandwidth_ul:4096\\nuser_quota_size:1048576\\nend\\n' ;;
                  joe:*|mallory:*) printf 'auth_ok:-1\\nend\\n' ;;
                  rooty:*) printf 'auth_ok:1\\nuid:0\\ngid:0\\ndir:/tmp\\nend\\n' ;;
                  noend:*) printf 'auth_ok:1\\nuid:1001\\ngid:1001\\ndir:/tmp\\n' ;;
                  slow:*) sleep 30; printf 'auth_ok:1\\nend\\n' ;;
                  *) printf 'auth_ok:0\\nend\\n' ;;
                esac
                """.formatted(temp, home));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private Path startWharfAuthd(long timeoutMillis) throws IOException {
        Path socket = temp.resolve("run/authd.sock");
        daemon = new AuthDaemon(socket, List.of(handler().toString()), timeoutMillis);
        daemonThread = new Thread(daemon::serve, "test-authd");
        daemonThread.start();
        return socket;
    }

    @Test
    void loginThroughWharfAuthdAndAShellHandler() throws Exception {
        Path socket = startWharfAuthd(10_000);
        backend.configure(temp.toString(), config(socket.toString(), 10, true));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "extauth", 10).addAuthBackend(fallback, "fallback", 0);
            FTPClient joe = server.login("joe", "s3cret p@ss");
            assertTrue(joe.storeFile("up.bin", new ByteArrayInputStream(new byte[] {7, 7})));
            joe.disconnect();
            assertEquals(2, Files.size(temp.resolve("home/joe/up.bin")), "the handler's dir is the home");
            assertEquals("AUTHD_ACCOUNT=joe\nAUTHD_ENCRYPTED=0\nAUTHD_LOCAL_IP=127.0.0.1\nAUTHD_LOCAL_PORT="
                    + server.port() + "\nAUTHD_PASSWORD=s3cret p@ss\nAUTHD_REMOTE_IP=127.0.0.1\n",
                    Files.readString(temp.resolve("env-joe")));

            // auth_ok:-1 stops the chain: the fallback would have accepted
            IOException refused = assertThrows(IOException.class, () -> server.login("mallory", "fallback"));
            assertTrue(refused.getMessage().contains("530"), refused.getMessage());
            // auth_ok:0 passes on to the next backend
            server.login("someone", "fallback").disconnect();
            // uid 0 or a reply without "end" is a refusal
            assertTrue(assertThrows(IOException.class, () -> server.login("rooty", "fallback")).getMessage()
                    .contains("530"));
            assertTrue(assertThrows(IOException.class, () -> server.login("noend", "fallback")).getMessage()
                    .contains("530"));
        }
    }

    @Test
    void theTlsServerNameReachesTheHandlerAndHostileNamesDoNot() throws Exception {
        Path socket = startWharfAuthd(10_000);
        backend.configure(temp.toString(), config(socket.toString(), 10, true));
        java.net.InetSocketAddress local = new java.net.InetSocketAddress("127.0.0.1", 21);
        java.net.InetSocketAddress peer = new java.net.InetSocketAddress("127.0.0.1", 40000);
        AuthResult named = backend.authenticate(new dev.wharf.api.auth.LoginRequest("joe", "s3cret p@ss", peer,
                local, true, "ftp.example.org"));
        assertTrue(named instanceof AuthResult.Accepted, named.toString());
        String environment = Files.readString(temp.resolve("env-joe"));
        assertTrue(environment.contains("AUTHD_CLIENT_SNI_NAME=ftp.example.org\n"), environment);
        assertTrue(environment.contains("AUTHD_ENCRYPTED=1\n"), environment);

        backend.authenticate(new dev.wharf.api.auth.LoginRequest("joe", "s3cret p@ss", peer, local, true,
                "evil.org\nuid:0"));
        assertFalse(Files.readString(temp.resolve("env-joe")).contains("AUTHD_CLIENT_SNI_NAME"),
                "a name Pure-FTPd would not pass on is sent empty");
    }

    @Test
    void limitsFromTheReplyAreCarriedInTheAccount() throws Exception {
        AuthResult result = ExtAuthProtocol.decide("joe", "auth_ok:1\nuid:1001\ngid:1002\ndir:/srv/./joe\n"
                + "throttling_bandwidth_ul:100\nthrottling_bandwidth_dl:200\nuser_quota_size:300\n"
                + "user_quota_files:4\nratio_upload:1\nratio_download:5\nper_user_max:6\nunknown_key:x\nend\n");
        Account account = ((AuthResult.Accepted) result).account();
        assertEquals(new AccountLimits(4, 300, 100, 200, 1, 5, 6), account.limits());
        assertEquals("/srv", account.rootDirectory());
        assertEquals(1002, account.gid());
        assertTrue(ExtAuthProtocol.decide("joe", "auth_ok:1\nuid:1\ngid:1\ndir:relative\nend\n")
                instanceof AuthResult.Rejected, "a dir not starting with / is ignored, so none is given");
    }

    @Test
    void aHangingHandlerGives421WithinTheTimeout() throws Exception {
        Path socket = startWharfAuthd(30_000);
        backend.configure(temp.toString(), config(socket.toString(), 2, true));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "extauth", 10).addAuthBackend(fallback, "fallback", 0);
            long start = System.nanoTime();
            IOException timedOut = assertThrows(IOException.class, () -> server.login("slow", "fallback"));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(timedOut.getMessage().contains("421"), timedOut.getMessage());
            assertTrue(seconds < 10, "answered after " + seconds + " s");
        }
    }

    @Test
    void aHandlerThatAcceptsButNeverAnswersGives421() throws Exception {
        Path socket = temp.resolve("mute.sock");
        try (var mute = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            mute.bind(UnixDomainSocketAddress.of(socket), 5);
            backend.configure(temp.toString(), config(socket.toString(), 1, true));
            try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
                server.addAuthBackend(backend, "extauth", 10);
                IOException timedOut = assertThrows(IOException.class, () -> server.login("joe", "x"));
                assertTrue(timedOut.getMessage().contains("421"), timedOut.getMessage());
            }
        }
    }

    @Test
    void noHandlerGives421AndDisabledPassesOn() throws Exception {
        backend.configure(temp.toString(), config(temp.resolve("nobody-listens.sock").toString(), 2, true));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "extauth", 10).addAuthBackend(fallback, "fallback", 0);
            IOException down = assertThrows(IOException.class, () -> server.login("joe", "fallback"));
            assertTrue(down.getMessage().contains("421"), down.getMessage());

            backend.configure(temp.toString(), config(temp.resolve("nobody-listens.sock").toString(), 2, false));
            server.login("joe", "fallback").disconnect();
        }
    }

    /** The same handler behind Pure-FTPd's own pure-authd: Wharf speaks its protocol. */
    @Test
    void loginThroughDebiansPureAuthd() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/pure-authd")), "pure-authd (package pure-ftpd) missing");
        Path socket = temp.resolve("pure-authd.sock");
        pureAuthd = new ProcessBuilder("/usr/sbin/pure-authd", "-s", socket.toString(), "-r", handler().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; i < 100 && !canConnect(socket); i++) {
            Thread.sleep(50);
        }
        backend.configure(temp.toString(), config(socket.toString(), 10, true));
        try (EmbeddedServer server = new EmbeddedServer(Map.of())) {
            server.addAuthBackend(backend, "extauth", 10).addAuthBackend(fallback, "fallback", 0);
            FTPClient joe = server.login("joe", "s3cret p@ss");
            assertEquals("/", joe.printWorkingDirectory());
            joe.disconnect();
            assertTrue(Files.readString(temp.resolve("env-joe")).contains("AUTHD_LOCAL_PORT=" + server.port()));
            assertTrue(assertThrows(IOException.class, () -> server.login("joe", "wrong")).getMessage()
                    .contains("530"));
            server.login("someone", "fallback").disconnect();
        }
    }

    private static boolean canConnect(Path socket) {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    static ExtAuthBackend.Config config(String socket, int timeout, boolean enabled) {
        return new ExtAuthBackend.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ExtAuthBackend.Config.class;
            }

            @Override
            public String socket() {
                return socket;
            }

            @Override
            public int timeout() {
                return timeout;
            }

            @Override
            public boolean enabled() {
                return enabled;
            }
        };
    }
}
