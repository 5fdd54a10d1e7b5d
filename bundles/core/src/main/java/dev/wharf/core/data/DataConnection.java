package dev.wharf.core.data;

import java.io.Closeable;
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

    public OutputStream output() throws IOException {
        return tls != null ? tls.getOutputStream() : Channels.newOutputStream(channel);
    }

    /** With TLS this sends close_notify first, so the client knows the transfer ended on purpose. */
    @Override
    public void close() throws IOException {
        if (tls != null) {
            tls.close();
        } else {
            channel.close();
        }
    }
}
