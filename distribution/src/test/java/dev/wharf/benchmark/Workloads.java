package dev.wharf.benchmark;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/**
 * The measured workloads. Each returns how long its measured part took (from the first command after the login to
 * the last reply) and how many units it moved: bytes, files, listings, logins or sessions.
 */
final class Workloads {

    /** The benchmark's account; its password has a cheap hash (MD5 crypt), so that logins measure the server. */
    static final String USER = "bench";
    static final String PASSWORD = "bench-password";
    private static final int BUFFER = 1 << 20;

    /** What one workload run measured; {@code failures}: operations refused (they are not in {@code units}). */
    record Outcome(double seconds, double units, int failures) {
        Outcome(double seconds, double units) {
            this(seconds, units, 0);
        }
    }

    private Workloads() {
    }

    // ---------------------------------------------------------------- Commons Net

    static Outcome retrieve(Servers.Server server, boolean tls, String name) throws Exception {
        FTPClient client = login(server, tls);
        try {
            long started = System.nanoTime();
            long bytes;
            try (InputStream in = client.retrieveFileStream(name)) {
                check(in != null, client);
                bytes = drain(in);
            }
            check(client.completePendingCommand(), client);
            return new Outcome(seconds(System.nanoTime() - started), bytes);
        } finally {
            quit(client);
        }
    }

    static Outcome store(Servers.Server server, boolean tls, String name, long size) throws Exception {
        FTPClient client = login(server, tls);
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
            return new Outcome(seconds(System.nanoTime() - started), size);
        } finally {
            quit(client);
        }
    }

    /**
     * Uploads of {@code size} bytes under each of {@code names}, all at once (a session and thread each); timed
     * from their start to the last one's reply, logins included.
     */
    static Outcome storeAtOnce(Servers.Server server, List<String> names, long size) throws Exception {
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(names.size())) {
            List<Future<Outcome>> uploads = new ArrayList<>();
            for (String name : names) {
                uploads.add(pool.submit(() -> store(server, false, name, size)));
            }
            for (Future<Outcome> upload : uploads) {
                upload.get(30, TimeUnit.MINUTES);
            }
        }
        return new Outcome(seconds(System.nanoTime() - started), (double) size * names.size());
    }

    /** {@code count} small files fetched (or stored, into a directory made first) one after another, one session. */
    static Outcome smallFiles(Servers.Server server, String directory, int count, boolean upload, byte[] content)
            throws Exception {
        FTPClient client = login(server, false);
        // Commons Net's default buffers, as a client for small files has them: 1 MiB ones would be allocated anew
        // for every file and cost the client more than either server spends on it
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
            return new Outcome(seconds(System.nanoTime() - started), count);
        } finally {
            quit(client);
        }
    }

    /** {@code count} listings ({@code LIST} or {@code MLSD}) of {@code directory} in one session, read unparsed. */
    static Outcome listings(Servers.Server server, String command, String directory, int count, int minLines)
            throws Exception {
        ListingClient client = new ListingClient();
        connectAndLogin(client, server);
        try {
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                int lines = client.listingLines(command, directory);
                if (lines < minLines) {
                    throw new IOException(server.name() + ": " + command + " gave " + lines + " lines, expected "
                            + minLines);
                }
            }
            return new Outcome(seconds(System.nanoTime() - started), count);
        } finally {
            quit(client);
        }
    }

    // ---------------------------------------------------------------- Python's ftplib

    /** Runs the ftplib client (written into {@code work} first) for one batch; see ftplib_client.py. */
    static Outcome python(Path script, Servers.Server server, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3", script.toString(),
                Integer.toString(server.port()), USER, PASSWORD));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(600, TimeUnit.SECONDS) || process.exitValue() != 0 || !output.startsWith("seconds=")) {
            throw new IOException(server.name() + ": ftplib client " + List.of(arguments) + " failed: " + output);
        }
        String[] fields = output.split(" ");
        return new Outcome(Double.parseDouble(fields[0].substring("seconds=".length())),
                Double.parseDouble(fields[1].substring("units=".length())));
    }

    // ---------------------------------------------------------------- raw sockets

    /** Whether a login (and QUIT) succeeds now; false while the server does not listen or answer yet. */
    static boolean tryLogin(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            rawLogin(socket);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * Complete logins (connect, USER, PASS, QUIT answered) for {@code millis} from {@code clients} threads, over
     * raw sockets: a client library costing more per login than the server would hide the server's cost.
     */
    static Outcome logins(Servers.Server server, int clients, long millis) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong logins = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> workers = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            workers.add(pool.submit(() -> {
                while (running.get()) {
                    try (Socket socket = new Socket("127.0.0.1", server.port())) {
                        socket.setSoTimeout(30_000);
                        rawLogin(socket);
                        logins.incrementAndGet();
                    } catch (IOException failed) {
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
        return new Outcome(elapsed, logins.get(), (int) failures.get());
    }

    private static void rawLogin(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        reply(in, "220");
        send(out, "USER " + USER);
        reply(in, "331");
        send(out, "PASS " + PASSWORD);
        reply(in, "230");
        send(out, "QUIT");
        reply(in, "221");
    }

    /** A logged-in control connection kept open. */
    record Session(Socket socket, InputStream in, OutputStream out) {
    }

    /** Opens {@code count} logged-in idle sessions (64 logins at a time) and returns them. */
    static List<Session> idleSessions(Servers.Server server, int count) throws Exception {
        List<Session> sessions = new ArrayList<>(count);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Session>> pending = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                pending.add(pool.submit(() -> idleSession(server.port())));
                if (pending.size() >= 64 || i == count - 1) {
                    for (Future<Session> session : pending) {
                        sessions.add(session.get(120, TimeUnit.SECONDS));
                    }
                    pending.clear();
                }
            }
        } catch (Exception failed) {
            close(sessions);
            throw failed;
        }
        return sessions;
    }

    private static Session idleSession(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(60_000);
        // unbuffered: a session's replies are read a line at a time, and nothing read ahead may be lost
        Session session = new Session(socket, socket.getInputStream(), socket.getOutputStream());
        reply(session.in(), "220");
        send(session.out(), "USER " + USER);
        reply(session.in(), "331");
        send(session.out(), "PASS " + PASSWORD);
        reply(session.in(), "230");
        return session;
    }

    /** PASV and LIST of {@code directory} on each session in turn; a refused one counts as a failure. */
    static Outcome passiveListOnEach(List<Session> sessions, String directory) throws IOException {
        long started = System.nanoTime();
        int failures = 0;
        byte[] buffer = new byte[8192];
        for (Session session : sessions) {
            send(session.out(), "PASV");
            String passive = anyReply(session.in());
            if (!passive.startsWith("227")) {
                failures++;
                continue;
            }
            String[] numbers = passive.substring(passive.indexOf('(') + 1, passive.indexOf(')')).split(",");
            try (Socket data = new Socket("127.0.0.1",
                    Integer.parseInt(numbers[4]) * 256 + Integer.parseInt(numbers[5]))) {
                send(session.out(), "LIST " + directory);
                String opened = anyReply(session.in());
                if (!opened.startsWith("150") && !opened.startsWith("125")) {
                    failures++;
                    continue;
                }
                InputStream received = data.getInputStream();
                while (received.read(buffer) >= 0) {
                    // to the end of the listing
                }
            }
            if (!anyReply(session.in()).startsWith("226")) {
                failures++;
            }
        }
        return new Outcome(seconds(System.nanoTime() - started), sessions.size() - failures, failures);
    }

    static void close(List<Session> sessions) {
        for (Session session : sessions) {
            try {
                session.socket().close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static void send(OutputStream out, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads reply lines until the final line of a reply; fails unless it has {@code code}. */
    private static void reply(InputStream in, String code) throws IOException {
        String text = anyReply(in);
        if (!text.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + text);
        }
    }

    /** The final line of the next reply. */
    private static String anyReply(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed while waiting for a reply");
            }
            if (c == '\n') {
                String text = line.toString();
                line.setLength(0);
                if (text.length() >= 4 && text.charAt(3) == ' ') {
                    return text;
                }
            } else if (c != '\r') {
                line.append((char) c);
            }
        }
    }

    // ---------------------------------------------------------------- Commons Net plumbing

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

    static FTPClient login(Servers.Server server, boolean tls) throws IOException {
        FTPClient client;
        if (tls) {
            FTPSClient secure = new FTPSClient("TLS", false);
            secure.setTrustManager(TrustManagerUtils.getAcceptAllTrustManager());
            client = secure;
        } else {
            client = new FTPClient();
        }
        connectAndLogin(client, server);
        if (tls) {
            ((FTPSClient) client).execPBSZ(0);
            ((FTPSClient) client).execPROT("P");
        }
        return client;
    }

    private static void connectAndLogin(FTPClient client, Servers.Server server)
            throws IOException {
        client.setConnectTimeout(30_000);
        client.setDefaultTimeout(120_000);
        client.connect("127.0.0.1", server.port());
        client.setSoTimeout(120_000);
        if (!client.login(USER, PASSWORD)) {
            String reply = client.getReplyString();
            client.disconnect();
            throw new IOException(server.name() + " refused " + USER + ": " + reply.strip());
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
