package dev.wharf.core.data;

import dev.wharf.core.server.ListenerSettings.PortRange;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The data-connection side of one session: either a passive listener or an active target. A passive listener is
 * closed once its connection is accepted, unless the listener's {@link PassivePorts} lets it stay for the next
 * PASV; one that no client connects to is closed after the data timeout. Connections are
 * {@link SocketChannel}s so that downloads can use {@code FileChannel.transferTo} (sendfile).
 */
public final class DataChannel implements AutoCloseable {

    /** No data connection could be made; the message is meant for the client's 425 reply. */
    public static final class DataConnectionException extends IOException {
        private static final long serialVersionUID = 1L;

        public DataConnectionException(String message) {
            super(message);
        }
    }

    private static final int PASSIVE_BACKLOG = 8;

    private final InetAddress controlPeer;
    private final Duration timeout;
    private final PassivePorts ports;
    /** Held by the session while it works on the listener; the listener's sweeper only tries it. */
    private final ReentrantLock lock = new ReentrantLock();
    private ServerSocketChannel passive;
    /** The passive listener stays open after its transfer, counted in {@link #ports}. */
    private boolean kept;
    /** When the passive listener was opened or last served a connection. */
    private long passiveUsedNanos;
    /** What {@link #passive} was opened for, to tell whether the next PASV may use it again. */
    private InetAddress passiveAddress;
    private PortRange passiveRange;
    private int passivePort;
    private boolean allowForeignPeers;
    private InetSocketAddress activeTarget;

    public DataChannel(InetAddress controlPeer, Duration timeout, PassivePorts ports) {
        this.controlPeer = controlPeer;
        this.timeout = timeout;
        this.ports = ports;
    }

    /** FXP: accept passive connections from any address (only when an admin allowed it for the account). */
    public void allowForeignPeers(boolean allow) {
        this.allowForeignPeers = allow;
    }

    /**
     * Opens a passive listener on {@code local}; returns its port. Any earlier setup is dropped, except that a
     * listener of the previous PASV on the same address serves again when only the control peer may connect:
     * clients of many small files send PASV before each one, and a new socket, bind and listen per file cost the
     * server more than the transfer. Connections still queued on the old listener are closed first, so a
     * transfer never gets a connection made for an earlier one.
     */
    public int openPassive(InetAddress local) throws IOException {
        lock.lock();
        try {
            return openPassiveLocked(local, ports.range());
        } finally {
            lock.unlock();
        }
    }

    private int openPassiveLocked(InetAddress local, PortRange range) throws IOException {
        activeTarget = null;
        if (passive != null && !allowForeignPeers && local.equals(passiveAddress)
                && Objects.equals(range, passiveRange) && discardQueuedConnections()) {
            if (kept) {
                kept = false;
                ports.unkeep();
            }
            passiveUsedNanos = System.nanoTime();
            return passivePort;
        }
        close();
        if (ports.exhausted()) {
            throw new DataConnectionException("All reserved TCP ports are busy");
        }
        // an IPv4 socket for an IPv4 client: the kernel's IPv4 path is shorter than a dual-stack socket's
        ServerSocketChannel channel = ServerSocketChannel.open(familyOf(local)); // SO_REUSEADDR is on by default
        try {
            if (range == null) {
                channel.bind(new InetSocketAddress(local, 0), PASSIVE_BACKLOG);
            } else {
                bindWithinRange(channel, local, range);
            }
        } catch (IOException failure) {
            channel.close();
            throw failure;
        }
        channel.configureBlocking(false);
        ports.opened();
        passiveUsedNanos = System.nanoTime();
        passive = channel;
        passiveAddress = local;
        passiveRange = range;
        passivePort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        return passivePort;
    }

    /** Closes whatever waits in the listener's queue; false when the listener no longer works. */
    private boolean discardQueuedConnections() {
        try {
            if (passive.isBlocking()) {
                passive.configureBlocking(false);
            }
            for (SocketChannel stale = passive.accept(); stale != null; stale = passive.accept()) {
                stale.close();
            }
            return true;
        } catch (IOException broken) {
            return false;
        }
    }

    /** Tries the range from a random point, walking with wrap-around, as Pure-FTPd does. */
    private static void bindWithinRange(ServerSocketChannel channel, InetAddress local, PortRange range)
            throws IOException {
        int start = ThreadLocalRandom.current().nextInt(range.size());
        for (int i = 0; i < range.size(); i++) {
            int port = range.first() + (start + i) % range.size();
            try {
                channel.bind(new InetSocketAddress(local, port), PASSIVE_BACKLOG);
                return;
            } catch (BindException taken) {
                // next port
            }
        }
        throw new DataConnectionException("All reserved TCP ports are busy");
    }

    /** Remembers where to connect for the next transfer (PORT/EPRT). Any passive listener is closed. */
    public void setActive(InetSocketAddress target) {
        close();
        activeTarget = target;
    }

    public boolean isReady() {
        return passive != null || activeTarget != null;
    }

    public boolean isPassive() {
        return passive != null;
    }

    /**
     * Makes the data connection for one transfer. A passive connection from an address other than the control
     * peer is closed and the wait goes on (hijack protection).
     */
    public SocketChannel connect() throws IOException {
        SocketChannel channel;
        lock.lock();
        try {
            if (passive != null) {
                channel = acceptFromPeer();
                passiveUsedNanos = System.nanoTime();
                if (!ports.tryKeep()) {
                    closePassive(); // enough listeners are kept for re-use: this port goes back to the range
                } else {
                    kept = true;
                }
            } else {
                channel = connectActive();
            }
        } finally {
            lock.unlock();
        }
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        // bounds the TLS handshake; transfers clear it and leave stalls to the listener's stall check, since every
        // timed read of a channel switches the socket to non-blocking mode and back
        channel.socket().setSoTimeout((int) timeout.toMillis());
        return channel;
    }

    private SocketChannel acceptFromPeer() throws IOException {
        // most clients connect right after the PASV reply: take that connection without a timed wait (the listener
        // is non-blocking from PASV on; only a wait switches it back)
        SocketChannel waiting = passive.isBlocking() ? null : passive.accept();
        if (waiting != null) {
            waiting.configureBlocking(true);
            if (acceptable(((InetSocketAddress) waiting.getRemoteAddress()).getAddress())) {
                return waiting;
            }
            waiting.close();
        }
        passive.configureBlocking(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw new DataConnectionException("Timeout waiting for the data connection");
            }
            passive.socket().setSoTimeout((int) remainingMillis);
            Socket accepted;
            try {
                accepted = passive.socket().accept();
            } catch (SocketTimeoutException late) {
                throw new DataConnectionException("Timeout waiting for the data connection");
            }
            if (acceptable(accepted.getInetAddress())) {
                return accepted.getChannel();
            }
            accepted.close();
        }
    }

    private static ProtocolFamily familyOf(InetAddress address) {
        return address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /** Hijack protection: only the control connection's peer may connect, unless FXP is allowed. */
    private boolean acceptable(InetAddress peer) {
        return allowForeignPeers || peer.equals(controlPeer);
    }

    private SocketChannel connectActive() throws IOException {
        if (activeTarget == null) {
            throw new DataConnectionException("Use PORT or PASV first");
        }
        SocketChannel channel = SocketChannel.open(familyOf(activeTarget.getAddress()));
        try {
            channel.socket().connect(activeTarget, (int) timeout.toMillis());
            return channel;
        } catch (IOException failure) {
            channel.close();
            throw new DataConnectionException("Could not open data connection to port " + activeTarget.getPort()
                    + ": " + failure.getMessage());
        }
    }

    /**
     * Closes a passive listener nobody has connected to (or that was kept for re-use) for the data timeout. Called
     * by the listener's watch thread; skips a session that is working on its data channel right now.
     */
    public void closeIfUnused(long nowNanos) {
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (passive != null && nowNanos - passiveUsedNanos > timeout.toNanos()) {
                closePassive();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            activeTarget = null;
            closePassive();
        } finally {
            lock.unlock();
        }
    }

    private void closePassive() {
        if (passive == null) {
            return;
        }
        try {
            passive.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        passive = null;
        ports.closed();
        if (kept) {
            kept = false;
            ports.unkeep();
        }
    }
}
