package dev.wharf.core.command;

import dev.wharf.core.session.FtpSession;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/** Opens the data connection for a transfer, with the replies every transfer command shares. */
final class DataConnections {

    private DataConnections() {
    }

    static SocketChannel open(FtpSession session) throws IOException {
        return open(session, null);
    }

    /**
     * Connects (passive accept or active connect) and sends {@code 150}; on failure replies {@code 425} and
     * returns {@code null}. Checks on the file itself must come before this call.
     *
     * @param note extra text for the 150 line (STOU's file name), or {@code null}
     */
    static SocketChannel open(FtpSession session, String note) throws IOException {
        if (!session.data().isReady()) {
            session.control().reply(425, "No data connection: use PASV, EPSV, PORT or EPRT first");
            return null;
        }
        SocketChannel channel;
        try {
            channel = session.data().connect();
        } catch (IOException failure) {
            session.control().reply(425, failure.getMessage());
            return null;
        }
        session.control().reply(150, note == null ? "Accepted data connection" : note);
        return channel;
    }
}
