package dev.wharf.core.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kernel's word on a connection: open, then closed by the peer, with no read on the server's side. */
class TcpStateTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCloseByThePeerIsKnownBeforeAnythingIsRead() throws Exception {
        // IPv4, IPv6, and IPv4 on a dual-stack listener (an IPv6 socket with a mapped address)
        for (String[] ends : new String[][] {{"127.0.0.1", "127.0.0.1"}, {"::1", "::1"}, {"::", "127.0.0.1"}}) {
            String host = ends[1];
            InetAddress address = InetAddress.getByName(host);
            try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName(ends[0]));
                 Socket client = new Socket(address, listener.getLocalPort());
                 Socket accepted = listener.accept()) {
                InetSocketAddress local = (InetSocketAddress) accepted.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) accepted.getRemoteSocketAddress();
                assertFalse(TcpState.closedByPeer(local, remote), host + ": open");
                client.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!TcpState.closedByPeer(local, remote) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertTrue(TcpState.closedByPeer(local, remote), host + ": closed by the client");
                assertFalse(TcpState.closedByPeer(remote, new InetSocketAddress(address, 1)),
                        host + ": a connection that does not exist is not known");
            }
        }
    }
}
