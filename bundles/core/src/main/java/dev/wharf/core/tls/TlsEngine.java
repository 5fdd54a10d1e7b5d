package dev.wharf.core.tls;

import dev.wharf.core.server.ListenerSettings.ClientAuth;
import dev.wharf.core.server.ListenerSettings.TlsSettings;
import dev.wharf.core.server.ServiceDirectory;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for one listener: one {@link SSLContext} (so its session cache lets data connections resume the control
 * connection's session), TLS 1.2 and newer only, and forward-secret AEAD cipher suites unless configured.
 */
public final class TlsEngine {

    /**
     * Data connections must resume the control session, several times over. JSSE's TLS 1.2 tickets (RFC 5077) do
     * not resume ("the existing session is not rejoinable"), so TLS 1.2 uses the session cache: the
     * {@code session_ticket} extension is switched off. TLS 1.3 keeps JSSE's stateless tickets, which, unlike its
     * cached ones, can be offered again: OpenSSL clients offer the control session's ticket on every data
     * connection. An upload must end with the client's close_notify, or a cut connection would pass for a
     * complete file; JSSE treats a bare end of stream as close_notify unless told otherwise. JSSE reads these
     * properties once, at first use, so the Wharf launcher sets them before anything else runs; this is the
     * fallback for other containers.
     */
    static final String DISABLED_EXTENSIONS = "jdk.tls.server.disableExtensions";
    static final String TLS12_TICKETS = "session_ticket";
    static final String REQUIRE_CLOSE_NOTIFY = "com.sun.net.ssl.requireCloseNotify";
    /** A TLS 1.2 client may not ask for handshake after handshake (each a full key exchange, for free); 1.3 has none. */
    static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    static {
        String disabled = System.getProperty(DISABLED_EXTENSIONS, "");
        if (!Arrays.asList(disabled.split("\\s*,\\s*")).contains(TLS12_TICKETS)) {
            System.setProperty(DISABLED_EXTENSIONS, disabled.isBlank() ? TLS12_TICKETS : disabled + "," + TLS12_TICKETS);
        }
        if (System.getProperty(REQUIRE_CLOSE_NOTIFY) == null) {
            System.setProperty(REQUIRE_CLOSE_NOTIFY, "true");
        }
        System.setProperty(REJECT_RENEGOTIATION, "true");
    }

    private static final X509TrustManager NO_CLIENT_CERTIFICATES = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this listener has no CAs for client certificates (tls.client.ca)");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a server does not check server certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    };

    private final ServiceDirectory services;
    private final SSLContext context;
    private final ProviderKeyManager keyManager;
    private final ClientAuth clientAuth;
    private final String[] protocols;
    private final String[] cipherSuites;

    public TlsEngine(ServiceDirectory services, TlsSettings settings) throws GeneralSecurityException {
        this.services = services;
        this.context = SSLContext.getInstance("TLS");
        this.keyManager = new ProviderKeyManager(services);
        this.clientAuth = settings.clientAuth();
        context.init(new KeyManager[] {keyManager}, clientTrust(settings), null);
        this.protocols = settings.protocols().toArray(String[]::new);
        this.cipherSuites = settings.cipherSuites().isEmpty() ? modernSuites(context)
                : settings.cipherSuites().toArray(String[]::new);
    }

    /** Whether any certificate provider is installed, i.e. whether AUTH TLS can work at all. */
    public boolean hasCertificateProvider() {
        return !services.certificateProviders().isEmpty();
    }

    /**
     * Runs the server side of a handshake over {@code plain} (AUTH TLS or implicit TLS), with the certificate the
     * providers choose for the client's SNI name. Closing the returned socket closes {@code plain}.
     */
    public SSLSocket handshake(Socket plain) throws IOException {
        SSLSocket ssl = newServerSocket(plain);
        ssl.startHandshake();
        return ssl;
    }

    /**
     * The handshake of a PROT P data connection: it presents the control connection's certificate whatever the
     * providers would say now. JSSE also asks for it without the client's SNI name while it checks a TLS 1.3
     * ticket, so only this pinning lets a data connection resume a session made for a named certificate. The TLS
     * 1.3 session ticket JSSE sends after the handshake is held back until the server writes (see
     * {@link TicketHoldingSocket}); the control connection's tickets, which data connections resume, go out at once.
     */
    public SSLSocket dataHandshake(Socket plain, SSLSession control) throws IOException {
        TicketHoldingSocket holding = new TicketHoldingSocket(plain);
        SSLSocket ssl = newServerSocket(holding);
        keyManager.pin(ssl, control);
        try {
            ssl.startHandshake();
        } finally {
            keyManager.unpin(ssl);
            holding.handshakeDone();
        }
        return ssl;
    }

    private SSLSocket newServerSocket(Socket plain) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.setEnabledProtocols(protocols);
        ssl.setEnabledCipherSuites(cipherSuites);
        if (clientAuth == ClientAuth.NEED) {
            ssl.setNeedClientAuth(true);
        } else if (clientAuth == ClientAuth.WANT) {
            ssl.setWantClientAuth(true);
        }
        return ssl;
    }

    /**
     * Client certificates must chain to the configured CAs (PKIX, no revocation checks). Without CAs none are asked
     * for, and none is trusted: JSSE's default would read the JDK's whole list of public CAs at every start, for
     * nothing.
     */
    private static TrustManager[] clientTrust(TlsSettings settings) throws GeneralSecurityException {
        if (settings.clientCas().isEmpty()) {
            return new TrustManager[] {NO_CLIENT_CERTIFICATES};
        }
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            anchors.load(null, null);
        } catch (IOException impossible) {
            throw new GeneralSecurityException(impossible);
        }
        int index = 0;
        for (X509Certificate ca : settings.clientCas()) {
            anchors.setCertificateEntry("client-ca-" + index++, ca);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        return factory.getTrustManagers();
    }

    /**
     * Whether the data connection's session resumes the control connection's. A TLS 1.2 resumption keeps the
     * session ID. JSSE gives a TLS 1.3 (PSK) resumption a new ID but the original session's creation time (kept
     * in the ticket), which a fresh handshake, made later on another connection, does not have; the peer-IP check
     * stands behind it.
     */
    public static boolean resumes(SSLSession control, SSLSession data) {
        if (control == null || data == null || !control.getProtocol().equals(data.getProtocol())
                || !control.getCipherSuite().equals(data.getCipherSuite())) {
            return false;
        }
        byte[] controlId = control.getId();
        boolean sameId = controlId != null && controlId.length > 0 && Arrays.equals(controlId, data.getId());
        return sameId || data.getProtocol().equals("TLSv1.3") && control.getCreationTime() == data.getCreationTime();
    }

    /** The JDK's suites, keeping only TLS 1.3 suites and ECDHE with AES-GCM or ChaCha20-Poly1305. */
    private static String[] modernSuites(SSLContext context) {
        return Arrays.stream(context.getServerSocketFactory().getSupportedCipherSuites())
                .filter(suite -> suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
                        || suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("CHACHA20")))
                .toArray(String[]::new);
    }
}
