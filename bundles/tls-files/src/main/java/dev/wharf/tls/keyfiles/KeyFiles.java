package dev.wharf.tls.keyfiles;

import dev.wharf.api.tls.KeyMaterial;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Turns key and certificate files into {@link KeyMaterial}. Keys and certificates may be spread over the files in
 * any order; each private key is paired with the certificate whose public key verifies its signature, and the chain
 * is completed from the other certificates by issuer. Keys and certificates come out as the JDK's own objects (Bouncy
 * Castle parses, the JDK's providers convert), so JSSE uses them like any keystore entry.
 */
public final class KeyFiles {

    private static final String PEM_MARKER = "-----BEGIN ";
    private static final int MAX_FILE_BYTES = 1 << 20;
    private static final int MAX_CHAIN = 10;
    /** For decrypting keys only (OpenSSL's PBES2 choices); a private instance, never installed JVM-wide. */
    private static final java.security.Provider BOUNCY_CASTLE =
            new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private KeyFiles() {
    }

    /**
     * Reads all files and pairs every private key with its certificate.
     *
     * @param password for PKCS#12 files and encrypted PEM keys; may be empty
     * @return one entry per private key found, in file order; never empty
     * @throws KeyFileException naming the file when one cannot be read, decrypted or paired
     */
    public static List<KeyMaterial> load(List<Path> files, char[] password) throws KeyFileException {
        List<PrivateKey> keys = new ArrayList<>();
        List<Path> keyOrigins = new ArrayList<>();
        List<X509Certificate> certificates = new ArrayList<>();
        List<KeyMaterial> result = new ArrayList<>();
        for (Path file : files) {
            byte[] content = read(file);
            if (new String(content, StandardCharsets.ISO_8859_1).contains(PEM_MARKER)) {
                int before = keys.size();
                readPem(file, new String(content, StandardCharsets.UTF_8), password, keys, certificates);
                for (int i = before; i < keys.size(); i++) {
                    keyOrigins.add(file);
                }
            } else if (content.length > 0 && content[0] == 0x30) {
                result.addAll(readPkcs12(file, content, password));
            } else {
                throw new KeyFileException(file + " is neither a PEM file nor a PKCS#12 file");
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            PrivateKey key = keys.get(i);
            Path origin = keyOrigins.get(i);
            X509Certificate leaf = certificates.stream().filter(certificate -> belongTogether(key, certificate))
                    .findFirst().orElseThrow(() -> new KeyFileException("the " + key.getAlgorithm()
                            + " private key in " + origin + " matches none of the certificates"));
            result.add(new KeyMaterial(key, chain(leaf, certificates)));
        }
        if (result.isEmpty()) {
            throw new KeyFileException(certificates.isEmpty() ? "no certificate and no private key in " + files
                    : "no private key in " + files + " (give the key file too, or a combined PEM file)");
        }
        return result;
    }

    /** The DNS names in the certificate's subject alternative names, or its common name when it has none. */
    public static List<String> serverNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (Integer.valueOf(2).equals(alternative.get(0))) {
                        names.add(alternative.get(1).toString().toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException unreadable) {
            // treated as having no alternative names
        }
        if (names.isEmpty()) {
            X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
            for (RDN name : subject.getRDNs(BCStyle.CN)) {
                names.add(IETFUtils.valueToString(name.getFirst().getValue()).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** Whether {@code pattern} (a name from {@link #serverNames}) covers {@code host}; {@code *.} covers one label. */
    public static boolean nameMatches(String pattern, String host) {
        String wanted = host.toLowerCase(Locale.ROOT);
        if (pattern.startsWith("*.")) {
            int dot = wanted.indexOf('.');
            return dot > 0 && wanted.substring(dot + 1).equals(pattern.substring(2));
        }
        return pattern.equals(wanted);
    }

    private static byte[] read(Path file) throws KeyFileException {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new KeyFileException(file + " is larger than 1 MiB; not a key or certificate file");
            }
            return Files.readAllBytes(file);
        } catch (IOException unreadable) {
            throw new KeyFileException("cannot read " + file + ": " + unreadable, unreadable);
        }
    }

    private static void readPem(Path file, String text, char[] password, List<PrivateKey> keys,
                                List<X509Certificate> certificates) throws KeyFileException {
        JcaPEMKeyConverter keyConverter = new JcaPEMKeyConverter();
        JcaX509CertificateConverter certificateConverter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (item instanceof X509CertificateHolder holder) {
                    certificates.add(certificateConverter.getCertificate(holder));
                } else if (item instanceof PEMKeyPair pair) {
                    keys.add(keyConverter.getKeyPair(pair).getPrivate());
                } else if (item instanceof PrivateKeyInfo info) {
                    keys.add(keyConverter.getPrivateKey(info));
                } else if (item instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                    requirePassword(file, password);
                    keys.add(keyConverter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(password))));
                } else if (item instanceof PEMEncryptedKeyPair encrypted) {
                    requirePassword(file, password);
                    keys.add(keyConverter.getKeyPair(encrypted.decryptKeyPair(
                            new JcePEMDecryptorProviderBuilder().setProvider(BOUNCY_CASTLE).build(password)))
                            .getPrivate());
                } else if (!(item instanceof ASN1ObjectIdentifier)) {
                    // EC PARAMETERS blocks are ASN1ObjectIdentifiers; anything else has no business here
                    throw new KeyFileException(file + " holds a PEM block that is neither a certificate nor a "
                            + "private key (" + item.getClass().getSimpleName() + ")");
                }
            }
        } catch (PKCSException | OperatorCreationException | org.bouncycastle.openssl.EncryptionException wrong) {
            throw new KeyFileException("cannot decrypt the private key in " + file + ": wrong password?", wrong);
        } catch (IOException | GeneralSecurityException | RuntimeException broken) {
            throw new KeyFileException("cannot parse " + file + ": " + broken.getMessage(), broken);
        }
    }

    private static void requirePassword(Path file, char[] password) throws KeyFileException {
        if (password == null || password.length == 0) {
            throw new KeyFileException("the private key in " + file + " is encrypted and no password is configured");
        }
    }

    private static List<KeyMaterial> readPkcs12(Path file, byte[] content, char[] password) throws KeyFileException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(content), password);
            List<KeyMaterial> entries = new ArrayList<>();
            Enumeration<String> aliases = store.aliases();
            while (aliases.hasMoreElements()) {
                String alias = aliases.nextElement();
                if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey key) {
                    List<X509Certificate> chain = new ArrayList<>();
                    for (Certificate certificate : store.getCertificateChain(alias)) {
                        chain.add((X509Certificate) certificate);
                    }
                    entries.add(new KeyMaterial(key, chain));
                }
            }
            return entries;
        } catch (IOException wrongPassword) {
            throw new KeyFileException("cannot open the PKCS#12 file " + file + " (wrong password?): "
                    + wrongPassword.getMessage(), wrongPassword);
        } catch (GeneralSecurityException | RuntimeException broken) {
            throw new KeyFileException("cannot read the PKCS#12 file " + file + ": " + broken, broken);
        }
    }

    /** A signature made with {@code key} that the certificate's public key verifies: they are one pair. */
    private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
        PublicKey publicKey = certificate.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(publicKey.getAlgorithm().startsWith("Ed") && key.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException mismatch) {
            return false;
        }
    }

    /** The leaf, then each issuer found among {@code pool}, until a self-signed certificate or a missing issuer. */
    private static List<X509Certificate> chain(X509Certificate leaf, List<X509Certificate> pool) {
        List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
        X509Certificate current = leaf;
        while (chain.size() < MAX_CHAIN && !isSelfIssued(current)) {
            X500Principal issuer = current.getIssuerX500Principal();
            X509Certificate next = null;
            for (X509Certificate candidate : pool) {
                if (candidate.getSubjectX500Principal().equals(issuer) && !chain.contains(candidate)) {
                    next = candidate;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            chain.add(next);
            current = next;
        }
        return chain;
    }

    private static boolean isSelfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }
}
