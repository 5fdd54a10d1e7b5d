package dev.wharf.api.tls;

/** Thrown by a {@link CertificateProvider} that refuses to serve a server name at all. */
public class CertificateDeniedException extends Exception {

    private static final long serialVersionUID = 1L;

    public CertificateDeniedException(String message) {
        super(message);
    }
}
