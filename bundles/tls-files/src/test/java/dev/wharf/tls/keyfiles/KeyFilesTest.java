package dev.wharf.tls.keyfiles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.tls.KeyMaterial;
import dev.wharf.tls.files.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

    private static final char[] NO_PASSWORD = new char[0];

    @TempDir
    Path temp;
    TestCertificates files;

    @BeforeEach
    void setUp() {
        files = new TestCertificates(temp);
    }

    @Test
    void pureFtpdCombinedPemGivesKeyAndCertificate() throws Exception {
        Path pem = files.pureFtpdPem("ftp.example.org");
        List<KeyMaterial> loaded = KeyFiles.load(List.of(pem), NO_PASSWORD);
        assertEquals(1, loaded.size());
        assertEquals("RSA", loaded.get(0).privateKey().getAlgorithm());
        assertEquals(List.of("ftp.example.org"), KeyFiles.serverNames(loaded.get(0).chain().get(0)),
                "without alternative names the common name counts");
    }

    @Test
    void separateFilesInEveryKeyFormat() throws Exception {
        files.selfSigned("rsa", "rsa", "rsa.test", "*.rsa.test");
        files.selfSigned("ec", "ec", "ec.test");
        files.openssl(List.of("pkey", "-in", "rsa.key", "-traditional", "-out", "rsa-pkcs1.key"));
        files.openssl(List.of("ec", "-in", "ec.key", "-out", "ec-sec1.key"));
        assertTrue(Files.readString(files.path("rsa-pkcs1.key")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(files.path("ec-sec1.key")).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(Files.readString(files.path("rsa.key")).contains("BEGIN PRIVATE KEY"));
        for (List<String> names : List.of(List.of("rsa.crt", "rsa.key"), List.of("rsa-pkcs1.key", "rsa.crt"),
                List.of("ec.crt", "ec.key"), List.of("ec-sec1.key", "ec.crt"))) {
            List<KeyMaterial> loaded = KeyFiles.load(names.stream().map(files::path).toList(), NO_PASSWORD);
            assertEquals(1, loaded.size(), names.toString());
        }
        List<KeyMaterial> both = KeyFiles.load(List.of(files.path("ec.key"), files.path("rsa.key"),
                files.path("rsa.crt"), files.path("ec.crt")), NO_PASSWORD);
        assertEquals(List.of("EC", "RSA"), both.stream().map(m -> m.privateKey().getAlgorithm()).toList(),
                "each key found its own certificate");
        assertEquals(List.of("rsa.test", "*.rsa.test"), KeyFiles.serverNames(both.get(1).chain().get(0)));
    }

    @Test
    void encryptedKeysAndPkcs12NeedTheRightPassword() throws Exception {
        files.selfSigned("ec", "ec", "ec.test");
        files.openssl(List.of("pkcs8", "-topk8", "-in", "ec.key", "-out", "ec-encrypted.key", "-passout",
                "pass:s3cret"));
        files.openssl(List.of("pkcs12", "-export", "-in", "ec.crt", "-inkey", "ec.key", "-out", "ec.p12",
                "-passout", "pass:s3cret"));
        List<Path> encrypted = List.of(files.path("ec.crt"), files.path("ec-encrypted.key"));
        assertEquals(1, KeyFiles.load(encrypted, "s3cret".toCharArray()).size());
        KeyFileException noPassword = assertThrows(KeyFileException.class, () -> KeyFiles.load(encrypted, NO_PASSWORD));
        assertTrue(noPassword.getMessage().contains("encrypted and no password"), noPassword.getMessage());
        KeyFileException wrong = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(encrypted, "wrong".toCharArray()));
        assertTrue(wrong.getMessage().contains("ec-encrypted.key"), wrong.getMessage());

        List<KeyMaterial> fromP12 = KeyFiles.load(List.of(files.path("ec.p12")), "s3cret".toCharArray());
        assertEquals(List.of("ec.test"), KeyFiles.serverNames(fromP12.get(0).chain().get(0)));
        KeyFileException wrongP12 = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(List.of(files.path("ec.p12")), "wrong".toCharArray()));
        assertTrue(wrongP12.getMessage().contains("ec.p12"), wrongP12.getMessage());
    }

    @Test
    void theChainIsCompletedFromTheOtherCertificates() throws Exception {
        files.signedByTestCa("leaf", "chain.test");
        Path bundle = files.concatenate("fullchain.pem", "ca.crt", "leaf.crt");
        List<KeyMaterial> loaded = KeyFiles.load(List.of(bundle, files.path("leaf.key")), NO_PASSWORD);
        assertEquals(2, loaded.get(0).chain().size());
        assertEquals("CN=chain.test", loaded.get(0).chain().get(0).getSubjectX500Principal().getName());
        assertEquals("CN=Wharf Test CA", loaded.get(0).chain().get(1).getSubjectX500Principal().getName());
    }

    @Test
    void brokenInputIsReportedWithTheFileName() throws Exception {
        files.selfSigned("a", "rsa", "a.test");
        files.selfSigned("b", "rsa", "b.test");
        KeyFileException mismatch = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(List.of(files.path("a.crt"), files.path("b.key")), NO_PASSWORD));
        assertTrue(mismatch.getMessage().contains("b.key") && mismatch.getMessage().contains("matches none"),
                mismatch.getMessage());
        KeyFileException certificateOnly = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(List.of(files.path("a.crt")), NO_PASSWORD));
        assertTrue(certificateOnly.getMessage().contains("no private key"), certificateOnly.getMessage());
        Path garbage = Files.writeString(temp.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n");
        KeyFileException unparsable = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(List.of(garbage), NO_PASSWORD));
        assertTrue(unparsable.getMessage().contains("garbage.pem"), unparsable.getMessage());
        KeyFileException missing = assertThrows(KeyFileException.class,
                () -> KeyFiles.load(List.of(temp.resolve("nope.pem")), NO_PASSWORD));
        assertTrue(missing.getMessage().contains("nope.pem"), missing.getMessage());
    }

    @Test
    void wildcardsCoverOneLabel() {
        assertTrue(KeyFiles.nameMatches("*.example.org", "ftp.example.org"));
        assertTrue(KeyFiles.nameMatches("*.example.org", "FTP.Example.org"));
        assertFalse(KeyFiles.nameMatches("*.example.org", "example.org"));
        assertFalse(KeyFiles.nameMatches("*.example.org", "a.b.example.org"));
        assertTrue(KeyFiles.nameMatches("example.org", "EXAMPLE.ORG"));
    }
}
