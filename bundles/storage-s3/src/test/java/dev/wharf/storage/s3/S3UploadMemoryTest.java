package dev.wharf.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.EmbeddedServer;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.net.ftp.FTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory an upload to S3 takes stays bounded by the part size whatever the file's size: a 256 MiB STOR with
 * the default 8 MiB parts, while the heap after a full collection is sampled; then the file comes back whole.
 */
class S3UploadMemoryTest {

    /** 256 MiB; {@code -Ds3.memory.test.mib=1024} measures a 1 GiB upload (give S3Proxy {@code -Ds3proxy.heap=3g}). */
    private static final long SIZE = Long.getLong("s3.memory.test.mib", 256) << 20;
    /** One part buffer (8 MiB) and what a transfer and the SDK hold; buffering the file would need 256 MiB. */
    private static final long BOUND = 48L << 20;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLargeUploadKeepsOnePartInMemory() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start(directory)) {
            s3.createBucket("wharf-memory");
            S3StorageProvider provider = TestConfigs.provider(s3, "wharf-memory", Map.of());
            Account account = new Account("max", "/s3/max", 1000, 1000, AccountLimits.NONE);
            try (EmbeddedServer server = new EmbeddedServer()
                    .addAuthBackend(request -> AuthResult.accepted(account), "test-users", 0)
                    .addStorageProvider(provider, "s3", 100)) {
                FTPClient client = server.login("max", "any");
                client.setDataTimeout(java.time.Duration.ofSeconds(60));
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                System.gc();
                long baseline = memory.getHeapMemoryUsage().getUsed();
                AtomicLong peak = new AtomicLong();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                    while (running.get()) {
                        System.gc();
                        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed() - baseline, Math::max);
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException stop) {
                            return;
                        }
                    }
                });
                S3FtpTest.GeneratedInput input = new S3FtpTest.GeneratedInput(SIZE, 42);
                long start = System.nanoTime();
                boolean stored = client.storeFile("large.bin", input);
                long uploadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                running.set(false);
                sampler.join();
                assertTrue(stored, client.getReplyString());
                System.out.printf("S3UploadMemoryTest: STOR of %d MiB in %d ms (%.1f MiB/s); heap above the "
                        + "baseline after full collections during the upload: at most %.1f MiB%n", SIZE >> 20,
                        uploadMillis, (SIZE >> 20) * 1000.0 / uploadMillis, peak.get() / 1048576.0);
                assertTrue(peak.get() < BOUND, "heap grew by " + (peak.get() >> 20) + " MiB during the upload");

                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                start = System.nanoTime();
                try (InputStream in = new DigestInputStream(client.retrieveFileStream("large.bin"), digest)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                assertTrue(client.completePendingCommand(), client.getReplyString());
                long downloadMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                System.out.printf("S3UploadMemoryTest: RETR of %d MiB in %d ms (%.1f MiB/s)%n", SIZE >> 20,
                        downloadMillis, (SIZE >> 20) * 1000.0 / downloadMillis);
                assertEquals(input.sha256(), HexFormat.of().formatHex(digest.digest()));
                client.disconnect();
            } finally {
                provider.deactivate();
            }
        }
    }
}
