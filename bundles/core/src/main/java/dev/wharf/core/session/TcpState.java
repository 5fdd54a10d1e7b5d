package dev.wharf.core.session;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What the kernel knows of one TCP connection, read from {@code /proc/self/net/tcp} and {@code tcp6}. A plain FTP
 * upload ends with a bare end of data, which a client that was killed mid-upload also sends; what tells the two
 * apart is the control connection, which the dying client's kernel closes too (first, as its descriptor is the
 * older one). The kernel has that close as soon as it arrived, while the thread that reads the control connection
 * may not have run yet: the socket's state (CLOSE_WAIT) says it without reading it.
 */
final class TcpState {

    private static final String CLOSE_WAIT = "08";
    private static final String CLOSE = "07";
    private static final String LAST_ACK = "09";
    private static final Path[] TABLES = {Path.of("/proc/self/net/tcp"), Path.of("/proc/self/net/tcp6")};

    private TcpState() {
    }

    /**
     * Whether the peer has closed (or reset) the connection between these addresses; false when unknown (no
     * {@code /proc}, the connection not found).
     */
    static boolean closedByPeer(InetSocketAddress local, InetSocketAddress remote) {
        if (local == null || remote == null) {
            return false;
        }
        String localKey = key(local.getAddress(), local.getPort(), false);
        String remoteKey = key(remote.getAddress(), remote.getPort(), false);
        String localMapped = local.getAddress() instanceof Inet4Address ? key(local.getAddress(), local.getPort(), true)
                : null;
        String remoteMapped = remote.getAddress() instanceof Inet4Address
                ? key(remote.getAddress(), remote.getPort(), true) : null;
        for (Path table : TABLES) {
            boolean six = table.getFileName().toString().endsWith("6");
            String wantedLocal = six ? (localMapped != null ? localMapped : localKey) : localKey;
            String wantedRemote = six ? (remoteMapped != null ? remoteMapped : remoteKey) : remoteKey;
            if (!six && !(local.getAddress() instanceof Inet4Address)) {
                continue;
            }
            String state = stateIn(table, wantedLocal, wantedRemote);
            if (state != null) {
                return state.equals(CLOSE_WAIT) || state.equals(CLOSE) || state.equals(LAST_ACK);
            }
        }
        return false;
    }

    /** The {@code st} column of the line for this pair, or null. JDK 25: /proc files read as a stream. */
    private static String stateIn(Path table, String local, String remote) {
        if (!Files.isReadable(table)) {
            return null;
        }
        String text;
        try (InputStream in = Files.newInputStream(table)) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException unreadable) {
            return null;
        }
        String pair = local + " " + remote + " ";
        int at = text.indexOf(pair);
        return at < 0 || at + pair.length() + 2 > text.length() ? null
                : text.substring(at + pair.length(), at + pair.length() + 2);
    }

    /** An address and port as the tables spell them: 32-bit words in the machine's byte order, in hex. */
    private static String key(InetAddress address, int port, boolean mapped) {
        byte[] bytes = address.getAddress();
        if (mapped) {
            byte[] six = new byte[16];
            six[10] = (byte) 0xFF;
            six[11] = (byte) 0xFF;
            System.arraycopy(bytes, 0, six, 12, 4);
            bytes = six;
        }
        StringBuilder hex = new StringBuilder(bytes.length * 2 + 5);
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                hex.append(HexFormat.of().withUpperCase().toHexDigits(bytes[word + (little ? 3 - i : i)]));
            }
        }
        return hex.append(':').append(String.format(Locale.ROOT, "%04X", port)).toString();
    }
}
