package dev.wharf.tls.selfsigned;

import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.api.tls.KeyMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate for a server that has none yet: made on first start (ECDSA P-256, Bouncy Castle), kept in a
 * PKCS#12 file so clients see the same one after restarts. Ranked lowest, so any real certificate provider wins.
 */
@Component(service = CertificateProvider.class, configurationPid = SelfSignedCertificateProvider.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {CertificateProvider.NAME_PROPERTY + "=selfsigned", "service.ranking:Integer=-1000"})
@Designate(ocd = SelfSignedCertificateProvider.Config.class)
public class SelfSignedCertificateProvider implements CertificateProvider {

    static final String PID = "dev.wharf.tls.selfsigned";
    static final String HOME_VARIABLE = "${wharf.home}";
    private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificateProvider.class);
    private static final char[] STORE_PASSWORD = "wharf-selfsigned".toCharArray();
    private static final String ALIAS = "wharf";

    @ObjectClassDefinition(name = "Wharf self-signed certificate")
    public @interface Config {
        @AttributeDefinition(description = "Where the generated key and certificate are kept (PKCS#12)")
        String file() default HOME_VARIABLE + "/var/tls/selfsigned.p12";

        @AttributeDefinition(description = "Host name put in the certificate")
        String host_name() default "localhost";

        @AttributeDefinition(description = "Validity of a new certificate, in days")
        int validity_days() default 825;
    }

    private final KeyMaterial material;

    @Activate
    public SelfSignedCertificateProvider(BundleContext context, Config config) throws IOException {
        String home = context == null ? null : context.getProperty("wharf.home");
        Path file = Path.of(config.file().replace(HOME_VARIABLE, home != null ? home : System.getProperty("user.dir")))
                .toAbsolutePath();
        this.material = loadOrCreate(file, config.host_name(), Duration.ofDays(config.validity_days()));
    }

    @Override
    public Optional<KeyMaterial> keyMaterial(String serverName) {
        return Optional.of(material);
    }

    static KeyMaterial loadOrCreate(Path file, String hostName, Duration validity) throws IOException {
        try {
            if (Files.exists(file)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(file)) {
                    store.load(in, STORE_PASSWORD);
                }
                return new KeyMaterial((PrivateKey) store.getKey(ALIAS, STORE_PASSWORD),
                        List.of((X509Certificate) store.getCertificate(ALIAS)));
            }
            KeyMaterial created = create(hostName, validity);
            save(file, created);
            LOG.info("Created a self-signed certificate for {} in {} (SHA-256 fingerprint {}); install a real "
                    + "certificate provider for production", hostName, file, fingerprint(created.chain().get(0)));
            return created;
        } catch (GeneralSecurityException | OperatorCreationException failure) {
            throw new IOException("cannot load or create the self-signed certificate in " + file, failure);
        }
    }

    static KeyMaterial create(String hostName, Duration validity)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=" + hostName);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(validity)), subject, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, hostName),
                new GeneralName(GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress())}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        return new KeyMaterial(keys.getPrivate(), List.of(certificate));
    }

    /** Written to a temporary file and renamed into place, readable by the server's user only. */
    private static void save(Path file, KeyMaterial material) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, material.privateKey(), STORE_PASSWORD,
                material.chain().toArray(X509Certificate[]::new));
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), ".selfsigned", ".tmp");
        try {
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            try (OutputStream out = Files.newOutputStream(temporary)) {
                store.store(out, STORE_PASSWORD);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static String fingerprint(X509Certificate certificate) throws GeneralSecurityException {
        return java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }
}
