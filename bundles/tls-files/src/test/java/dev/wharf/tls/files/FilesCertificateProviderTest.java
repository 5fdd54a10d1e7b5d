package dev.wharf.tls.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.auth.Account;
import dev.wharf.api.auth.AccountLimits;
import dev.wharf.api.auth.AuthBackend;
import dev.wharf.api.auth.AuthResult;
import dev.wharf.core.server.EmbeddedServer;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider behind a real listener: certificates per SNI name, checked with a Java client and curl. */
class FilesCertificateProviderTest {

    @TempDir
    Path temp;
    TestCertificates files;
    EmbeddedServer server;
    FilesCertificateProvider provider;

    @BeforeEach
    void setUp() throws IOException {
        files = new TestCertificates(Files.createDirectories(temp.resolve("tls")));
        Path home = Files.createDirectories(temp.resolve("home"));
        Files.writeString(home.resolve("readme.txt"), "served over TLS");
        AuthBackend users = request -> request.user().equals("alice") && request.password().equals("secret")
                ? AuthResult.accepted(new Account("alice", home.toString(), 1000, 1000, AccountLimits.NONE))
                : AuthResult.unknown();
        server = new EmbeddedServer(Map.of("tls", "2")).addAuthBackend(users, "test", 0);
    }

    @AfterEach
    void tearDown() {
        if (provider != null) {
            provider.deactivate();
        }
        server.close();
    }

    @Test
    void eachServerNameGetsItsOwnCertificate() throws Exception {
        files.selfSigned("rsa", "rsa", "rsa.test", "*.rsa.test");
        files.selfSigned("ec", "ec", "ec.test");
        Path pem = files.pureFtpdPem("default.test");
        start(Map.of("files", new String[] {pem.toString(), files.path("rsa.crt").toString(),
                files.path("rsa.key").toString(), files.path("ec.crt").toString(), files.path("ec.key").toString()}));

        assertEquals("rsa.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "rsa.test")));
        assertEquals("rsa.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "ftp.rsa.test")),
                "wildcard");
        assertEquals("ec.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "ec.test")));
        assertEquals("EC", TlsProbe.certificateFor(server.port(), "ec.test").getPublicKey().getAlgorithm());
        assertEquals("default.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), null)),
                "no SNI: the first file's certificate");
        assertEquals("default.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "other.test")));
    }

    @Test
    void curlVerifiesTheChainAndHostNameServed() throws Exception {
        files.signedByTestCa("leaf", "chain.test");
        files.concatenate("fullchain.pem", "leaf.crt", "ca.crt");
        files.selfSigned("other", "ec", "other.test");
        start(Map.of("files", new String[] {files.path("other.crt").toString(), files.path("other.key").toString(),
                files.path("fullchain.pem").toString(), files.path("leaf.key").toString()}));
        String port = Integer.toString(server.port());
        List<String> command = List.of("curl", "--silent", "--show-error", "--max-time", "30", "--ssl-reqd",
                "--cacert", files.path("ca.crt").toString(), "--connect-to", "chain.test:" + port + ":127.0.0.1:"
                        + port, "--user", "alice:secret", "ftp://chain.test:" + port + "/readme.txt");
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, curl.exitValue(), "curl trusts the test CA and checks chain.test: " + output);
        assertEquals("served over TLS", output);
    }

    @Test
    void strictSniRefusesUnknownNames() throws Exception {
        files.selfSigned("rsa", "rsa", "rsa.test");
        start(Map.of("files", new String[] {files.path("rsa.crt").toString(), files.path("rsa.key").toString()},
                "sni_strict", true));
        assertEquals("rsa.test", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "rsa.test")));
        assertThrows(IOException.class, () -> TlsProbe.certificateFor(server.port(), "unknown.test"),
                "the handshake fails");
    }

    @Test
    void changedFilesAreReloadedAndBrokenOnesKeepTheOldCertificate() throws Exception {
        files.selfSigned("site", "rsa", "site.test");
        start(Map.of("files", new String[] {files.path("site.crt").toString(), files.path("site.key").toString()},
                "reload_seconds", 1));
        BigInteger first = TlsProbe.certificateFor(server.port(), "site.test").getSerialNumber();
        FTPSClient session = new FTPSClient("TLS", false);
        session.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
        session.connect("127.0.0.1", server.port());
        assertTrue(session.login("alice", "secret"), session.getReplyString());

        files.selfSigned("renewed", "rsa", "site.test");
        Files.move(files.path("renewed.crt"), files.path("site.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(files.path("renewed.key"), files.path("site.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        BigInteger renewed = waitForSerialOtherThan(first);
        assertNotEquals(first, renewed);
        assertEquals(200, session.sendCommand("NOOP"), "the session opened before the reload goes on");
        session.disconnect();

        Files.writeString(files.path("site.key"), "-----BEGIN PRIVATE KEY-----\ncut off\n");
        Thread.sleep(2_500);
        assertEquals(renewed, TlsProbe.certificateFor(server.port(), "site.test").getSerialNumber(),
                "a broken file keeps the certificate loaded before");
    }

    @Test
    void withNothingLoadableTheNextProviderAnswers() throws Exception {
        Path broken = Files.writeString(temp.resolve("broken.pem"), "no certificate here");
        start(Map.of("files", new String[] {broken.toString()}));
        assertEquals("localhost", TlsProbe.commonName(TlsProbe.certificateFor(server.port(), "any.test")),
                "the embedded server's own test certificate");
    }

    private BigInteger waitForSerialOtherThan(BigInteger old) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            BigInteger serial = TlsProbe.certificateFor(server.port(), "site.test").getSerialNumber();
            if (!serial.equals(old) || System.nanoTime() > deadline) {
                return serial;
            }
            Thread.sleep(200);
        }
    }

    private void start(Map<String, Object> settings) {
        provider = new FilesCertificateProvider(null, config(settings));
        server.addCertificateProvider(provider, "files", 0);
    }

    static FilesCertificateProvider.Config config(Map<String, Object> values) {
        Map<String, Object> copy = new HashMap<>(values);
        return (FilesCertificateProvider.Config) Proxy.newProxyInstance(FilesCertificateProvider.Config.class
                .getClassLoader(), new Class<?>[] {FilesCertificateProvider.Config.class},
                (proxy, method, arguments) -> copy.containsKey(method.getName()) ? copy.get(method.getName())
                        : method.getDefaultValue());
    }
}
