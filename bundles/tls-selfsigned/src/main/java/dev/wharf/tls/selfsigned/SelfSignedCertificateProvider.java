package dev.wharf.tls.selfsigned;

import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.api.tls.KeyMaterial;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
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
 * A certificate for a server that has none yet: made on first start (ECDSA P-256, Bouncy Castle) and kept, so
 * clients see the same one after restarts, in a PEM file readable by the server's user only (key and certificate,
 * as in Pure-FTPd's {@code pure-ftpd.pem}); a file named {@code .p12} or {@code .pfx} is PKCS#12 instead. PEM is
 * the default because it loads several times faster: a PKCS#12 file is password-protected, and with a password
 * that must be written down beside it, the file's permissions are all that protects the key either way, while
 * the password-based MAC and key encryption cost a third of a second at every start. Ranked lowest, so any real
 * certificate provider wins.
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
    private static final String DEFAULT_FILE = "selfsigned.pem";
    /** The default file of earlier versions, PKCS#12. */
    private static final String LEGACY_FILE = "selfsigned.p12";
    private static final String KEY_LABEL = "PRIVATE KEY";
    private static final String CERTIFICATE_LABEL = "CERTIFICATE";

    @ObjectClassDefinition(name = "Wharf self-signed certificate")
    public @interface Config {
        @AttributeDefinition(description = "Where the generated key and certificate are kept: PEM, or PKCS#12 when "
                + "the name ends in .p12 or .pfx")
        String file() default HOME_VARIABLE + "/var/tls/selfsigned.pem";

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
                return isPkcs12(file) ? readPkcs12(file) : readPem(file);
            }
            Path earlier = file.resolveSibling(LEGACY_FILE);
            if (file.getFileName().toString().equals(DEFAULT_FILE) && Files.exists(earlier)) {
                // the default was PKCS#12 before: keep the certificate that clients have seen
                KeyMaterial kept = readPkcs12(earlier);
                save(file, kept);
                Files.delete(earlier); // one copy of the key, not two
                LOG.info("Moved the self-signed certificate from {} to {}", earlier, file);
                return kept;
            }
            KeyMaterial created = create(hostName, validity);
            save(file, created);
            LOG.info("Created a self-signed certificate for {} in {} (SHA-256 fingerprint {}); install a real "
                    + "certificate provider for production", hostName, file, fingerprint(created.chain().get(0)));
            return created;
        } catch (GeneralSecurityException | OperatorCreationException | IllegalArgumentException failure) {
            throw new IOException("cannot load or create the self-signed certificate in " + file, failure);
        }
    }

    private static boolean isPkcs12(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".p12") || name.endsWith(".pfx");
    }

    private static KeyMaterial readPkcs12(Path file) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, STORE_PASSWORD);
        }
        return new KeyMaterial((PrivateKey) store.getKey(ALIAS, STORE_PASSWORD),
                List.of((X509Certificate) store.getCertificate(ALIAS)));
    }

    /** The file this provider writes: one PKCS#8 private key, then the certificate. */
    private static KeyMaterial readPem(Path file) throws GeneralSecurityException, IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        byte[] key = pemBlock(text, KEY_LABEL, file);
        X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pemBlock(text, CERTIFICATE_LABEL, file)));
        PrivateKey privateKey = KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(key));
        return new KeyMaterial(privateKey, List.of(certificate));
    }

    private static byte[] pemBlock(String text, String label, Path file) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int start = text.indexOf(begin);
        int stop = start < 0 ? -1 : text.indexOf(end, start);
        if (stop < 0) {
            throw new IOException(file + " has no " + label + " block; delete it to have a new certificate made");
        }
        return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), stop));
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
        byte[] content;
        if (isPkcs12(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, material.privateKey(), STORE_PASSWORD,
                    material.chain().toArray(X509Certificate[]::new));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, STORE_PASSWORD);
            content = out.toByteArray();
        } else {
            content = (pem(KEY_LABEL, material.privateKey().getEncoded())
                    + pem(CERTIFICATE_LABEL, material.chain().get(0).getEncoded())).getBytes(StandardCharsets.US_ASCII);
        }
        Files.createDirectories(file.getParent());
        Path temporary = Files.createTempFile(file.getParent(), ".selfsigned", ".tmp");
        try {
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            Files.write(temporary, content);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static String fingerprint(X509Certificate certificate) throws GeneralSecurityException {
        return java.util.HexFormat.ofDelimiter(":").withUpperCase().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    }
}
