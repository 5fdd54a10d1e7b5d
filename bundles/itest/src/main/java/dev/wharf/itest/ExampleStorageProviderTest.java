package dev.wharf.itest;

import static dev.wharf.itest.Fixture.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.api.storage.StorageProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPConnectionClosedException;
import org.apache.commons.net.ftp.FTPFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/**
 * Installs the example third-party provider ({@code examples/storage-memory}, compiled against the API jar alone)
 * from its built jar, serves an account from it through the real core, and drives it with a real FTP client: files
 * go to it, what it declares works, what it does not declare is refused with 504 and left out of FEAT. Then the
 * bundle is uninstalled with sessions open, as README "Hot swap of storage" describes: the running download
 * finishes, the sessions get {@code 421 Storage provider gone}, new logins {@code 421 Storage not available}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ExampleStorageProviderTest {

    private static final String EXAMPLE_BUNDLE = "org.example.wharf.memory";
    private static final String EXAMPLE_PID = "org.example.wharf.memory";
    /** The example's room for all files: small, so that filling it is quick. */
    private static final long MAX_BYTES = 8L * 1024 * 1024;

    /** The framework's own context (an injected one would uninstall what this test installs, see Fixture). */
    static BundleContext context = context();
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;
    static String exampleLocation;
    static Bundle example;
    /** Carol's home as her backend gives it: never created, since the example keeps her files in memory. */
    static Path home;
    static int port;
    static Configuration exampleConfig;
    static Configuration listenerConfig;
    static ServiceRegistration<AuthBackend> backend;

    @BeforeAll
    static void installTheExampleAndServeCarolFromIt() throws Exception {
        String jar = System.getProperty("wharf.example.memory.jar");
        assertNotNull(jar, "itest.bndrun names the example's jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), jar);
        exampleLocation = Path.of(jar).toUri().toString();
        assertFalse(Arrays.stream(context.getBundles()).anyMatch(b -> EXAMPLE_BUNDLE.equals(b.getSymbolicName())),
                "the example is not one of the run bundles: this test installs it");

        exampleConfig = configAdmin.getConfiguration(EXAMPLE_PID, "?");
        Dictionary<String, Object> settings = new Hashtable<>();
        settings.put("max.bytes", MAX_BYTES);
        exampleConfig.update(settings);
        example = context.installBundle(exampleLocation);
        example.start();

        home = Files.createTempDirectory("wharf-example-storage").resolve("carol");
        // the account names its storage by the provider's wharf.storage.name
        Account carol = new Account("carol", home.toString(), 2000, 2000, AccountLimits.NONE, null,
                Map.of("storage", "memory"));
        Dictionary<String, Object> backendProperties = new Hashtable<>();
        backendProperties.put(AuthBackend.NAME_PROPERTY, "example-storage");
        backend = context.registerService(AuthBackend.class, request -> request.user().equals("carol")
                ? request.password().equals("sweet") ? AuthResult.accepted(carol) : AuthResult.rejected("wrong")
                : AuthResult.unknown(), backendProperties);
        port = freePort();
        listenerConfig = configAdmin.getFactoryConfiguration("dev.wharf.listener", "example-storage", "?");
        listenerConfig.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port), "auth.order",
                "example-storage"));
    }

    @AfterAll
    static void removeTheExample() throws Exception {
        for (Bundle bundle : context.getBundles()) {
            if (EXAMPLE_BUNDLE.equals(bundle.getSymbolicName())) {
                bundle.uninstall();
            }
        }
        if (listenerConfig != null) {
            listenerConfig.delete();
        }
        if (exampleConfig != null) {
            exampleConfig.delete();
        }
        if (backend != null) {
            backend.unregister();
        }
    }

    private static FTPClient carol() throws Exception {
        FTPClient client = awaitLogin(port, "carol", "sweet");
        assertNotNull(client, "carol logs in once the example's provider is up");
        return client;
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] retrieve(FTPClient client, String name) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(client.retrieveFile(name, out), client.getReplyString());
        return out.toByteArray();
    }

    /** The reply to a command the server may answer with 421 and a close (Commons Net throws for those). */
    private static int closingReply(FTPClient client, String command) throws IOException {
        try {
            return client.sendCommand(command);
        } catch (FTPConnectionClosedException closed) {
            return client.getReplyCode();
        }
    }

    @Test
    @Order(1)
    void theBundleIsWiredToTheApiAloneAndRegistersItsProvider() throws Exception {
        assertEquals(Bundle.ACTIVE, example.getState());
        List<BundleWire> imports = example.adapt(BundleWiring.class).getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE);
        assertFalse(imports.isEmpty());
        for (BundleWire wire : imports) {
            String name = (String) wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
            assertTrue(name.startsWith("dev.wharf.api."), "imports only the API: " + name);
            assertEquals("dev.wharf.api", wire.getProvider().getBundle().getSymbolicName(), name);
        }
        assertEquals(null, example.getHeaders().get("Require-Bundle"));

        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Collection<ServiceReference<StorageProvider>> providers = List.of();
        while (providers.isEmpty() && System.currentTimeMillis() < deadline) {
            providers = context.getServiceReferences(StorageProvider.class, "(wharf.storage.name=memory)");
            Thread.sleep(50);
        }
        assertEquals(1, providers.size(), "the example registers its provider through Declarative Services");
        ServiceReference<StorageProvider> provider = providers.iterator().next();
        assertEquals(example, provider.getBundle());
        assertEquals(MAX_BYTES, provider.getProperty("max.bytes"), "its configuration reached it");
    }

    @Test
    @Order(2)
    void mkdStorRetrListMlsdRenameAndDeleteGoThroughTheProvider() throws Exception {
        FTPClient client = carol();
        byte[] data = randomBytes(3 * 1024 * 1024 + 7, 1);
        assertTrue(client.makeDirectory("docs"), client.getReplyString());
        assertEquals(257, client.getReplyCode());
        assertTrue(client.storeFile("docs/data.bin", new ByteArrayInputStream(data)), client.getReplyString());
        assertEquals(226, client.getReplyCode());
        assertEquals(sha256(data), sha256(retrieve(client, "docs/data.bin")));
        assertEquals(213, client.sendCommand("SIZE docs/data.bin"));
        assertEquals("213 " + data.length, client.getReplyString().strip());

        FTPFile[] listed = client.listFiles("docs");
        assertEquals(1, listed.length, Arrays.toString(listed));
        assertEquals("data.bin", listed[0].getName());
        assertEquals(data.length, listed[0].getSize());
        FTPFile[] machine = client.mlistDir("docs");
        assertEquals(1, machine.length, Arrays.toString(machine));
        assertEquals("data.bin", machine[0].getName());
        assertEquals(data.length, machine[0].getSize());
        assertTrue(machine[0].isFile(), machine[0].getRawListing());
        assertFalse(machine[0].getRawListing().contains("UNIX."), "no modes or owners: "
                + machine[0].getRawListing());

        assertTrue(client.rename("docs/data.bin", "docs/renamed.bin"), client.getReplyString());
        assertEquals(List.of("docs/renamed.bin"), Arrays.asList(client.listNames("docs")));
        assertEquals(sha256(data), sha256(retrieve(client, "docs/renamed.bin")));
        assertTrue(client.deleteFile("docs/renamed.bin"), client.getReplyString());
        assertEquals(250, client.getReplyCode());
        assertTrue(client.removeDirectory("docs"), client.getReplyString());
        assertEquals(0, client.listFiles().length);
        assertFalse(Files.exists(home), "nothing reached the disk");
        client.logout();
        client.disconnect();
    }

    @Test
    @Order(3)
    void whatItDeclaresWorksAndWhatItDoesNotIsRefusedAndNotAdvertised() throws Exception {
        FTPClient client = connect(port);
        assertEquals(211, client.sendCommand("FEAT"));
        assertTrue(client.getReplyString().contains("UNIX.mode"), "before login FEAT lists everything: "
                + client.getReplyString());
        client.disconnect();

        client = carol();
        assertEquals(211, client.sendCommand("FEAT"));
        String features = client.getReplyString();
        assertFalse(features.contains("UNIX.mode") || features.contains("UNIX.uid"), features);
        assertTrue(features.contains(" MFMT"), "SET_TIMES is declared: " + features);
        assertEquals(214, client.sendCommand("SITE HELP"));
        assertFalse(client.getReplyString().contains("CHMOD"), client.getReplyString());

        byte[] first = "one\n".getBytes(StandardCharsets.US_ASCII);
        assertTrue(client.storeFile("log.txt", new ByteArrayInputStream(first)), client.getReplyString());
        assertTrue(client.appendFile("log.txt", new ByteArrayInputStream("two\n".getBytes(StandardCharsets.US_ASCII))),
                "APPEND is declared: " + client.getReplyString());
        assertEquals("one\ntwo\n", new String(retrieve(client, "log.txt"), StandardCharsets.US_ASCII));
        assertEquals(213, client.sendCommand("MFMT 20200102030405 log.txt"));
        assertEquals(213, client.sendCommand("MDTM log.txt"));
        assertEquals("213 20200102030405", client.getReplyString().strip());

        assertEquals(504, client.sendCommand("SITE CHMOD 600 log.txt"));
        assertTrue(client.getReplyString().contains("not supported by this storage"), client.getReplyString());
        assertEquals("one\ntwo\n", new String(retrieve(client, "log.txt"), StandardCharsets.US_ASCII),
                "the refusal changed nothing");
        assertTrue(client.deleteFile("log.txt"), client.getReplyString());
        client.logout();
        client.disconnect();
    }

    @Test
    @Order(4)
    void aFullProviderAnswers452AndKeepsNothingOfTheUpload() throws Exception {
        FTPClient client = carol();
        byte[] tooBig = randomBytes((int) MAX_BYTES + 1024 * 1024, 2);
        OutputStream out = client.storeFileStream("too-big.bin");
        assertNotNull(out, client.getReplyString());
        try {
            out.write(tooBig);
            out.close();
        } catch (IOException cut) {
            // the server stopped reading when the provider refused more bytes
        }
        assertFalse(client.completePendingCommand());
        assertEquals(452, client.getReplyCode(), client.getReplyString());
        assertTrue(client.getReplyString().contains("No space left"), client.getReplyString());
        assertEquals(550, client.sendCommand("SIZE too-big.bin"), "an atomic upload that failed leaves nothing");

        byte[] fits = randomBytes(1024 * 1024, 3);
        assertTrue(client.storeFile("fits.bin", new ByteArrayInputStream(fits)), "the room came back: "
                + client.getReplyString());
        assertTrue(client.deleteFile("fits.bin"), client.getReplyString());
        client.logout();
        client.disconnect();
    }

    @Test
    @Order(5)
    void uninstallingTheBundleLetsRunningTransfersFinishThenSessionsAndLoginsGet421() throws Exception {
        FTPClient idle = carol();
        FTPClient downloader = carol();
        FTPClient uploader = carol();
        byte[] data = randomBytes(4 * 1024 * 1024, 4);
        assertTrue(downloader.storeFile("big.bin", new ByteArrayInputStream(data)), downloader.getReplyString());
        InputStream in = downloader.retrieveFileStream("big.bin");
        assertNotNull(in, downloader.getReplyString());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        received.write(in.readNBytes(64 * 1024));
        byte[] upload = randomBytes(2 * 1024 * 1024, 5);
        OutputStream out = uploader.storeFileStream("during-uninstall.bin");
        assertNotNull(out, uploader.getReplyString());
        out.write(upload, 0, upload.length / 2);

        example.uninstall();

        in.transferTo(received);
        in.close();
        assertTrue(downloader.completePendingCommand(), "the download completes: " + downloader.getReplyString());
        assertEquals(sha256(data), sha256(received.toByteArray()), "the download is not corrupted");
        out.write(upload, upload.length / 2, upload.length - upload.length / 2);
        out.close();
        assertTrue(uploader.completePendingCommand(), "the upload completes: " + uploader.getReplyString());
        assertEquals(421, closingReply(downloader, "SIZE big.bin"));
        assertTrue(downloader.getReplyString().contains("Storage provider gone"), downloader.getReplyString());
        assertEquals(421, closingReply(uploader, "SIZE during-uninstall.bin"));
        assertEquals(421, closingReply(idle, "LIST"));
        assertTrue(idle.getReplyString().contains("Storage provider gone"), idle.getReplyString());
        idle.disconnect();
        downloader.disconnect();
        uploader.disconnect();

        // the account names a provider that is no longer there: refused after a short wait, no other storage used
        FTPClient again = connect(port);
        assertEquals(331, again.sendCommand("USER carol"));
        long started = System.nanoTime();
        assertEquals(421, closingReply(again, "PASS sweet"));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(again.getReplyString().contains("Storage not available"), again.getReplyString());
        assertTrue(millis < 10_000, "refused in bounded time, took " + millis + " ms");
        again.disconnect();
        assertFalse(Files.exists(home), "nothing reached the disk");

        // installed again, the provider serves new logins from an empty memory, as its documentation says
        example = context.installBundle(exampleLocation);
        example.start();
        FTPClient back = carol();
        assertArrayEquals(new String[0], back.listNames());
        assertSessionWorks(back, "after-reinstall.txt");
        back.logout();
        back.disconnect();
    }
}
