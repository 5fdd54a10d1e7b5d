package dev.wharf.tls.selfsigned;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.tls.KeyMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificateProviderTest {

    @TempDir
    Path temp;

    @Test
    void createsOnceKeepsPrivateAndReloadsTheSameCertificate() throws Exception {
        Path file = temp.resolve("var/tls/selfsigned.p12");
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
    }
}
