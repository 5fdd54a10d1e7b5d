package dev.wharf.core.session;

import dev.wharf.api.auth.Account;
import dev.wharf.api.storage.StorageRoot;
import dev.wharf.core.command.CommandTable;
import dev.wharf.core.command.CommandTable.Command;
import dev.wharf.core.data.DataChannel;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.server.ListenerSettings;
import dev.wharf.core.server.ServiceDirectory;
import dev.wharf.core.session.ControlChannel.LineTooLongException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, from greeting to QUIT, run on its own virtual thread. Holds the per-session state the
 * command handlers in {@code dev.wharf.core.command} work on.
 */
public final class FtpSession {

    private static final Logger LOG = LoggerFactory.getLogger(FtpSession.class);
    private static final int TRANSFER_BUFFER_SIZE = 64 * 1024;
    /** Browsers and proxies speaking HTTP to an FTP port are cut off at once (cross-protocol attacks). */
    private static final Set<String> HTTP_VERBS = Set.of("GET", "POST", "PUT", "HEAD", "CONNECT", "OPTIONS",
            "DELETE");

    private final Socket socket;
    private final ListenerSettings settings;
    private final ServiceDirectory services;
    private final Clock clock;
    private ControlChannel control;
    private DataChannel data;
    private volatile boolean closing;

    private String pendingUser;
    private Account account;
    private StorageRoot storage;
    private ConfinedFileSystem files;
    private boolean binary;
    private boolean extendedPassiveOnly;
    private int failedLogins;
    private long bytesUploaded;
    private long bytesDownloaded;
    private byte[] transferBuffer;

    public FtpSession(Socket socket, ListenerSettings settings, ServiceDirectory services, Clock clock) {
        this.socket = socket;
        this.settings = settings;
        this.services = services;
        this.clock = clock;
    }

    /** Serves the connection until QUIT, timeout, error or shutdown; always closes the socket. */
    public void run() {
        try (socket) {
            socket.setSoTimeout((int) settings.idleTimeout().toMillis());
            socket.setTcpNoDelay(true);
            control = new ControlChannel(socket, settings.maxLineLength());
            data = new DataChannel(socket.getInetAddress(), settings.dataTimeout());
            control.reply(220, List.of("---------- Welcome to Wharf ----------",
                    "You are connected from " + clientAddress().getAddress().getHostAddress() + ".",
                    "You will be disconnected after " + settings.idleTimeout().toSeconds()
                            + " seconds of inactivity.",
                    "Wharf FTP server ready."));
            serveCommands();
        } catch (IOException connectionLost) {
            if (!closing) {
                LOG.debug("Session from {} ended: {}", socket.getRemoteSocketAddress(), connectionLost.toString());
            }
        } finally {
            if (data != null) {
                data.close();
            }
            if (account != null) {
                LOG.info("User '{}' from {} logged out", account.name(),
                        clientAddress().getAddress().getHostAddress());
            }
        }
    }

    private void serveCommands() throws IOException {
        while (!closing) {
            String line;
            try {
                line = control.readLine();
            } catch (SocketTimeoutException idle) {
                control.reply(421, "Timeout - try typing a little faster next time");
                return;
            } catch (LineTooLongException tooLong) {
                LOG.warn("Client {} sent a command line over {} bytes; closing", socket.getRemoteSocketAddress(),
                        settings.maxLineLength());
                control.reply(421, "Line too long");
                return;
            }
            if (line == null) {
                return;
            }
            execute(line);
        }
    }

    private void execute(String line) throws IOException {
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String argument = space < 0 ? "" : line.substring(space + 1);
        if (HTTP_VERBS.contains(verb)) {
            control.reply(500, "HTTP command: [" + verb.toLowerCase(Locale.ROOT) + "]");
            closing = true;
            return;
        }
        Command command = CommandTable.STANDARD.lookup(verb);
        if (command == null) {
            control.reply(500, "Unknown command");
            return;
        }
        if (command.needsLogin() && account == null) {
            control.reply(530, "You aren't logged in");
            return;
        }
        if (command.argument() == CommandTable.Argument.REQUIRED && argument.isBlank()) {
            control.reply(501, "Missing argument");
            return;
        }
        try {
            command.handler().handle(this, argument);
        } catch (RuntimeException bug) {
            // a bug in one command must not take the session (or its files) down with it
            LOG.error("Command {} from {} failed", verb, socket.getRemoteSocketAddress(), bug);
            control.reply(451, "Internal error - the command was not completed");
        }
    }

    /** Closes the connection from another thread (the core is stopping). */
    public void shutdown() {
        closing = true;
        try {
            if (control != null) {
                control.reply(421, "Server shutting down");
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Ends the session after the current reply (QUIT, fatal login errors). */
    public void close() {
        closing = true;
    }

    /** Makes the session logged in as {@code account} on {@code storage}. */
    public void logIn(Account account, StorageRoot storage, ConfinedFileSystem files) {
        this.account = account;
        this.storage = storage;
        this.files = files;
        this.pendingUser = null;
        this.failedLogins = 0;
    }

    public ControlChannel control() {
        return control;
    }

    public DataChannel data() {
        return data;
    }

    public ListenerSettings settings() {
        return settings;
    }

    public ServiceDirectory services() {
        return services;
    }

    public Clock clock() {
        return clock;
    }

    public InetSocketAddress clientAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    public InetSocketAddress serverAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public boolean isLoggedIn() {
        return account != null;
    }

    public Account account() {
        return account;
    }

    public StorageRoot storage() {
        return storage;
    }

    public ConfinedFileSystem files() {
        return files;
    }

    public String pendingUser() {
        return pendingUser;
    }

    public void pendingUser(String user) {
        this.pendingUser = user;
    }

    public int recordFailedLogin() {
        return ++failedLogins;
    }

    public boolean binary() {
        return binary;
    }

    public void binary(boolean binary) {
        this.binary = binary;
    }

    /** After {@code EPSV ALL} only EPSV may set up data connections (RFC 2428). */
    public boolean extendedPassiveOnly() {
        return extendedPassiveOnly;
    }

    public void extendedPassiveOnly(boolean value) {
        this.extendedPassiveOnly = value;
    }

    public void addUploaded(long bytes) {
        bytesUploaded += bytes;
    }

    public void addDownloaded(long bytes) {
        bytesDownloaded += bytes;
    }

    public long bytesUploaded() {
        return bytesUploaded;
    }

    public long bytesDownloaded() {
        return bytesDownloaded;
    }

    /** One buffer per session for copies that cannot be zero-copy, allocated on first use. */
    public byte[] transferBuffer() {
        if (transferBuffer == null) {
            transferBuffer = new byte[TRANSFER_BUFFER_SIZE];
        }
        return transferBuffer;
    }
}
