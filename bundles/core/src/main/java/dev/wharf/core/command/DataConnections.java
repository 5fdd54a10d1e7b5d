package dev.wharf.core.command;

import dev.wharf.core.data.DataConnection;
import dev.wharf.core.server.ListenerSettings.TlsLevel;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.tls.TlsEngine;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/** Opens the data connection for a transfer, with the replies every transfer command shares. */
final class DataConnections {

    private DataConnections() {
    }

    static DataConnection open(FtpSession session) throws IOException {
        return open(session, null);
    }

    /**
     * Sends {@code 150} and connects (passive accept or active connect), and with PROT P runs the TLS handshake,
     * which must resume the control connection's session unless the listener allows otherwise. On failure the
     * final reply (425, 521, 522) is sent and {@code null} returned. Checks on the file must come before.
     *
     * @param note extra text for the 150 line (STOU's file name), or {@code null}
     */
    static DataConnection open(FtpSession session, String note) throws IOException {
        if (session.settings().tls().level() == TlsLevel.REQUIRED_FOR_DATA && !session.protectData()) {
            session.control().reply(521, "Data connection cannot be opened with this PROT setting.");
            return null;
        }
        if (!session.data().isReady()) {
            session.control().reply(425, "No data connection: use PASV, EPSV, PORT or EPRT first");
            return null;
        }
        // passive: the 150 goes first, and the client reads it while this thread accepts the connection the client
        // made already (or makes now: some wait for the 150); active: 150 once connected, as clients expect
        boolean passive = session.data().isPassive();
        if (passive) {
            session.control().reply(150, note == null ? "Opening data connection" : note);
        }
        SocketChannel channel;
        try {
            channel = session.data().connect();
        } catch (IOException failure) {
            session.control().reply(425, failure.getMessage());
            return null;
        }
        if (!passive) {
            session.control().reply(150, note == null ? "Data connection open" : note);
        }
        // clients start the data handshake only after the 150
        if (!session.protectData()) {
            return new DataConnection(channel, null);
        }
        SSLSocket secured;
        try {
            secured = session.tlsEngine().dataHandshake(channel.socket(), session.controlTlsSession());
            session.activity().tlsHandshake(session, "data", secured.getSession().getProtocol());
        } catch (IOException failed) {
            session.activity().tlsHandshake(session, "data", null);
            channel.close();
            session.control().reply(425, "TLS handshake on the data connection failed: " + failed.getMessage());
            return null;
        }
        if (session.settings().tls().requireSessionReuse()
                && !TlsEngine.resumes(session.controlTlsSession(), secured.getSession())) {
            secured.close();
            session.control().reply(425, "Data connection refused: it did not resume the TLS session of the "
                    + "control connection, which this server requires to protect data connections");
            return null;
        }
        return new DataConnection(channel, secured);
    }
}
