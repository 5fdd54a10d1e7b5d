package dev.wharf.auth.extauth;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code wharf-authd}, the equivalent of Pure-FTPd's pure-authd: listens on a Unix socket and, for each extauth
 * request, runs a program with AUTHD_ACCOUNT, AUTHD_PASSWORD, AUTHD_LOCAL_IP, AUTHD_LOCAL_PORT, AUTHD_REMOTE_IP,
 * AUTHD_ENCRYPTED (and AUTHD_CLIENT_SNI_NAME when not empty) in its environment; the program's output (at most
 * 4095 bytes) is the reply. One request at a time, like pure-authd. A program that runs past the timeout is killed
 * and the client gets no reply, which it reads as a refusal.
 *
 * <pre>wharf authd -s /path/to/socket -r /path/to/program [-t seconds]</pre>
 */
public final class AuthDaemon implements AutoCloseable {

    private final Path socket;
    private final List<String> program;
    private final long timeoutMillis;
    private final ServerSocketChannel server;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "wharf-authd-timeout");
        thread.setDaemon(true);
        return thread;
    });

    /** Binds the socket (mode 0600, a stale socket file is replaced). */
    public AuthDaemon(Path socket, List<String> program, long timeoutMillis) throws IOException {
        this.socket = socket.toAbsolutePath();
        this.program = List.copyOf(program);
        this.timeoutMillis = timeoutMillis;
        Files.deleteIfExists(this.socket);
        Files.createDirectories(this.socket.getParent());
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(this.socket));
        Files.setPosixFilePermissions(this.socket, PosixFilePermissions.fromString("rw-------"));
    }

    public static void main(String[] args) throws IOException {
        String socket = null;
        String program = null;
        long timeout = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "-s" -> socket = args[i + 1];
                case "-r" -> program = args[i + 1];
                case "-t" -> timeout = Long.parseLong(args[i + 1]);
                default -> socket = null;
            }
        }
        if (socket == null || program == null || args.length % 2 != 0) {
            System.err.println("usage: wharf authd -s <socket> -r <program> [-t <timeout seconds>]");
            System.exit(2);
        }
        try (AuthDaemon daemon = new AuthDaemon(Path.of(socket), List.of(program), timeout * 1000)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    daemon.close();
                } catch (IOException ignored) {
                    // exiting anyway
                }
            }));
            System.err.println("wharf-authd: listening on " + daemon.socket + ", running " + program);
            daemon.serve();
        }
    }

    /** Answers requests until {@link #close()}. */
    public void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                handle(client);
            } catch (IOException | RuntimeException failed) {
                if (server.isOpen()) {
                    System.err.println("wharf-authd: request failed: " + failed);
                }
            }
        }
    }

    private void handle(SocketChannel client) throws IOException {
        ScheduledFuture<?> alarm = watchdog.schedule(() -> closeQuietly(client), timeoutMillis,
                TimeUnit.MILLISECONDS);
        try {
            Map<String, String> request = readRequest(client);
            if (request == null) {
                return;
            }
            byte[] reply = runProgram(request);
            if (reply != null) {
                ByteBuffer out = ByteBuffer.wrap(reply);
                while (out.hasRemaining()) {
                    client.write(out);
                }
            }
        } finally {
            alarm.cancel(false);
        }
    }

    private static Map<String, String> readRequest(SocketChannel client) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(8192);
        while (in.hasRemaining() && client.read(in) >= 0) {
            Map<String, String> request = ExtAuthProtocol.parseRequest(
                    new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
            if (request != null) {
                return request;
            }
        }
        return null;
    }

    /** The program's stdout, or null when it ran past the timeout (it and its children are killed). */
    private byte[] runProgram(Map<String, String> request) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(program);
        Map<String, String> environment = builder.environment();
        environment.put("AUTHD_ACCOUNT", request.getOrDefault("account", ""));
        environment.put("AUTHD_PASSWORD", request.getOrDefault("password", ""));
        environment.put("AUTHD_LOCAL_IP", request.getOrDefault("localhost", ""));
        environment.put("AUTHD_LOCAL_PORT", request.getOrDefault("localport", ""));
        environment.put("AUTHD_REMOTE_IP", request.getOrDefault("peer", ""));
        environment.put("AUTHD_ENCRYPTED", request.getOrDefault("encrypted", "0"));
        String sni = request.getOrDefault("sni_name", "");
        if (!sni.isEmpty()) {
            environment.put("AUTHD_CLIENT_SNI_NAME", sni);
        }
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        ScheduledFuture<?> kill = watchdog.schedule(() -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        try (InputStream output = process.getInputStream()) {
            byte[] reply = output.readNBytes(ExtAuthProtocol.MAX_REPLY);
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return null;
            }
            return kill.isDone() ? null : reply;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            kill.cancel(false);
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        watchdog.shutdownNow();
        Files.deleteIfExists(socket);
    }
}
