package dev.wharf.benchmark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.net.ftp.FTP;
import org.apache.commons.net.ftp.FTPClient;
import org.apache.commons.net.ftp.FTPReply;
import org.apache.commons.net.ftp.FTPSClient;
import org.apache.commons.net.util.TrustManagerUtils;

/** The measured workloads, each against one server through Commons Net, the same client for every server. */
final class Workloads {

    /** Account with a cheap hash (SHA-512 crypt) for everything but the login rate. */
    static final String USER = "fast";
    static final String PASSWORD_FAST = "fast-password";
    /** Account with the hash Pure-FTPd's own pure-pw made, for the login rate. */
    static final String LOGIN_USER = "argon";
    static final String PASSWORD_ARGON = "argon-password";
    private static final int BUFFER = 1 << 20;

    private Workloads() {
    }

    /**
     * The ceiling: sendfile of the file to a loopback socket ({@code copyBuffer} 0), or a loop that reads the file
     * into a direct buffer of that size and writes it, read by the same loop the clients use.
     */
    static double rawLoopbackMegabytesPerSecond(Path file, int copyBuffer) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try (SocketChannel peer = server.accept(); FileChannel source = FileChannel.open(file)) {
                    long position = 0;
                    long size = source.size();
                    if (copyBuffer == 0) {
                        while (position < size) {
                            position += source.transferTo(position, size - position, peer);
                        }
                        return;
                    }
                    ByteBuffer buffer = ByteBuffer.allocateDirect(copyBuffer);
                    while (source.read(buffer) > 0) {
                        buffer.flip();
                        while (buffer.hasRemaining()) {
                            peer.write(buffer);
                        }
                        buffer.clear();
                    }
                } catch (IOException failed) {
                    throw new IllegalStateException(failed);
                }
            });
            long started = System.nanoTime();
            long bytes;
            try (Socket socket = new Socket("127.0.0.1", ((InetSocketAddress) server.getLocalAddress()).getPort())) {
                bytes = drain(socket.getInputStream());
            }
            sender.join();
            return megabytesPerSecond(bytes, System.nanoTime() - started);
        }
    }

    static double retrieveMegabytesPerSecond(Servers.Server server, boolean tls, String name) throws Exception {
        FTPClient client = login(server, tls, USER, PASSWORD_FAST);
        try {
            long started = System.nanoTime();
            long bytes;
            try (InputStream in = client.retrieveFileStream(name)) {
                check(in != null, client);
                bytes = drain(in);
            }
            check(client.completePendingCommand(), client);
            return megabytesPerSecond(bytes, System.nanoTime() - started);
        } finally {
            quit(client);
        }
    }

    static double storeMegabytesPerSecond(Servers.Server server, boolean tls, String name, long size)
            throws Exception {
        FTPClient client = login(server, tls, USER, PASSWORD_FAST);
        byte[] block = new byte[BUFFER];
        new java.util.Random(1).nextBytes(block);
        try {
            long started = System.nanoTime();
            try (OutputStream out = client.storeFileStream(name)) {
                check(out != null, client);
                for (long written = 0; written < size; written += block.length) {
                    out.write(block, 0, (int) Math.min(block.length, size - written));
                }
            }
            check(client.completePendingCommand(), client);
            return megabytesPerSecond(size, System.nanoTime() - started);
        } finally {
            quit(client);
        }
    }

    /** Files per second for {@code count} small files fetched (or stored) one after another in one session. */
    static double smallFilesPerSecond(Servers.Server server, String directory, int count, boolean upload,
                                      byte[] content) throws Exception {
        FTPClient client = login(server, false, USER, PASSWORD_FAST);
        // Commons Net's default buffers, as a client for small files has them: the 1 MiB ones of the gigabyte
        // transfers are allocated anew for every file and cost the client about 230 µs a file, more than either
        // server spends on it
        client.setBufferSize(0);
        try {
            if (upload && !client.changeWorkingDirectory(directory)) {
                check(client.makeDirectory(directory), client);
            }
            check(client.changeWorkingDirectory(directory), client);
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String name = String.format("f%05d.bin", i);
                if (upload) {
                    check(client.storeFile(name, new ByteArrayInputStream(content)), client);
                } else {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length);
                    check(client.retrieveFile(name, out), client);
                    check(out.size() == content.length, client);
                }
            }
            return count / seconds(System.nanoTime() - started);
        } finally {
            quit(client);
        }
    }

    /**
     * Mean microseconds of each step of {@code count} small transfers over a raw socket (no client library in the
     * way): PASV answered, data connection made, RETR/STOR answered with 150, data moved, 226 after the data.
     * Shows where one server answers later than another.
     */
    static double[] transferSteps(Servers.Server server, String directory, int count, boolean upload, byte[] content)
            throws Exception {
        try (Socket control = new Socket("127.0.0.1", server.port())) {
            control.setTcpNoDelay(true);
            control.setSoTimeout(60_000);
            // buffered: reading replies a byte per system call would time the client, not the server
            InputStream in = new java.io.BufferedInputStream(control.getInputStream());
            OutputStream out = control.getOutputStream();
            expect(in, "220");
            for (String[] step : new String[][] {{"USER " + USER, "331"}, {"PASS " + PASSWORD_FAST, "230"},
                {"TYPE I", "200"}, {"MKD " + directory, ""}, {"CWD " + directory, "250"}}) {
                send(out, step[0]); // MKD: 257, or 550 where the directory exists already
                expect(in, step[1]);
            }
            long[] sums = new long[5];
            byte[] buffer = new byte[64 * 1024];
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                send(out, "PASV");
                String passive = reply(in, "227");
                long answered = System.nanoTime();
                String[] numbers = passive.substring(passive.indexOf('(') + 1, passive.indexOf(')')).split(",");
                try (Socket data = new Socket("127.0.0.1",
                        Integer.parseInt(numbers[4]) * 256 + Integer.parseInt(numbers[5]))) {
                    long connected = System.nanoTime();
                    send(out, (upload ? "STOR " : "RETR ") + String.format("f%05d.bin", i));
                    expect(in, "150");
                    long started = System.nanoTime();
                    if (upload) {
                        data.getOutputStream().write(content);
                        data.shutdownOutput();
                    } else {
                        InputStream received = data.getInputStream();
                        while (received.read(buffer) >= 0) {
                            // to the end of the file
                        }
                    }
                    long moved = System.nanoTime();
                    expect(in, "226");
                    long done = System.nanoTime();
                    sums[0] += answered - start;
                    sums[1] += connected - answered;
                    sums[2] += started - connected;
                    sums[3] += moved - started;
                    sums[4] += done - moved;
                }
            }
            send(out, "QUIT");
            double[] means = new double[sums.length];
            for (int step = 0; step < sums.length; step++) {
                means[step] = sums[step] / 1e3 / count;
            }
            return means;
        }
    }

    private static void send(OutputStream out, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Complete logins (connect, USER, PASS, QUIT) per second from {@code clients} concurrent clients. */
    static double loginsPerSecond(Servers.Server server, int clients, long millis) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong logins = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            workers.add(pool.submit(() -> {
                while (running.get()) {
                    try {
                        FTPClient client = login(server, false, LOGIN_USER, PASSWORD_ARGON);
                        quit(client);
                        logins.incrementAndGet();
                    } catch (Exception failed) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Thread.sleep(millis);
        running.set(false);
        for (Future<?> worker : workers) {
            worker.get(120, TimeUnit.SECONDS);
        }
        double elapsed = seconds(System.nanoTime() - started);
        pool.shutdown();
        if (failures.get() > 0) {
            System.out.println("  (" + server.name() + ": " + failures.get() + " failed logins)");
        }
        return logins.get() / elapsed;
    }

    /** Milliseconds for one LIST (or MLSD) of {@code directory}, the reply read to the end. */
    static double listingMillis(Servers.Server server, String command, String directory, int expectedLines)
            throws Exception {
        ListingClient client = new ListingClient();
        connectAndLogin(client, server, USER, PASSWORD_FAST);
        try {
            long started = System.nanoTime();
            int lines = client.listingLines(command, directory);
            long elapsed = System.nanoTime() - started;
            check(lines >= expectedLines, client);
            return elapsed / 1e6;
        } finally {
            quit(client);
        }
    }

    /** Opens {@code count} logged-in idle sessions and returns them, for a memory reading. */
    static List<Socket> idleSessions(Servers.Server server, int count) throws Exception {
        List<Socket> sessions = new ArrayList<>(count);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Socket>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                pending.add(pool.submit(() -> idleSession(server.port())));
                if (pending.size() >= 64) {
                    for (Future<Socket> session : pending) {
                        sessions.add(session.get(60, TimeUnit.SECONDS));
                    }
                    pending.clear();
                }
            }
            for (Future<Socket> session : pending) {
                sessions.add(session.get(60, TimeUnit.SECONDS));
            }
        }
        return sessions;
    }

    private static Socket idleSession(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(60_000);
        InputStream in = socket.getInputStream();
        expect(in, "220");
        OutputStream out = socket.getOutputStream();
        out.write(("USER " + USER + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, "331");
        out.write(("PASS " + PASSWORD_FAST + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, "230");
        return socket;
    }

    /** Reads reply lines until the final line of a reply with {@code code}. */
    private static void expect(InputStream in, String code) throws IOException {
        reply(in, code);
    }

    /** As {@link #expect}, returning that final line. */
    private static String reply(InputStream in, String code) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed while waiting for " + code);
            }
            if (c == '\n') {
                String text = line.toString();
                line.setLength(0);
                if (text.length() >= 4 && text.charAt(3) == ' ') {
                    if (!text.startsWith(code)) {
                        throw new IOException("expected " + code + ", got " + text);
                    }
                    return text;
                }
            } else if (c != '\r') {
                line.append((char) c);
            }
        }
    }

    /** Commons Net with its data-connection opener made reachable, to read LIST and MLSD output unparsed. */
    static final class ListingClient extends FTPClient {
        int listingLines(String command, String directory) throws IOException {
            int lines = 0;
            try (Socket data = _openDataConnection_(command, directory)) {
                check(data != null, this);
                InputStream in = data.getInputStream();
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] == '\n') {
                            lines++;
                        }
                    }
                }
            }
            check(completePendingCommand(), this);
            return lines;
        }
    }

    static FTPClient login(Servers.Server server, boolean tls, String user, String password) throws IOException {
        FTPClient client;
        if (tls) {
            FTPSClient secure = new FTPSClient("TLS", false);
            secure.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
            client = secure;
        } else {
            client = new FTPClient();
        }
        connectAndLogin(client, server, user, password);
        if (tls) {
            ((FTPSClient) client).execPBSZ(0);
            ((FTPSClient) client).execPROT("P");
        }
        return client;
    }

    private static void connectAndLogin(FTPClient client, Servers.Server server, String user, String password)
            throws IOException {
        client.setConnectTimeout(30_000);
        client.setDefaultTimeout(120_000);
        client.connect("127.0.0.1", server.port());
        client.setSoTimeout(120_000);
        if (!client.login(user, password)) {
            String reply = client.getReplyString();
            client.disconnect();
            throw new IOException(server.name() + " refused " + user + ": " + reply.strip());
        }
        client.enterLocalPassiveMode();
        client.setFileType(FTP.BINARY_FILE_TYPE);
        client.setBufferSize(BUFFER);
    }

    private static void quit(FTPClient client) {
        try {
            client.logout();
        } catch (IOException ignored) {
            // measuring, not testing QUIT
        }
        try {
            client.disconnect();
        } catch (IOException ignored) {
            // already gone
        }
    }

    static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
        }
        return total;
    }

    private static void check(boolean ok, FTPClient client) throws IOException {
        if (!ok) {
            throw new IOException("unexpected reply: " + client.getReplyString().strip()
                    + (FTPReply.isPositiveCompletion(client.getReplyCode()) ? " (short data)" : ""));
        }
    }

    static double megabytesPerSecond(long bytes, long nanos) {
        return bytes / 1e6 / seconds(nanos);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static void writeFile(Path file, long size) throws IOException {
        byte[] block = new byte[BUFFER];
        new java.util.Random(42).nextBytes(block);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long written = 0; written < size; written += block.length) {
                out.write(java.nio.ByteBuffer.wrap(block, 0, (int) Math.min(block.length, size - written)));
            }
        }
    }
}
