package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.AccountLimits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Bandwidth limits (per session and server-wide) and upload/download ratios, timed and checked byte for byte. */
class ThrottleAndRatioTest {

    private static final int MIB = 1024 * 1024;

    @TempDir
    Path temp;

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static void assertWithin20Percent(double expectedSeconds, long startNanos, String what) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        assertTrue(seconds >= expectedSeconds * 0.8 && seconds <= expectedSeconds * 1.2,
                what + " took " + seconds + " s, expected " + expectedSeconds + " s ± 20 %");
    }

    /** Over loopback the default sends by copying; {@code sendfile = true} is what remote clients get. */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "true"})
    void throttledTwentyMegabyteDownloadTakesTheExpectedTime(String sendfile) throws IOException {
        // 5,120 KB/s: 20 MiB take 4 s
        try (TestServer server = new TestServer(temp.resolve("users-" + sendfile),
                Map.of("limits.bandwidth.download", "5120", "sendfile", sendfile))) {
            byte[] file = randomBytes(20 * MIB);
            Files.write(server.home("alice").resolve("big.bin"), file);
            FTPClient client = server.loggedIn();
            ByteArrayOutputStream received = new ByteArrayOutputStream(file.length);
            long start = System.nanoTime();
            assertTrue(client.retrieveFile("big.bin", received), client.getReplyString());
            assertWithin20Percent(4.0, start, "a 20 MiB download at 5 MiB/s");
            assertArrayEquals(file, received.toByteArray());
            client.logout();
        }
    }

    @Test
    void accountBandwidthFromTheBackendThrottlesUploads() throws IOException {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of())) {
            // 4 MiB/s up for alice only; downloads stay free
            server.accountLimits.put("alice", new AccountLimits(0, 0, 4L * MIB, 0, 0, 0, 0));
            byte[] file = randomBytes(10 * MIB);
            FTPClient client = server.loggedIn();
            long start = System.nanoTime();
            assertTrue(client.storeFile("up.bin", new ByteArrayInputStream(file)), client.getReplyString());
            assertWithin20Percent(2.5, start, "a 10 MiB upload at 4 MiB/s");
            assertArrayEquals(file, Files.readAllBytes(server.home("alice").resolve("up.bin")));
            long download = System.nanoTime();
            assertTrue(client.retrieveFile("up.bin", new ByteArrayOutputStream()));
            assertTrue(System.nanoTime() - download < 1_500_000_000L, "downloads are not throttled");
            client.logout();
        }
    }

    @Test
    void serverWideLimitIsSharedByAllSessions() throws Exception {
        // two sessions, 6 MiB each, 6,144 KB/s for the whole server: 2 s together
        try (TestServer server = new TestServer(temp.resolve("users"),
                Map.of("limits.bandwidth.total.download", "6144"))) {
            server.addUser("bob", "builder");
            byte[] file = randomBytes(6 * MIB);
            Files.write(server.home("alice").resolve("a.bin"), file);
            Files.write(server.home("bob").resolve("b.bin"), file);
            FTPClient alice = server.loggedIn();
            FTPClient bob = server.loggedInAs("bob");
            long start = System.nanoTime();
            CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> retrieve(alice, "a.bin"));
            CompletableFuture<Boolean> second = CompletableFuture.supplyAsync(() -> retrieve(bob, "b.bin"));
            assertTrue(first.get() && second.get());
            assertWithin20Percent(2.0, start, "two 6 MiB downloads sharing 6 MiB/s");
            alice.logout();
            bob.logout();
        }
    }

    private static boolean retrieve(FTPClient client, String name) {
        try {
            return client.retrieveFile(name, new ByteArrayOutputStream());
        } catch (IOException failed) {
            throw new java.io.UncheckedIOException(failed);
        }
    }

    /** ABOR ends an upload the way a closed data connection would; the file must still not appear as complete. */
    @Test
    void anAbortedUploadIsNotStored() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("users"), Map.of("limits.bandwidth.upload", "256"))) {
            Path home = server.home("alice");
            FTPClient client = server.loggedIn();
            java.io.OutputStream upload = client.storeFileStream("partial.bin");
            upload.write(randomBytes(200 * 1024));
            upload.flush();
            Thread.sleep(300); // the throttled server is still reading
            client.abort(); // ABOR: first the STOR's own reply, then ABOR's
            assertEquals(426, client.getReplyCode(), client.getReplyString());
            assertTrue(client.getReplyString().contains("Transfer aborted"), client.getReplyString());
            assertEquals(226, client.getReply(), client.getReplyString());
            try {
                upload.close();
            } catch (IOException alreadyClosed) {
                // the server closed the data connection
            }
            assertFalse(Files.exists(home.resolve("partial.bin")), "an aborted upload is not put in place");
            try (var left = Files.list(home)) {
                assertEquals(List.of(), left.map(path -> path.getFileName().toString()).toList(),
                        "and its temporary file is gone");
            }
            assertEquals(257, client.sendCommand("PWD"), "the session goes on");
            client.logout();
        }
    }

    @Test
    void downloadsMayNotOutgrowUploadsByMoreThanTheRatio() throws IOException {
        // ratio 1:2 — every uploaded byte allows two downloaded bytes in the session
        try (TestServer server = new TestServer(temp.resolve("users"),
                Map.of("limits.ratio.upload", "1", "limits.ratio.download", "2"))) {
            Path home = server.home("alice");
            Files.write(home.resolve("2000.bin"), new byte[2000]);
            Files.write(home.resolve("1.bin"), new byte[1]);
            FTPClient client = server.loggedIn();
            assertFalse(client.retrieveFile("2000.bin", new ByteArrayOutputStream()));
            assertEquals(550, client.getReplyCode());
            assertTrue(client.getReplyString().contains("ratio is 1:2"), client.getReplyString());

            assertTrue(client.storeFile("mine.bin", new ByteArrayInputStream(new byte[1000])));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            assertTrue(client.retrieveFile("2000.bin", received), client.getReplyString());
            assertEquals(2000, received.size());
            assertFalse(client.retrieveFile("1.bin", new ByteArrayOutputStream()), "2001 bytes would break 1:2");
            assertEquals(550, client.getReplyCode());
            client.logout();
        }
    }
}
