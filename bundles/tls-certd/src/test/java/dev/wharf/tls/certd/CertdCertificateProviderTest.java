package dev.wharf.tls.certd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.core.server.EmbeddedServer;
import dev.wharf.tls.files.TestCertificates;
import dev.wharf.tls.files.TlsProbe;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against Pure-FTPd's own pure-certd (Debian's pure-ftpd package, installed by .ci/run) running a handler script
 * written as for Pure-FTPd; certificates checked with a real TLS client after AUTH TLS.
 */
class CertdCertificateProviderTest {

    private static final String HANDLER = """
            #!/bin/sh
            case "$CERTD_SNI_NAME" in
              a.test) printf 'action:strict\\ncert_file:%1$s/a.pem\\nend\\n' ;;
              b.test) printf 'action:strict\\ncert_file:%1$s/b.crt\\nkey_file:%1$s/b.key\\nend\\n' ;;
              deny.test) printf 'action:deny\\nend\\n' ;;
              missing.test) printf 'action:strict\\ncert_file:/nonexistent/cert.pem\\nend\\n' ;;
              fallback.test) printf 'action:fallback\\ncert_file:/nonexistent/cert.pem\\nend\\n' ;;
              broken.test) printf 'action:strict\\ncert_file:%1$s/a.pem\\n' ;;
              *) printf 'action:default\\nend\\n' ;;
            esac
            """;

    @TempDir
    Path temp;
    Path socket;
    Process certd;
    EmbeddedServer server;
    CertdCertificateProvider provider;

    @BeforeEach
    void setUp() throws Exception {
        TestCertificates certificates = new TestCertificates(temp);
        certificates.selfSigned("a", "rsa", "a.test");
        certificates.concatenate("a.pem", "a.key", "a.crt");
        certificates.selfSigned("b", "ec", "b.test");
        Path handler = Files.writeString(temp.resolve("handler.sh"), HANDLER.formatted(temp));
        Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rwx------"));
        socket = temp.resolve("certd.sock");
        certd = startCertd(handler);
        server = new EmbeddedServer(Map.of());
        provider = new CertdCertificateProvider(config(socket, 3));
        server.addCertificateProvider(provider, "certd", 100);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        server.close();
        provider.deactivate();
        if (certd != null) {
            certd.destroy();
            certd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoNamesGetTwoCertificatesFromTheHandler() throws Exception {
        assertEquals("a.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "a.test")));
        assertEquals("RSA", TlsProbe.certificateFor(server.port(), "a.test").getPublicKey().getAlgorithm());
        assertEquals("b.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "b.test")));
        assertEquals("EC", TlsProbe.certificateFor(server.port(), "b.test").getPublicKey().getAlgorithm(),
                "separate key file");
    }

    @Test
    void defaultAndFallbackLeaveTheChoiceToTheNextProvider() throws Exception {
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "other.test")));
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "fallback.test")));
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), null)),
                "without SNI the handler is not asked");
    }

    @Test
    void denyStrictWithoutFilesAndBrokenAnswersCloseTheConnection() {
        for (String refused : List.of("deny.test", "missing.test", "broken.test")) {
            assertThrows(IOException.class, () -> TlsProbe.certificateFor(server.port(), refused), refused);
        }
    }

    @Test
    void aHandlerThatIsGoneDeniesNamedConnectionsAndRemovingTheProviderRestoresTheDefault() throws Exception {
        certd.destroy();
        assertTrue(certd.waitFor(10, TimeUnit.SECONDS));
        Files.deleteIfExists(socket);
        long started = System.nanoTime();
        assertThrows(IOException.class, () -> TlsProbe.certificateFor(server.port(), "a.test"));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "answered within the timeout");
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), null)));

        server.removeCertificateProvider(provider);
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "a.test")));
    }

    @Test
    void aHandlerThatNeverAnswersTimesOut() throws Exception {
        certd.destroy();
        certd.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(socket);
        // a socket that accepts and then says nothing
        try (var silent = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            silent.bind(java.net.UnixDomainSocketAddress.of(socket));
            long started = System.nanoTime();
            assertThrows(IOException.class, () -> TlsProbe.certificateFor(server.port(), "a.test"));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertTrue(seconds >= 2 && seconds < 10, "denied after the 3 s timeout, took " + seconds + " s");
        }
    }

    private Process startCertd(Path handler) throws Exception {
        Process process = new ProcessBuilder("pure-certd", "-s", socket.toString(), "-r", handler.toString())
                .redirectErrorStream(true).redirectOutput(temp.resolve("certd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("pure-certd did not start: " + Files.readString(temp.resolve("certd.log")));
            }
            Thread.sleep(50);
        }
        return process;
    }

    static CertdCertificateProvider.Config config(Path socket, int timeoutSeconds) {
        Map<String, Object> values = Map.of("socket", socket.toString(), "timeout_seconds", timeoutSeconds);
        return (CertdCertificateProvider.Config) Proxy.newProxyInstance(CertdCertificateProvider.Config.class
                .getClassLoader(), new Class<?>[] {CertdCertificateProvider.Config.class},
                (proxy, method, arguments) -> values.containsKey(method.getName()) ? values.get(method.getName())
                        : method.getDefaultValue());
    }
}
