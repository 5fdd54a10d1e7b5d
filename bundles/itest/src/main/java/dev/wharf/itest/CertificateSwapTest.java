package dev.wharf.itest;

import org.osgi.test.common.annotation.InjectService;
import org.junit.jupiter.api.Timeout;
import static dev.wharf.itest.Fixture.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.apache.commons.net.ftp.FTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;
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
 * Inside Felix with the real tls-selfsigned and tls-files bundles: configuring, stopping, uninstalling and
 * reinstalling the files provider changes the certificate new connections get, while a TLS session opened before
 * keeps working.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CertificateSwapTest {
    /** Waits for Configuration Admin as long as the components may take to come up. */
    @InjectService(timeout = Fixture.WAIT_MILLIS)
    static ConfigurationAdmin configAdmin;


    private static final String FILES_BUNDLE = "dev.wharf.tls.files";

    /**
     * The framework's own context for this bundle, not an injected one: OSGi Testing Support would uninstall the
     * bundles this test reinstalls once the class is done, leaving the tests after it without them.
     */
    static BundleContext context = context();
    static Path work;
    static int port;
    static ServiceRegistration<AuthBackend> users;
    static Configuration listener;
    static Configuration selfSigned;
    static Configuration files;
    static CertificateClient longLived;

    /** Commons Net's FTPS client with a look at the certificate the server presented. */
    static final class CertificateClient extends FTPSClient {
        CertificateClient() {
            super("TLS", false);
            setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
            setConnectTimeout(10_000);
            setDefaultTimeout(20_000);
        }

        String commonName() throws IOException {
            X509Certificate leaf = (X509Certificate) ((SSLSocket) _socket_).getSession().getPeerCertificates()[0];
            return leaf.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        }
    }

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory("wharf-certswap").toRealPath();
        Path home = ownedBy(Files.createDirectories(work.resolve("home")), 1000, 1000);
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-nodes", "-days", "30", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=files.test", "-keyout",
                work.resolve("files.pem").toString(), "-out", work.resolve("files.pem").toString())
                .redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl made a certificate");

        Hashtable<String, Object> backendProperties = new Hashtable<>(Map.of(AuthBackend.NAME_PROPERTY, "certswap",
                "service.ranking", 1000));
        users = context.registerService(AuthBackend.class, request -> request.user().equals("carol")
                ? AuthResult.accepted(new Account("carol", home.toString(), 1000, 1000, AccountLimits.NONE))
                : AuthResult.unknown(), backendProperties);
        selfSigned = configAdmin.getConfiguration("dev.wharf.tls.selfsigned", "?");
        selfSigned.update(new Hashtable<>(Map.of("file", work.resolve("selfsigned.p12").toString(),
                "host.name", "selfsigned.test")));
        files = configAdmin.getConfiguration(FILES_BUNDLE, "?");
        port = freePort();
        listener = configAdmin.getFactoryConfiguration("dev.wharf.listener", "certswap", "?");
        listener.update(new Hashtable<>(Map.of("bind", "127.0.0.1", "port", Integer.toString(port), "tls", "2")));
        assertEquals("selfsigned.test", awaitCertificate("selfsigned.test"), "tls-selfsigned serves at first");
    }

    @AfterAll
    static void stop() throws Exception {
        if (longLived != null) {
            longLived.disconnect();
        }
        for (Configuration configuration : new Configuration[] {listener, files, selfSigned}) {
            if (configuration != null) {
                configuration.delete();
            }
        }
        if (users != null) {
            users.unregister();
        }
    }

    @Test
    @Order(1)
    void configuringTheFilesProviderTakesOverNewConnections() throws Exception {
        longLived = new CertificateClient();
        longLived.connect("127.0.0.1", port);
        assertTrue(longLived.login("carol", "any"), longLived.getReplyString());
        assertEquals("selfsigned.test", longLived.commonName());

        files.update(new Hashtable<>(Map.of("files", work.resolve("files.pem").toString())));
        assertEquals("files.test", awaitCertificate("files.test"));
        assertEquals(200, longLived.sendCommand("NOOP"), "the session opened before goes on");
    }

    @Test
    @Order(2)
    void stoppingAndUninstallingTheBundleFallsBackAndReinstallingRestores() throws Exception {
        Bundle bundle = bundle(FILES_BUNDLE);
        bundle.stop();
        assertEquals("selfsigned.test", awaitCertificate("selfsigned.test"), "stopped: back to self-signed");
        bundle.start();
        assertEquals("files.test", awaitCertificate("files.test"), "started again");

        String location = bundle.getLocation();
        bundle.uninstall();
        assertEquals("selfsigned.test", awaitCertificate("selfsigned.test"), "uninstalled");
        assertEquals(200, longLived.sendCommand("NOOP"));
        context.installBundle(location).start();
        assertEquals("files.test", awaitCertificate("files.test"), "reinstalled, with its configuration kept");
        assertEquals(200, longLived.sendCommand("NOOP"));
    }

    /** Connects until the server presents {@code expected}, or the wait is over; returns what it presented last. */
    private static String awaitCertificate(String expected) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        String seen = null;
        while (System.currentTimeMillis() < deadline) {
            CertificateClient probe = new CertificateClient();
            try {
                probe.connect("127.0.0.1", port);
                seen = probe.commonName();
                if (seen.equals(expected)) {
                    return seen;
                }
            } catch (IOException notYet) {
                seen = notYet.toString();
            } finally {
                if (probe.isConnected()) {
                    probe.disconnect();
                }
            }
            Thread.sleep(100);
        }
        return seen;
    }

}
