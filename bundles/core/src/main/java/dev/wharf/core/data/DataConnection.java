package dev.wharf.core.data;

import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;

/**
 * One data connection for one transfer: a plain TCP channel (zero-copy possible) or the same channel with TLS
 * on top (PROT P).
 */
public final class DataConnection implements Closeable {

    /** How long a closing TLS data connection waits for the client's close_notify. */
    private static final int CLOSE_WAIT_MILLIS = 2_000;

    private final SocketChannel channel;
    private final SSLSocket tls;

    public DataConnection(SocketChannel channel, SSLSocket tls) {
        this.channel = channel;
        this.tls = tls;
    }

    /** The TCP channel underneath, used for sendfile when not encrypted and to abort a transfer. */
    public SocketChannel channel() {
        return channel;
    }

    public boolean encrypted() {
        return tls != null;
    }

    /** Reads honour the data timeout (SO_TIMEOUT) in both cases. */
    public InputStream input() throws IOException {
        return tls != null ? tls.getInputStream() : channel.socket().getInputStream();
    }

    /** Closing the stream closes the connection as {@link #close()} does. */
    public OutputStream output() throws IOException {
        if (tls == null) {
            return Channels.newOutputStream(channel);
        }
        return new FilterOutputStream(tls.getOutputStream()) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
            }

            @Override
            public void close() throws IOException {
                DataConnection.this.close();
            }
        };
    }

    /**
     * With TLS this sends close_notify first, so the client knows the transfer ended on purpose, then waits briefly
     * for the client's own close: closing a socket with the client's close_notify still unread makes the kernel
     * answer with a reset, which can destroy the end of a download before the client has read it. Only
     * close_notify is sent: JSSE's duplex close of a TLS 1.3 connection also sends user_canceled, which GnuTLS
     * (lftp) takes for a fatal alert.
     */
    @Override
    public void close() throws IOException {
        if (tls == null) {
            channel.close();
            return;
        }
        try {
            tls.shutdownOutput();
            awaitClientClose();
        } finally {
            tls.close();
        }
    }

    private void awaitClientClose() {
        try {
            tls.setSoTimeout(CLOSE_WAIT_MILLIS);
            InputStream in = tls.getInputStream();
            byte[] discard = new byte[512];
            while (in.read(discard) >= 0) {
                // an upload's data has been read already; anything arriving now is not part of a file
            }
        } catch (IOException gone) {
            // reset, timeout or a bare TCP close: nothing more to wait for
        }
    }
}
