package dev.wharf.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.storage.Identity;
import dev.wharf.core.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong settings and outages: a wrong secret, a missing bucket, an endpoint that refuses connections or accepts
 * them and never answers, and an endpoint that goes away during a session. Each gets a clear reply in bounded time
 * (the provider here waits 2 s for an answer and tries once), and the reason names the setting to fix.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class S3OutageTest {

    private static final String BUCKET = "wharf-outage";
    /** What a login or command may take at most here: one attempt of 2 s plus the server's own work. */
    private static final long BOUND_MILLIS = 10_000;
    @TempDir
    static Path directory;
    private static S3ProxyServer s3;
    private static S3StorageProvider provider;
    private static EmbeddedServer server;
    private static final Map<String, Account> ACCOUNTS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.start(directory.resolve("main"));
        s3.createBucket(BUCKET);
        provider = TestConfigs.provider(s3, BUCKET, Map.of("read_timeout_seconds", 2, "connect_timeout_seconds", 2,
                "max_attempts", 1));
        server = new EmbeddedServer().addAuthBackend(request -> {
            Account account = ACCOUNTS.get(request.user());
            return account == null ? AuthResult.unknown() : AuthResult.accepted(account);
        }, "test-users", 0).addStorageProvider(provider, "s3", 100);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (provider != null) {
            provider.deactivate();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static Account account(String user, Map<String, String> attributes) {
        Account account = new Account(user, "/s3/" + user, 1000, 1000, AccountLimits.NONE, null, attributes);
        ACCOUNTS.put(user, account);
        return account;
    }

    /** Logs in and returns the reply code, checking that it came within the bound. */
    private static int timedLogin(String user) throws IOException {
        FTPClient client = server.connect();
        try {
            long start = System.nanoTime();
            boolean in;
            try {
                in = client.login(user, "any");
            } catch (org.apache.commons.net.ftp.FTPConnectionClosedException closedAfter421) {
                in = false; // Commons Net reports a 421 by closing
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertFalse(in, "the login should fail");
            assertTrue(millis < BOUND_MILLIS, "the login took " + millis + " ms");
            System.out.println("S3OutageTest: login of " + user + " answered " + client.getReplyCode() + " after "
                    + millis + " ms");
            return client.getReplyCode();
        } finally {
            client.disconnect();
        }
    }

    private static String openFailure(Account account) {
        return assertThrows(IOException.class, () -> provider.open(account, Identity.of(account))).getMessage();
    }

    @Test
    void aWrongSecretKeyGets421AndTheReasonNamesTheSetting() throws IOException {
        Account account = account("wrongkey", Map.of(S3StorageProvider.SECRET_KEY, "not-the-secret"));
        assertEquals(421, timedLogin("wrongkey"));
        String reason = openFailure(account);
        assertTrue(reason.contains("secret.key") && reason.contains("access.key"), reason);
    }

    @Test
    void aMissingBucketGets421AndTheReasonNamesTheBucket() throws IOException {
        Account account = account("nobucket", Map.of(S3StorageProvider.BUCKET, "no-such-bucket"));
        assertEquals(421, timedLogin("nobucket"));
        String reason = openFailure(account);
        assertTrue(reason.contains("'no-such-bucket' does not exist") && reason.contains("storage.bucket"), reason);
    }

    @Test
    void anEndpointThatRefusesConnectionsGets421Quickly() throws IOException {
        int closed = S3ProxyServer.freePort();
        Account account = account("refused", Map.of(S3StorageProvider.ENDPOINT, "http://127.0.0.1:" + closed));
        assertEquals(421, timedLogin("refused"));
        String reason = openFailure(account);
        assertTrue(reason.contains("cannot be reached") && reason.contains("endpoint"), reason);
    }

    @Test
    void anEndpointThatNeverAnswersGets421WithinTheReadTimeout() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // read nothing, answer nothing
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            Account account = account("silent", Map.of(S3StorageProvider.ENDPOINT,
                    "http://127.0.0.1:" + silent.getLocalPort()));
            assertEquals(421, timedLogin("silent"));
            String reason = openFailure(account);
            assertTrue(reason.contains("read.timeout.seconds"), reason);
            silent.close();
            acceptor.join(5_000);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    @Test
    void anEndpointLostDuringASessionGetsFailureRepliesInBoundedTime() throws Exception {
        S3ProxyServer lost = S3ProxyServer.start(directory.resolve("lost"));
        boolean stopped = false;
        try {
            lost.createBucket("wharf-lost");
            Map<String, String> attributes = new HashMap<>(Map.of(S3StorageProvider.ENDPOINT, lost.endpoint(),
                    S3StorageProvider.BUCKET, "wharf-lost"));
            account("stranded", attributes);
            FTPClient client = server.login("stranded", "any");
            try {
                assertTrue(client.storeFile("kept.bin", new ByteArrayInputStream(new byte[1000])));
                lost.close();
                stopped = true;

                long start = System.nanoTime();
                assertNull(client.listNames(), client.getReplyString());
                assertTrue(FTPReply.isNegativeTransient(client.getReplyCode())
                        || FTPReply.isNegativePermanent(client.getReplyCode()), client.getReplyString());
                assertFalse(client.retrieveFile("kept.bin", new ByteArrayOutputStream()));
                assertTrue(FTPReply.isNegativeTransient(client.getReplyCode())
                        || FTPReply.isNegativePermanent(client.getReplyCode()), client.getReplyString());
                assertFalse(client.storeFile("new.bin", new ByteArrayInputStream(new byte[1000])));
                assertTrue(FTPReply.isNegativeTransient(client.getReplyCode())
                        || FTPReply.isNegativePermanent(client.getReplyCode()), client.getReplyString());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(millis < 3 * BOUND_MILLIS, "three commands took " + millis + " ms");
                assertEquals(200, client.noop(), "the session itself goes on");
            } finally {
                client.disconnect();
            }
        } finally {
            if (!stopped) {
                lost.close();
            }
        }
    }
}
