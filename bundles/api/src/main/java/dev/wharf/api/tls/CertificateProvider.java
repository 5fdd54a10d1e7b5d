package dev.wharf.api.tls;

import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/** Supplies a private key and certificate chain; registered as an OSGi service. */
@ConsumerType
public interface CertificateProvider {

    /** Service property: a short name for the provider, e.g. {@code files}. */
    String NAME_PROPERTY = "wharf.tls.name";

    /**
     * Key material for a TLS handshake.
     *
     * @param serverName the SNI host name the client asked for, or {@code null} when it sent none
     * @return the key material, or empty to let the next provider answer
     * @throws CertificateDeniedException to refuse the connection for this name (the session is closed)
     */
    Optional<KeyMaterial> keyMaterial(String serverName) throws CertificateDeniedException;
}
