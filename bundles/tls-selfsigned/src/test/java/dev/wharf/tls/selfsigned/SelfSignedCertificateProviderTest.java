package dev.wharf.tls.selfsigned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.tls.KeyMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SelfSignedCertificateProviderTest {

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"selfsigned.pem", "selfsigned.p12"})
    void createsOnceKeepsPrivateAndReloadsTheSameCertificate(String fileName) throws Exception {
        Path file = temp.resolve("var/tls").resolve(fileName);
        KeyMaterial first = SelfSignedCertificateProvider.loadOrCreate(file, "ftp.example.org", Duration.ofDays(30));
        X509Certificate certificate = first.chain().get(0);
        certificate.checkValidity();
        certificate.verify(certificate.getPublicKey()); // self-signed
        assertEquals("CN=ftp.example.org", certificate.getSubjectX500Principal().getName());
        assertTrue(certificate.getSubjectAlternativeNames().stream().anyMatch(name -> name.get(1)
                .equals("ftp.example.org")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(first.privateKey());
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate);
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(signature), "the key matches the certificate");

        KeyMaterial again = SelfSignedCertificateProvider.loadOrCreate(file, "other", Duration.ofDays(30));
        assertArrayEquals(certificate.getEncoded(), again.chain().get(0).getEncoded(), "kept across restarts");
        assertArrayEquals(first.privateKey().getEncoded(), again.privateKey().getEncoded());
        if (fileName.endsWith(".pem")) {
            String text = Files.readString(file);
            assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n") && text.contains("-----BEGIN CERTIFICATE-----"),
                    "a PEM file as openssl and curl read it: " + text);
        }
    }

    @Test
    void theCertificateOfAnEarlierVersionsPkcs12FileIsKeptWhenTheDefaultMovesToPem() throws Exception {
        Path earlier = temp.resolve("var/tls/selfsigned.p12");
        KeyMaterial before = SelfSignedCertificateProvider.loadOrCreate(earlier, "old.example.org", Duration.ofDays(30));
        Path pem = temp.resolve("var/tls/selfsigned.pem");

        KeyMaterial after = SelfSignedCertificateProvider.loadOrCreate(pem, "new.example.org", Duration.ofDays(30));

        assertArrayEquals(before.chain().get(0).getEncoded(), after.chain().get(0).getEncoded());
        assertTrue(Files.exists(pem));
        assertFalse(Files.exists(earlier), "the key is kept in one file, not two");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pem)));
        assertArrayEquals(before.chain().get(0).getEncoded(), SelfSignedCertificateProvider.loadOrCreate(pem,
                "new.example.org", Duration.ofDays(30)).chain().get(0).getEncoded(), "read from the PEM file now");
    }

    @Test
    void aDamagedFileIsReportedWithItsNameAndLeftAlone() throws Exception {
        Path file = temp.resolve("selfsigned.pem");
        SelfSignedCertificateProvider.loadOrCreate(file, "x", Duration.ofDays(1));
        String whole = Files.readString(file);
        String cut = whole.substring(0, whole.indexOf("-----BEGIN CERTIFICATE-----") + 40); // a disk that filled up
        Files.writeString(file, cut);
        IOException failure = assertThrows(IOException.class,
                () -> SelfSignedCertificateProvider.loadOrCreate(file, "x", Duration.ofDays(1)));
        assertTrue(failure.getMessage().contains(file.toString()), failure.getMessage());
        assertEquals(cut, Files.readString(file), "the file is not overwritten");
    }
}
