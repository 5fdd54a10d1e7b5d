package dev.wharf.core.server;

import dev.wharf.api.tls.KeyMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Self-signed key material for tests, made once per run with the JDK's keytool. */
final class TestCertificates {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static KeyMaterial cached;

    private TestCertificates() {
    }

    static synchronized KeyMaterial localhost() throws IOException {
        if (cached == null) {
            cached = generate("localhost", "EC");
        }
        return cached;
    }

    static KeyMaterial generate(String commonName, String keyAlgorithm) throws IOException {
        Path directory = Files.createTempDirectory("wharf-test-tls");
        Path store = directory.resolve("key.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", keyAlgorithm, "-dname", "CN=" + commonName,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass",
                new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
        try {
            String output = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IOException("keytool failed: " + output);
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, PASSWORD);
            }
            return new KeyMaterial((PrivateKey) keyStore.getKey("server", PASSWORD),
                    List.of((X509Certificate) keyStore.getCertificate("server")));
        } catch (GeneralSecurityException | InterruptedException failure) {
            throw new IOException(failure);
        }
    }
}
