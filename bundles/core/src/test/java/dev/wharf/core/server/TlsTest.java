package dev.wharf.core.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPFile;
import org.apache.commons.net.ftp.FTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.wharf.core.server.TestPrograms.Result;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** FTPS with real clients: Python's ftplib, curl, lftp, Commons Net and openssl. */
class TlsTest {

    @TempDir
    static Path temp;
    static Path bigFile;
    static byte[] bigDigest;

    @BeforeAll
    static void makeBigFile() throws Exception {
        bigFile = temp.resolve("50mb.bin");
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 20];
        Random random = new Random(50);
        try (OutputStream out = Files.newOutputStream(bigFile)) {
            for (int i = 0; i < 50; i++) {
                random.nextBytes(block);
                out.write(block);
                digest.update(block);
            }
        }
        bigDigest = digest.digest();
    }

    @ParameterizedTest(name = "{0} TLS, max {1}")
    @CsvSource({"explicit, TLSv1_3", "explicit, TLSv1_2", "implicit, TLSv1_3", "implicit, TLSv1_2"})
    void pythonFtplibMovesFiftyMegabytesBothWays(String mode, String maximumVersion) throws Exception {
        // session reuse is required (the default): OpenSSL offers the control session on all three data connections
        Map<String, Object> settings = mode.equals("implicit") ? Map.of("tls.implicit", "true", "tls", "3")
                : Map.of("tls", "3");
        try (TestServer server = new TestServer(temp.resolve("python-" + mode + maximumVersion), settings)) {
            Path back = temp.resolve("back-" + mode + maximumVersion + ".bin");
            Result result = TestPrograms.run(List.of("python3", script(), "127.0.0.1", Integer.toString(server.port()), mode,
                    bigFile.toString(), back.toString(), maximumVersion));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("TLS " + maximumVersion.replace('_', '.')), result.output());
            assertTrue(result.output().contains("NAMES ['big.bin']"), result.output());
            assertEquals(3, result.output().lines().filter(line -> line.endsWith(" resumed")).count(),
                    "STOR, NLST and RETR each resumed the control session: " + result.output());
            assertArrayEquals(bigDigest, sha256(server.home("alice").resolve("big.bin")), "uploaded bytes on disk");
            assertArrayEquals(bigDigest, sha256(back), "downloaded bytes");
        }
    }

    @ParameterizedTest(name = "implicit TLS: {0}")
    @ValueSource(booleans = {false, true})
    void curlRequiringTlsUploadsListsAndDownloads(boolean implicit) throws Exception {
        Map<String, Object> settings = implicit ? Map.of("tls.implicit", "true") : Map.of("tls", "3");
        try (TestServer server = new TestServer(temp.resolve("curl-" + implicit), settings)) {
            String url = (implicit ? "ftps://" : "ftp://") + "127.0.0.1:" + server.port() + "/";
            Result upload = curl("--ssl-reqd", "-T", bigFile.toString(), url + "big.bin");
            assertEquals(0, upload.exitCode(), upload.output());
            assertArrayEquals(bigDigest, sha256(server.home("alice").resolve("big.bin")));
            Result listing = curl("--ssl-reqd", "--list-only", url);
            assertEquals("big.bin", listing.output().strip(), listing.output());
            Path back = temp.resolve("curl-back-" + implicit + ".bin");
            Result download = curl("--ssl-reqd", "-o", back.toString(), url + "big.bin");
            assertEquals(0, download.exitCode(), download.output());
            assertArrayEquals(bigDigest, sha256(back));
            String otherScheme = implicit ? url.replace("ftps://", "ftp://") : url.replace("ftp://", "ftps://");
            Result wrongMode = curl("--ssl-reqd", "--max-time", "10", "--list-only", otherScheme);
            assertNotEquals(0, wrongMode.exitCode(), "a listener speaks one TLS mode: " + wrongMode.output());
        }
    }

    @Test
    void byDefaultAResumingClientWorksAndAFreshHandshakeIsRefusedUnlessReuseIsSwitchedOff() throws Exception {
        Files.createDirectories(temp.resolve("reuse/alice"));
        Files.writeString(temp.resolve("reuse/alice/hello.txt"), "hello over tls");
        try (TestServer strict = new TestServer(temp.resolve("reuse"), Map.of("tls", "2"))) {
            String url = "ftp://127.0.0.1:" + strict.port() + "/";
            for (String maxVersion : List.of("1.2", "1.3")) {
                Path back = temp.resolve("reuse-" + maxVersion + ".txt");
                Result resumed = curl("--ssl-reqd", "--tls-max", maxVersion, "-o", back.toString(), url + "hello.txt");
                assertEquals(0, resumed.exitCode(), "curl resumes the session over TLS " + maxVersion + ": "
                        + resumed.output());
                assertEquals("hello over tls", Files.readString(back));
            }

            FTPSClient fresh = protectedClient(strict, false);
            assertFalse(fresh.retrieveFile("hello.txt", new ByteArrayOutputStream()),
                    "Commons Net starts a fresh TLS session on the data connection");
            assertEquals(425, fresh.getReplyCode());
            assertTrue(fresh.getReplyString().contains("did not resume the TLS session of the control connection"),
                    fresh.getReplyString());
            fresh.disconnect();
        }
        try (TestServer lenient = new TestServer(temp.resolve("reuse"), Map.of("tls", "2",
                "tls.session.reuse", "false"))) {
            FTPSClient fresh = protectedClient(lenient, false);
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            assertTrue(fresh.retrieveFile("hello.txt", content), fresh.getReplyString());
            assertEquals("hello over tls", content.toString(StandardCharsets.UTF_8));
            fresh.disconnect();
        }
    }

    @ParameterizedTest(name = "implicit TLS: {0}")
    @ValueSource(booleans = {false, true})
    void commonsNetMovesFiftyMegabytesWithReuseSwitchedOff(boolean implicit) throws Exception {
        Map<String, Object> settings = implicit ? Map.of("tls.implicit", "true", "tls.session.reuse", "false")
                : Map.of("tls", "3", "tls.session.reuse", "false");
        try (TestServer server = new TestServer(temp.resolve("commons-" + implicit), settings)) {
            FTPSClient client = protectedClient(server, implicit);
            try (InputStream source = Files.newInputStream(bigFile)) {
                assertTrue(client.storeFile("big.bin", source), client.getReplyString());
            }
            assertArrayEquals(bigDigest, sha256(server.home("alice").resolve("big.bin")), "uploaded bytes on disk");
            FTPFile[] listing = client.listFiles();
            assertEquals(1, listing.length, client.getReplyString());
            assertEquals("big.bin", listing[0].getName());
            assertEquals(50L << 20, listing[0].getSize());
            Path back = temp.resolve("commons-back-" + implicit + ".bin");
            try (OutputStream target = Files.newOutputStream(back)) {
                assertTrue(client.retrieveFile("big.bin", target), client.getReplyString());
            }
            assertArrayEquals(bigDigest, sha256(back), "downloaded bytes");
            client.disconnect();
        }
    }

    @Test
    void anUploadCutWithoutTlsCloseNotifyIsNotKept() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("cut"), Map.of("tls", "3"))) {
            Result result = TestPrograms.run(List.of("python3", script("ftps_cut_upload.py"), "127.0.0.1",
                    Integer.toString(server.port())));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("REPLY 451 Transfer aborted: the data connection ended without TLS "
                    + "close_notify"), result.output());
            try (var files = Files.list(server.home("alice"))) {
                assertEquals(List.of(), files.toList(), "neither cut.bin nor a temporary file is left");
            }
        }
    }

    @ParameterizedTest(name = "implicit TLS: {0}")
    @ValueSource(booleans = {false, true})
    void lftpWithForcedTlsMovesFiftyMegabytesBothWays(boolean implicit) throws Exception {
        Map<String, Object> settings = implicit ? Map.of("tls.implicit", "true") : Map.of("tls", "3");
        try (TestServer server = new TestServer(temp.resolve("lftp-" + implicit), settings)) {
            Path back = temp.resolve("lftp-back-" + implicit + ".bin");
            Result result = TestPrograms.run(List.of("lftp", "-c", "set cmd:fail-exit yes; set net:max-retries 1;"
                    + " set net:timeout 30; set ftp:ssl-force true; set ftp:ssl-protect-data true;"
                    + " set ftp:ssl-protect-list true; set ssl:verify-certificate no;"
                    + " open -u alice,wonderland -p " + server.port() + (implicit ? " ftps://" : " ftp://")
                    + "127.0.0.1; put '" + bigFile + "' -o big.bin; cls -l; get big.bin -o '" + back + "'"));
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.output().contains("52428800") && result.output().contains("big.bin"), result.output());
            assertArrayEquals(bigDigest, sha256(server.home("alice").resolve("big.bin")));
            assertArrayEquals(bigDigest, sha256(back));
        }
    }

    @Test
    void tlsLevelsAreEnforced() throws Exception {
        try (TestServer required = new TestServer(temp.resolve("levels"), Map.of("tls", "2"))) {
            FTPClient plain = required.connect();
            assertEquals(211, plain.sendCommand("FEAT"));
            for (String feature : List.of(" AUTH TLS", " PBSZ", " PROT")) {
                assertTrue(plain.getReplyString().contains(feature + "\r\n"), plain.getReplyString());
            }
            assertEquals(530, plain.sendCommand("USER", "alice"), "no cleartext login");
            assertEquals(503, plain.sendCommand("PROT", "P"));
            plain.disconnect();
        }
        try (TestServer data = new TestServer(temp.resolve("levels"), Map.of("tls", "3"))) {
            FTPSClient client = ftpsClient(false);
            client.connect("127.0.0.1", data.port());
            assertTrue(client.login("alice", "wonderland"));
            assertEquals(534, client.sendCommand("PROT", "C"), "clear data refused at level 3");
            javax.net.ssl.SSLException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    javax.net.ssl.SSLException.class, client::execCCC, "CCC is refused");
            assertTrue(refused.getMessage().contains("534"), refused.getMessage());
            client.disconnect();
        }
        try (TestServer off = new TestServer(temp.resolve("levels"), Map.of("tls", "0"))) {
            FTPClient plain = off.connect();
            assertEquals(500, plain.sendCommand("AUTH", "TLS"));
            assertTrue(plain.login("alice", "wonderland"));
            plain.disconnect();
        }
    }

    @Test
    void clientCertificatesAreCheckedAgainstTheConfiguredCa() throws Exception {
        Path pki = Files.createDirectories(temp.resolve("client-pki"));
        String ca = pki.resolve("ca.crt").toString();
        makeCertificate(pki, "ca", "Client CA", null);
        makeCertificate(pki, "alice", "alice", "ca");
        makeCertificate(pki, "bob", "bob", "ca");
        makeCertificate(pki, "stranger", "alice", null);
        Files.createDirectories(temp.resolve("client-auth/alice"));
        Files.writeString(temp.resolve("client-auth/alice/hello.txt"), "for certificate holders");

        try (TestServer need = new TestServer(temp.resolve("client-auth"), Map.of("tls.client.auth", "need",
                "tls.client.ca", ca, "tls.client.match.user", "true"))) {
            String url = "ftp://127.0.0.1:" + need.port() + "/hello.txt";
            Result withCertificate = curl("--ssl-reqd", "--cert", pki.resolve("alice.crt").toString(), "--key",
                    pki.resolve("alice.key").toString(), url);
            assertEquals(0, withCertificate.exitCode(), withCertificate.output());
            assertEquals("for certificate holders", withCertificate.output());
            Result without = curl("--ssl-reqd", url);
            assertNotEquals(0, without.exitCode(), "no certificate, no handshake: " + without.output());
            Result foreign = curl("--ssl-reqd", "--cert", pki.resolve("stranger.crt").toString(), "--key",
                    pki.resolve("stranger.key").toString(), url);
            assertNotEquals(0, foreign.exitCode(), "a certificate from another CA: " + foreign.output());
            Result someoneElse = curl("--ssl-reqd", "--cert", pki.resolve("bob.crt").toString(), "--key",
                    pki.resolve("bob.key").toString(), url);
            assertEquals(67, someoneElse.exitCode(), "bob's certificate does not log alice in: "
                    + someoneElse.output());
            FTPClient plain = need.connect();
            assertEquals(530, plain.sendCommand("USER", "alice"), "no login without TLS when certificates are needed");
            plain.disconnect();
        }
        try (TestServer want = new TestServer(temp.resolve("client-auth"), Map.of("tls.client.auth", "want",
                "tls.client.ca", ca))) {
            String url = "ftp://127.0.0.1:" + want.port() + "/hello.txt";
            assertEquals(0, curl("--ssl-reqd", url).exitCode(), "want: a client without a certificate gets in");
            assertEquals(0, curl("--ssl-reqd", "--cert", pki.resolve("bob.crt").toString(), "--key",
                    pki.resolve("bob.key").toString(), url).exitCode(), "no user match asked for");
        }
        try (TestServer broken = new TestServer(temp.resolve("client-auth"), Map.of("tls.client.auth", "need",
                "tls.client.ca", pki.resolve("missing.crt").toString()))) {
            assertFalse(broken.listener.isListening(), "a listener without its CA file does not start");
        }
    }

    /** An EC certificate made by openssl: self-signed, or signed by {@code issuer} ({@code <issuer>.crt/.key}). */
    private static void makeCertificate(Path directory, String name, String commonName, String issuer)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "req", "-x509", "-nodes", "-days", "30",
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=" + commonName,
                "-keyout", directory.resolve(name + ".key").toString(),
                "-out", directory.resolve(name + ".crt").toString()));
        if (issuer != null) {
            command.addAll(List.of("-CA", directory.resolve(issuer + ".crt").toString(), "-CAkey",
                    directory.resolve(issuer + ".key").toString()));
        }
        Result made = TestPrograms.run(command);
        assertEquals(0, made.exitCode(), made.output());
    }

    @Test
    void aConfiguredCipherListIsAllThatIsOffered() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("ciphers"), Map.of("tls", "2",
                "tls.ciphers", "TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))) {
            for (String suite : List.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
                FTPSClient allowed = ftpsClient(false);
                allowed.setEnabledCipherSuites(new String[] {suite});
                allowed.connect("127.0.0.1", server.port());
                assertTrue(allowed.login("alice", "wonderland"), suite + ": " + allowed.getReplyString());
                allowed.disconnect();
            }
            for (String suite : List.of("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")) {
                FTPSClient refused = ftpsClient(false);
                refused.setEnabledCipherSuites(new String[] {suite});
                assertThrows(IOException.class, () -> refused.connect("127.0.0.1", server.port()), suite);
                if (refused.isConnected()) {
                    refused.disconnect();
                }
            }
        }
    }

    @Test
    void testsslFindsNothingOlderThanTls12AndOnlyForwardSecretAeadCiphers() throws Exception {
        try (TestServer server = new TestServer(temp.resolve("testssl"), Map.of())) {
            Result report = TestPrograms.run(List.of("testssl", "--starttls", "ftp", "--protocols", "--std",
                    "--fs", "--quiet", "--color", "0", "--warnings", "off", "127.0.0.1:" + server.port()));
            String output = report.output();
            for (String expected : List.of("SSLv2      not offered", "SSLv3      not offered",
                    "TLS 1      not offered", "TLS 1.1    not offered", "TLS 1.2    offered", "TLS 1.3    offered",
                    "NULL ciphers (no encryption)                  not offered",
                    "Anonymous NULL Ciphers (no authentication)    not offered",
                    "Export ciphers (w/o ADH+NULL)                 not offered",
                    "LOW: 64 Bit + DES, RC[2,4] (w/o export)       not offered",
                    "Triple DES Ciphers / IDEA                     not offered",
                    "Obsolete CBC ciphers (AES, ARIA etc.)         not offered",
                    "Strong encryption (AEAD ciphers)              offered", "PFS is offered")) {
                assertTrue(output.contains(expected), "testssl.sh should report '" + expected + "':\n" + output);
            }
            Result tls11 = openssl(server.port(), "-tls1_1");
            assertFalse(tls11.output().contains("Cipher is ") && !tls11.output().contains("Cipher is (NONE)"),
                    "and openssl cannot negotiate TLS 1.1 either: " + tls11.output());
        }
    }

    private static Result openssl(int port, String version) throws Exception {
        Process process = new ProcessBuilder("openssl", "s_client", "-starttls", "ftp", version, "-connect",
                "127.0.0.1:" + port).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return new Result(process.exitValue(), output);
    }

    /** Logged in as alice with PBSZ 0 and PROT P, passive, binary. */
    private static FTPSClient protectedClient(TestServer server, boolean implicit) throws IOException {
        FTPSClient client = ftpsClient(implicit);
        client.connect("127.0.0.1", server.port());
        assertTrue(client.login("alice", "wonderland"), client.getReplyString());
        client.execPBSZ(0);
        client.execPROT("P");
        client.enterLocalPassiveMode();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        return client;
    }

    private static FTPSClient ftpsClient(boolean implicit) {
        FTPSClient client = new FTPSClient("TLS", implicit);
        client.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
        client.setConnectTimeout(10_000);
        client.setDefaultTimeout(30_000);
        return client;
    }

    private static Result curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--insecure",
                "--max-time", "120", "--user", "alice:wonderland"));
        command.addAll(List.of(arguments));
        return TestPrograms.run(command);
    }

    private static String script() throws IOException {
        return script("ftps_client.py");
    }

    private static String script(String name) throws IOException {
        Path script = temp.resolve(name);
        if (!Files.exists(script)) {
            try (InputStream in = TlsTest.class.getResourceAsStream("/" + name)) {
                Files.copy(in, script);
            }
        }
        return script.toString();
    }

    private static byte[] sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return digest.digest();
    }
}
