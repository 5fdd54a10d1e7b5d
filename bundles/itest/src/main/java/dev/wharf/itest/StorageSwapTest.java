package dev.wharf.itest;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectService;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Uninstalls and updates the storage-local bundle inside Felix while one session uploads and another downloads:
 * both transfers complete with the right bytes (sha256), each session's next storage command gets
 * {@code 421 Storage provider gone}, logins without a provider get 421, and with the bundle back they work again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StorageSwapTest {

    private static final String STORAGE_BUNDLE = "dev.wharf.storage.local";
    private static final int HALF = 16 * 1024 * 1024;

    /**
     * The framework's own context for this bundle, not an injected one: OSGi Testing Support would uninstall the
     * bundles this test reinstalls once the class is done, leaving the tests after it without them.
     */
    static BundleContext context = context();
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;
    static Path work;
    static Path home;
    static int port;
    static String storageLocation;
    static Configuration listenerConfig;
    /** The test's own backend: the storage swap must not depend on what earlier tests did to auth-passwd. */
    static ServiceRegistration<AuthBackend> backend;
    static byte[] download;

    @BeforeAll
    static void startServer() throws Exception {
        storageLocation = bundle(STORAGE_BUNDLE).getLocation();
        work = Files.createTempDirectory("wharf-storage-swap").toRealPath();
        home = ownedBy(Files.createDirectories(work.resolve("ftp/alice")), 1000, 1000);
        Account alice = new Account("alice", home + "/./", 1000, 1000, AccountLimits.NONE);
        Dictionary<String, Object> backendProperties = new Hashtable<>();
        backendProperties.put(AuthBackend.NAME_PROPERTY, "storage-swap");
        backend = context.registerService(AuthBackend.class, request -> request.user().equals("alice")
                ? request.password().equals("wonderland") ? AuthResult.accepted(alice) : AuthResult.rejected("wrong")
                : AuthResult.unknown(), backendProperties);
        download = new byte[2 * HALF];
        new Random(7).nextBytes(download);
        Files.write(home.resolve("download.bin"), download);
        ownedBy(home.resolve("download.bin"), 1000, 1000);
        port = freePort();
        listenerConfig = configAdmin.getFactoryConfiguration("dev.wharf.listener", "storage-swap", "?");
        listenerConfig.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port), "auth.order",
                "storage-swap"));
        FTPClient first = awaitLogin(port, "alice", "wonderland");
        assertNotNull(first, "alice can log in once the bundles are up");
        first.disconnect();
    }

    @AfterAll
    static void stopServer() throws Exception {
        // whatever happened, the other in-framework tests need a local storage
        boolean installed = false;
        for (Bundle bundle : context.getBundles()) {
            installed |= STORAGE_BUNDLE.equals(bundle.getSymbolicName());
        }
        if (!installed) {
            context.installBundle(storageLocation).start();
        }
        if (listenerConfig != null) {
            listenerConfig.delete();
        }
        if (backend != null) {
            backend.unregister();
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The reply to a command that the server may answer with 421 and a close. */
    private static int reply(FTPClient client, String command) throws IOException {
        try {
            return client.sendCommand(command);
        } catch (FTPConnectionClosedException closed) {
            return client.getReplyCode();
        }
    }

    /**
     * Starts an upload and a download, lets {@code swap} change the storage bundle half-way, then completes both
     * and checks the bytes and the replies that follow.
     */
    private static void transferAcross(String uploadName, SwapAction swap) throws Exception {
        FTPClient uploader = awaitLogin(port, "alice", "wonderland");
        FTPClient downloader = awaitLogin(port, "alice", "wonderland");
        assertNotNull(uploader);
        assertNotNull(downloader);
        byte[] upload = new byte[2 * HALF];
        new Random(uploadName.hashCode()).nextBytes(upload);

        OutputStream out = uploader.storeFileStream(uploadName);
        assertNotNull(out, uploader.getReplyString());
        out.write(upload, 0, HALF);
        InputStream in = downloader.retrieveFileStream("download.bin");
        assertNotNull(in, downloader.getReplyString());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        received.write(in.readNBytes(HALF));

        swap.run();

        out.write(upload, HALF, HALF);
        out.close();
        assertTrue(uploader.completePendingCommand(), "the upload completes: " + uploader.getReplyString());
        in.transferTo(received);
        in.close();
        assertTrue(downloader.completePendingCommand(), "the download completes: " + downloader.getReplyString());
        assertEquals(sha256(download), sha256(received.toByteArray()), "the download is not corrupted");
        assertEquals(sha256(upload), sha256(Files.readAllBytes(home.resolve(uploadName))),
                "the upload is not corrupted");

        assertEquals(421, reply(uploader, "LIST"));
        assertTrue(uploader.getReplyString().contains("Storage provider gone"), uploader.getReplyString());
        assertEquals(421, reply(downloader, "SIZE download.bin"));
        assertTrue(downloader.getReplyString().contains("Storage provider gone"), downloader.getReplyString());
        uploader.disconnect();
        downloader.disconnect();
    }

    @FunctionalInterface
    private interface SwapAction {
        void run() throws Exception;
    }

    @Test
    @Order(1)
    void uninstallingTheStorageLetsTransfersFinishThenSessionsAndLoginsGet421() throws Exception {
        transferAcross("during-uninstall.bin", () -> bundle(STORAGE_BUNDLE).uninstall());

        long started = System.nanoTime();
        assertEquals(421, loginReply(port, "alice", "wonderland"), "no storage: 421, try later");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 10_000, "refused in bounded time, took " + millis + " ms");

        context.installBundle(storageLocation).start();
        FTPClient back = awaitLogin(port, "alice", "wonderland");
        assertNotNull(back, "logins work again with the storage back");
        assertSessionWorks(back, "after-reinstall.txt");
        assertArrayEquals("content of after-reinstall.txt".getBytes(StandardCharsets.UTF_8),
                Files.readAllBytes(home.resolve("after-reinstall.txt")));
        back.disconnect();
    }

    @Test
    @Order(2)
    void updatingTheStorageLetsTransfersFinishAndNewLoginsUseTheNewOne() throws Exception {
        transferAcross("during-update.bin", () -> bundle(STORAGE_BUNDLE).update());
        FTPClient fresh = awaitLogin(port, "alice", "wonderland");
        assertNotNull(fresh, "a new login gets the updated storage");
        assertSessionWorks(fresh, "after-update.txt");
        fresh.disconnect();
    }
}
