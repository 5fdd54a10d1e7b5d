package dev.wharf.core.command;

import dev.wharf.core.server.ListenerSettings.ClientAuth;
import dev.wharf.core.server.ListenerSettings.TlsLevel;
import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** AUTH, PBSZ, PROT and CCC (RFC 4217). */
final class TlsCommands {

    private static final Logger LOG = LoggerFactory.getLogger(TlsCommands.class);

    private TlsCommands() {
    }

    static void auth(FtpSession session, String argument) throws IOException {
        String mechanism = argument.trim().toUpperCase(Locale.ROOT);
        if (!mechanism.equals("TLS") && !mechanism.equals("TLS-C") && !mechanism.equals("SSL")) {
            session.control().reply(504, "This security scheme is not implemented");
            return;
        }
        if (session.controlSecured()) {
            session.control().reply(234, "AUTH TLS OK.");
            return;
        }
        if (session.tlsEngine() == null) {
            session.control().reply(500, "TLS is switched off on this listener");
            return;
        }
        if (!session.tlsEngine().hasCertificateProvider()) {
            session.control().reply(431, "Unable to accept security mechanism: no certificate is installed");
            return;
        }
        session.control().reply(234, "AUTH TLS OK.");
        try {
            session.secureControl();
        } catch (IOException failed) {
            LOG.info("TLS handshake with {} failed: {}", session.clientAddress(), failed.getMessage());
            session.close();
        }
    }

    static void pbsz(FtpSession session, String argument) throws IOException {
        if (!session.controlSecured()) {
            session.control().reply(503, "PBSZ needs a TLS control connection (AUTH TLS first)");
            return;
        }
        session.control().reply(200, "PBSZ=0");
    }

    static void prot(FtpSession session, String argument) throws IOException {
        if (!session.controlSecured()) {
            session.control().reply(503, "PROT needs a TLS control connection (AUTH TLS first)");
            return;
        }
        switch (argument.trim().toUpperCase(Locale.ROOT)) {
            case "C" -> {
                if (session.settings().tls().level() == TlsLevel.REQUIRED_FOR_DATA) {
                    session.control().reply(534, "This server requires encrypted data connections (PROT P)");
                    return;
                }
                session.protectData(false);
                session.control().reply(200, "Data protection level set to \"clear\"");
            }
            case "P" -> {
                session.protectData(true);
                session.control().reply(200, "Data protection level set to \"private\"");
            }
            default -> session.control().reply(536, "Only PROT C and PROT P are supported");
        }
    }

    /** The control connection stays encrypted: a downgrade would expose later commands to tampering. */
    static void ccc(FtpSession session, String argument) throws IOException {
        if (!session.controlSecured()) {
            session.control().reply(533, "The control connection is not protected");
            return;
        }
        session.control().reply(534, "CCC is not allowed: the control connection stays encrypted");
    }

    /**
     * With {@code tls.client.match.user}, a client that showed a certificate may log in only as the user its
     * common name names; a client without one (tls.client.auth = want) is not limited.
     */
    static boolean certificateAllows(FtpSession session, String user) {
        if (!session.settings().tls().clientCertificateNamesUser() || session.controlTlsSession() == null) {
            return true;
        }
        try {
            java.security.cert.Certificate[] chain = session.controlTlsSession().getPeerCertificates();
            String subject = ((java.security.cert.X509Certificate) chain[0]).getSubjectX500Principal().getName();
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(subject).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue().toString().equals(user)) {
                    return true;
                }
            }
            return false;
        } catch (javax.net.ssl.SSLPeerUnverifiedException noCertificate) {
            return true;
        } catch (javax.naming.InvalidNameException unreadable) {
            return false;
        }
    }

    /** RFC 4217: logins on a listener that requires TLS (or client certificates) need AUTH TLS first. */
    static boolean refuseCleartextLogin(FtpSession session) throws IOException {
        TlsLevel level = session.settings().tls().level();
        if ((level == TlsLevel.REQUIRED_FOR_LOGIN || level == TlsLevel.REQUIRED_FOR_DATA
                || session.settings().tls().clientAuth() == ClientAuth.NEED) && !session.controlSecured()) {
            session.control().reply(530, "This server requires TLS: send AUTH TLS before logging in");
            return true;
        }
        return false;
    }
}
