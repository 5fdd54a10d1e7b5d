package dev.wharf.core.session;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/**
 * What the kernel knows of one TCP connection, asked through netlink's sock_diag (the interface {@code ss} uses):
 * one request naming the connection's addresses and ports, one answer with its state. A plain FTP upload ends with
 * a bare end of data, which a client killed mid-upload also sends; what tells the two apart is the control
 * connection, which the dying client's kernel closes too, and first (its descriptor is the older one). The kernel
 * has that close as soon as it arrived, while the thread that reads the control connection may not have run yet:
 * the socket's state (CLOSE_WAIT) says it without reading from it. Reading {@code /proc/net/tcp} instead walks the
 * whole connection table (about 7 ms on this machine); the exact lookup costs four system calls.
 */
final class TcpState {

    private static final int AF_NETLINK = 16;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_SOCK_DIAG = 4;
    private static final short SOCK_DIAG_BY_FAMILY = 20;
    private static final short NLM_F_REQUEST = 1;
    private static final short NLMSG_ERROR = 2;
    private static final int MSG_DONTWAIT = 0x40;
    private static final byte IPPROTO_TCP = 6;
    private static final int TCP_CLOSE = 7;
    private static final int TCP_CLOSE_WAIT = 8;
    private static final int TCP_LAST_ACK = 9;
    /** nlmsghdr (16 bytes) and inet_diag_req_v2 (8 bytes, then the 48-byte inet_diag_sockid). */
    private static final int REQUEST_SIZE = 16 + 8 + 48;
    /** The answer's state: nlmsghdr, then inet_diag_msg's family byte, then its state byte. */
    private static final int STATE_OFFSET = 17;

    private static final ValueLayout.OfShort NATIVE_SHORT = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfShort NETWORK_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.BIG_ENDIAN);

    private TcpState() {
    }

    /** The C calls, made once; absent (and every answer "unknown") where they cannot be linked. */
    private static final class Calls {
        static final MethodHandle SOCKET;
        static final MethodHandle SEND;
        static final MethodHandle RECV;
        static final MethodHandle CLOSE;

        static {
            Linker linker = Linker.nativeLinker();
            java.lang.foreign.SymbolLookup libc = linker.defaultLookup();
            FunctionDescriptor io = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT);
            SOCKET = linker.downcallHandle(libc.find("socket").orElseThrow(), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            SEND = linker.downcallHandle(libc.find("send").orElseThrow(), io);
            RECV = linker.downcallHandle(libc.find("recv").orElseThrow(), io);
            CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        }
    }

    /**
     * Whether the peer has closed (or reset) the connection between these addresses, seen from the local side;
     * false when unknown (not Linux, no such connection, netlink refused).
     */
    static boolean closedByPeer(InetSocketAddress local, InetSocketAddress remote) {
        if (local == null || remote == null || local.getAddress() == null || remote.getAddress() == null) {
            return false;
        }
        int state;
        try {
            state = state(local, remote);
        } catch (Throwable unavailable) { // not linkable here, or refused: unknown
            return false;
        }
        return state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK || state == TCP_CLOSE;
    }

    /** The connection's TCP state, or -1 when the kernel does not know it. */
    private static int state(InetSocketAddress local, InetSocketAddress remote) throws Throwable {
        boolean four = local.getAddress() instanceof Inet4Address && remote.getAddress() instanceof Inet4Address;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(REQUEST_SIZE, 4);
            request.set(ValueLayout.JAVA_INT, 0, REQUEST_SIZE);
            request.set(NATIVE_SHORT, 4, SOCK_DIAG_BY_FAMILY);
            request.set(NATIVE_SHORT, 6, NLM_F_REQUEST);
            request.set(ValueLayout.JAVA_BYTE, 16, (byte) (four ? AF_INET : AF_INET6));
            request.set(ValueLayout.JAVA_BYTE, 17, IPPROTO_TCP);
            request.set(ValueLayout.JAVA_INT, 20, -1); // every state
            request.set(NETWORK_SHORT, 24, (short) local.getPort());
            request.set(NETWORK_SHORT, 26, (short) remote.getPort());
            MemorySegment.copy(local.getAddress().getAddress(), 0, request, ValueLayout.JAVA_BYTE, 28,
                    four ? 4 : 16);
            MemorySegment.copy(remote.getAddress().getAddress(), 0, request, ValueLayout.JAVA_BYTE, 44,
                    four ? 4 : 16);
            request.set(ValueLayout.JAVA_INT, 64, -1); // no cookie: find it by its addresses
            request.set(ValueLayout.JAVA_INT, 68, -1);
            MemorySegment answer = arena.allocate(512, 4);
            int fd = (int) Calls.SOCKET.invokeExact(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
            if (fd < 0) {
                return -1;
            }
            try {
                if ((long) Calls.SEND.invokeExact(fd, request, (long) REQUEST_SIZE, 0) != REQUEST_SIZE) {
                    return -1;
                }
                // the kernel answers a lookup while handling the request: the answer is there when send returns
                long received = (long) Calls.RECV.invokeExact(fd, answer, answer.byteSize(), MSG_DONTWAIT);
                if (received <= STATE_OFFSET || answer.get(NATIVE_SHORT, 4) == NLMSG_ERROR) {
                    return -1;
                }
                return Byte.toUnsignedInt(answer.get(ValueLayout.JAVA_BYTE, STATE_OFFSET));
            } finally {
                int ignored = (int) Calls.CLOSE.invokeExact(fd);
            }
        }
    }
}
