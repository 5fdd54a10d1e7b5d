package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import org.junit.jupiter.api.Timeout;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Dictionary;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Runs inside Felix with the real core, storage-local and auth-passwd bundles: logs in over FTP, then stops,
 * uninstalls and reinstalls the auth bundle and registers a competing backend, checking new logins and an
 * already logged-in session at every step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HotSwapTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;


    private static final String PASSWD_BUNDLE = "dev.wharf.auth.passwd";

    /**
     * The framework's own context for this bundle, not an injected one: OSGi Testing Support would uninstall the
     * bundles this test reinstalls once the class is done, leaving the tests after it without them.
     */
    static BundleContext context = context();
    static Path work;
    static int port;
    static Configuration listenerConfig;
    static Configuration passwdConfig;
    static FTPClient longLived;

    @BeforeAll
    static void startServer() throws Exception {
        work = Files.createTempDirectory("wharf-itest").toRealPath();
        Path home = ownedBy(Files.createDirectories(work.resolve("ftp/alice")), 1000, 1000);
        String hash = OpenBSDBCrypt.generate("wonderland".toCharArray(), salt(), 6);
        Files.writeString(work.resolve("pureftpd.passwd"),
                "alice:" + hash + ":1000:1000::" + home + "/./::::::::::::\n", StandardCharsets.UTF_8);
        port = freePort();

        passwdConfig = configAdmin.getConfiguration(PASSWD_BUNDLE, "?");
        passwdConfig.update(dictionary("file", work.resolve("pureftpd.passwd").toString()));
        listenerConfig = configAdmin.getFactoryConfiguration("dev.wharf.listener", "itest", "?");
        listenerConfig.update(dictionary("bind", "127.0.0.1", "port", Integer.toString(port)));

        longLived = awaitLogin(port, "alice", "wonderland");
        assertNotNull(longLived, "alice can log in once the bundles are up");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (longLived != null) {
            longLived.disconnect();
        }
        if (listenerConfig != null) {
            listenerConfig.delete();
        }
        if (passwdConfig != null) {
            passwdConfig.delete();
        }
    }

    @Test
    @Order(1)
    void loggedInUserCanTransferFiles() throws IOException {
        assertSessionWorks(longLived, "first.txt");
        assertTrue(Files.exists(work.resolve("ftp/alice/first.txt")));
    }

    @Test
    @Order(2)
    void stoppingTheAuthBundleRefusesNewLoginsButKeepsSessions() throws Exception {
        Bundle passwd = bundle(PASSWD_BUNDLE);
        passwd.stop();
        assertEquals(421, loginReply(port, "alice", "wonderland"), "no backend at all: 421, try later");
        assertSessionWorks(longLived, "while-stopped.txt");

        passwd.start();
        FTPClient again = awaitLogin(port, "alice", "wonderland");
        assertNotNull(again, "logins work again after restart");
        again.disconnect();
    }

    @Test
    @Order(3)
    void uninstallAndReinstallTheAuthBundle() throws Exception {
        Bundle passwd = bundle(PASSWD_BUNDLE);
        String location = passwd.getLocation();
        passwd.uninstall();
        assertEquals(421, loginReply(port, "alice", "wonderland"), "no backend left: 421, try later");
        assertSessionWorks(longLived, "while-uninstalled.txt");

        Bundle reinstalled = context.installBundle(location);
        reinstalled.start();
        FTPClient again = awaitLogin(port, "alice", "wonderland");
        assertNotNull(again, "logins work after reinstall");
        again.disconnect();
        assertSessionWorks(longLived, "after-reinstall.txt");
    }

    @Test
    @Order(4)
    void aHigherRankedBackendComesFirstAndCanBeRemoved() throws Exception {
        Path carolHome = ownedBy(Files.createDirectories(work.resolve("ftp/carol")), 1001, 1001);
        AuthBackend override = request -> switch (request.user()) {
            case "alice" -> AuthResult.rejected("alice is locked by the override backend");
            case "carol" -> "secret".equals(request.password())
                    ? AuthResult.accepted(new Account("carol", carolHome.toString(), 1001, 1001, AccountLimits.NONE))
                    : AuthResult.rejected("bad password");
            default -> AuthResult.unknown();
        };
        Dictionary<String, Object> properties = dictionary(AuthBackend.NAME_PROPERTY, "override");
        properties.put("service.ranking", 100);
        ServiceRegistration<AuthBackend> registration = context.registerService(AuthBackend.class, override,
                properties);
        try {
            assertEquals(530, loginReply(port, "alice", "wonderland"), "Rejected by the first backend stops the chain");
            FTPClient carol = awaitLogin(port, "carol", "secret");
            assertNotNull(carol, "the new backend's own user logs in");
            assertSessionWorks(carol, "carol.txt");
            assertTrue(Files.exists(carolHome.resolve("carol.txt")));
            carol.disconnect();
            assertSessionWorks(longLived, "during-override.txt");
        } finally {
            registration.unregister();
        }
        assertEquals(530, loginReply(port, "carol", "secret"), "carol is gone with her backend");
        FTPClient alice = awaitLogin(port, "alice", "wonderland");
        assertNotNull(alice, "alice is back once the override is removed");
        alice.disconnect();
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

}
