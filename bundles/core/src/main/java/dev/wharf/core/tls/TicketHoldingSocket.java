package dev.wharf.core.tls;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The TCP socket under a TLS data connection, holding back the TLS 1.3 NewSessionTicket that JSSE writes as soon as
 * it has read the client's Finished. A client that only uploads never reads from the data connection, so the ticket
 * sits unread in its socket when it closes; its kernel then answers with a reset instead of a FIN, which throws away
 * the end of the upload still in its send buffer, close_notify included. Data connections are never resumed from,
 * so the ticket has no use there; it cannot be dropped (the client's record sequence numbers would no longer match),
 * so it leaves just before the server's next record: the first block of a download or the server's close_notify,
 * written once the upload has been read to its end.
 *
 * <p>Only what the SSL socket uses is passed on to the real socket.
 */
final class TicketHoldingSocket extends Socket {

    /** TLS record type of application data; in TLS 1.3 all encrypted records, the client's Finished included. */
    private static final int APPLICATION_DATA = 23;
    private static final int HEADER_LENGTH = 5;

    private final Socket socket;
    private final Object lock = new Object();
    private ByteArrayOutputStream held;
    private boolean handshaking = true;
    private boolean clientFinishedRead;

    // the client's records, followed while the handshake runs
    private final byte[] header = new byte[HEADER_LENGTH];
    private int headerFill;
    private int bodyLeft;

    TicketHoldingSocket(Socket socket) {
        this.socket = socket;
    }

    /** Called once the handshake is over: what is held goes out in front of the next record the server writes. */
    void handshakeDone() {
        synchronized (lock) {
            handshaking = false;
        }
    }

    private void scanInbound(byte[] bytes, int offset, int length) {
        synchronized (lock) {
            if (!handshaking || clientFinishedRead) {
                return;
            }
            int index = offset;
            int end = offset + length;
            while (index < end) {
                if (bodyLeft > 0) {
                    int skipped = Math.min(bodyLeft, end - index);
                    bodyLeft -= skipped;
                    index += skipped;
                    continue;
                }
                header[headerFill++] = bytes[index++];
                if (headerFill == HEADER_LENGTH) {
                    headerFill = 0;
                    bodyLeft = (header[3] & 0xff) << 8 | header[4] & 0xff;
                    if ((header[0] & 0xff) == APPLICATION_DATA) {
                        // TLS 1.3 only (TLS 1.2 encrypts its Finished as a handshake record): the client's last
                        // flight has begun, the server writes nothing more but tickets until the handshake ends
                        clientFinishedRead = true;
                        return;
                    }
                }
            }
        }
    }

    private void write(OutputStream out, byte[] bytes, int offset, int length) throws IOException {
        synchronized (lock) {
            if (handshaking && clientFinishedRead) {
                if (held == null) {
                    held = new ByteArrayOutputStream(256);
                }
                held.write(bytes, offset, length);
                return;
            }
            if (held != null) {
                held.writeTo(out);
                held = null;
            }
            out.write(bytes, offset, length);
        }
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return new FilterInputStream(socket.getInputStream()) {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                int count = in.read(bytes, offset, length);
                if (count > 0) {
                    scanInbound(bytes, offset, count);
                }
                return count;
            }
        };
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        OutputStream out = socket.getOutputStream();
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                TicketHoldingSocket.this.write(out, bytes, offset, length);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    @Override
    public SocketChannel getChannel() {
        return socket.getChannel();
    }

    @Override
    public boolean isConnected() {
        return socket.isConnected();
    }

    @Override
    public boolean isBound() {
        return socket.isBound();
    }

    @Override
    public boolean isClosed() {
        return socket.isClosed();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        socket.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public boolean isInputShutdown() {
        return socket.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return socket.isOutputShutdown();
    }

    @Override
    public InetAddress getInetAddress() {
        return socket.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return socket.getLocalAddress();
    }

    @Override
    public int getPort() {
        return socket.getPort();
    }

    @Override
    public int getLocalPort() {
        return socket.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return socket.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return socket.getLocalSocketAddress();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        socket.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return socket.getSoTimeout();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        socket.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return socket.getTcpNoDelay();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        socket.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return socket.getSoLinger();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        socket.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return socket.getKeepAlive();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        socket.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return socket.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        socket.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return socket.getReceiveBufferSize();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        socket.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return socket.getReuseAddress();
    }

    @Override
    public void setTrafficClass(int trafficClass) throws SocketException {
        socket.setTrafficClass(trafficClass);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return socket.getTrafficClass();
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        socket.setPerformancePreferences(connectionTime, latency, bandwidth);
    }

    @Override
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
        socket.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return socket.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return socket.supportedOptions();
    }

    @Override
    public String toString() {
        return socket.toString();
    }
}
