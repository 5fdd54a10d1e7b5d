package dev.wharf.core.session;

import dev.wharf.api.auth.Account;
import dev.wharf.core.activity.ServerActivity;
import dev.wharf.core.activity.SessionInfo;
import dev.wharf.core.activity.TransferRecord;
import dev.wharf.core.limits.LimitPolicy;
import dev.wharf.core.limits.SessionLimits;
import dev.wharf.core.limits.Throttle;
import dev.wharf.core.command.CommandTable;
import dev.wharf.core.command.CommandTable.Command;
import dev.wharf.core.data.DataChannel;
import dev.wharf.core.data.PassivePorts;
import dev.wharf.core.fs.ConfinedFileSystem;
import dev.wharf.core.security.SecurityPolicy;
import dev.wharf.core.tls.TlsEngine;
import dev.wharf.core.server.ListenerSettings;
import dev.wharf.core.server.ServiceDirectory;
import dev.wharf.core.session.ControlChannel.LineTimeoutException;
import dev.wharf.core.session.ControlChannel.LineTooLongException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.util.concurrent.TimeUnit;
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
    /** The size of each session's transfer buffers (on the heap and direct). */
    public static final int TRANSFER_BUFFER_SIZE = 64 * 1024;
    /** MLST/MLSD facts sent until OPTS MLST chooses others (lower case). */
    public static final Set<String> DEFAULT_MACHINE_FACTS = Set.of("type", "size", "modify", "perm", "unix.mode",
            "unix.uid", "unix.gid", "unique");
    private static final Set<String> WITHOUT_UNIX_FACTS = Set.of("type", "size", "modify", "perm", "unique");
    /** Browsers and proxies speaking HTTP to an FTP port are cut off at once (cross-protocol attacks). */
    private static final Set<String> HTTP_VERBS = Set.of("GET", "POST", "PUT", "HEAD", "CONNECT", "OPTIONS",
            "DELETE");

    private static final Throttle[] NO_THROTTLES = new Throttle[0];

    private final long id;
    private final SessionRuntime runtime;
    private final Socket socket;
    private final ListenerSettings settings;
    private final ServiceDirectory services;
    private final SecurityPolicy security;
    private final LimitPolicy limitPolicy;
    private final ServerActivity activity;
    private final TlsEngine tls;
    private final SessionSlots slots;
    private final LogBudget logBudget = new LogBudget();
    private final PassivePorts passivePorts;
    /** System.nanoTime() by which the client must have logged in (from the greeting, or from REIN). */
    private long loginDeadlineNanos;
    private final Clock clock;
    private final Instant connected;
    /** Asked once: every getLocalSocketAddress() call on a socket is a system call. */
    private final InetSocketAddress serverAddress;
    private volatile SSLSocket controlTls;
    private boolean protectData;
    private ControlChannel control;
    private volatile DataChannel data;
    private volatile boolean closing;
    /**
     * Command lines read by a control watcher (see {@link #beginTransfer}); the markers below are compared by
     * identity. Bounded: a flood of commands during a transfer stalls the watcher, not the heap.
     */
    private final BlockingQueue<String> inbound = new ArrayBlockingQueue<>(INBOUND_CAPACITY);
    private static final String LINE_TOO_LONG = new String("line too long");
    private static final String LINE_TIMEOUT = new String("line timeout");
    private static final String LOGIN_TIMEOUT = new String("login timeout");
    private static final String CONNECTION_CLOSED = new String("connection closed");
    /** The watcher has handed over its last line: the session reads the connection itself again. */
    private static final String WATCHER_DONE = new String("watcher done");
    /** A busy session goes back to its virtual thread after this much silence. */
    private static final long BUSY_LINGER_MILLIS = 1000;
    /** Unthrottled downloads up to this size are not watched at all: not even a timer is set for them. */
    private static final long UNWATCHED_DOWNLOAD_BYTES = 256 * 1024;
    /** Session thread only: a watcher has been started and its lines come through {@link #inbound}. */
    private boolean linesFromWatcher;
    /**
     * Guards {@link #watcherAlive} and the hand-over between watchers: a watcher's last line and its end marker
     * go into {@link #inbound} before a later watcher can start, so the session never reads the connection while
     * a watcher still does.
     */
    private final Object watchLock = new Object();
    /** A watcher thread reads the control connection (at most one per session). */
    private boolean watcherAlive;
    private volatile ControlWatch currentWatch;
    private static final int INBOUND_CAPACITY = 64;
    private volatile Transfer activeTransfer;
    private volatile boolean controlClosed;
    private boolean lastTransferAborted;
    private Duration idleTimeout;
    /** The address PASV replies show instead of the local one: {@code passive.address}, resolved for this session. */
    private String advertisedPassiveAddress;
    /**
     * Pure-FTPd's anti-idle rule: commands that change nothing (NOOP and friends, unknown verbs) keep a session
     * open for at most twice the idle time. {@link #NO_OPERATION} while the last command did something.
     */
    private long onlyNoOpsSinceNanos = NO_OPERATION;
    private static final long NO_OPERATION = Long.MIN_VALUE;
    private static final Set<String> NO_OPERATION_VERBS = Set.of("NOOP", "SYST", "TYPE", "MODE", "STRU", "CWD",
            "XCWD", "CDUP", "XCUP", "PWD", "XPWD", "REST");
    /** Failed CWDs in a row (anti directory scan). */
    private int changeDirectoryFailures;

    private String pendingUser;
    /** The virtual host HOST chose (RFC 7151), or null. */
    private String virtualHost;
    private boolean pendingAnonymous;
    private volatile Account account;
    private boolean anonymous;
    private SessionLimits limits = SessionLimits.NONE;
    private Throttle uploadThrottle;
    private Throttle downloadThrottle;
    private ConfinedFileSystem files;
    /** The service ids of the storage providers the session's storages came from (see {@link #storageGone}). */
    private long[] storageProviders = new long[0];
    private boolean binary;
    private boolean extendedPassiveOnly;
    private int failedLogins;
    private long bytesUploaded;
    private long bytesDownloaded;
    private byte[] transferBuffer;
    private ByteBuffer directTransferBuffer;
    private long restartOffset;
    private String renameFrom;
    private Set<String> machineFacts = DEFAULT_MACHINE_FACTS;

    public FtpSession(SessionRuntime runtime, Socket socket, ListenerSettings settings, ServiceDirectory services,
                      SecurityPolicy security, LimitPolicy limitPolicy, ServerActivity activity, TlsEngine tls,
                      SessionSlots slots, PassivePorts passivePorts, Clock clock) {
        this.runtime = runtime;
        this.id = runtime.nextSessionId();
        this.passivePorts = passivePorts;
        this.socket = socket;
        this.tls = tls;
        this.slots = slots;
        this.loginDeadlineNanos = System.nanoTime() + settings.loginTimeout().toNanos();
        this.settings = settings;
        this.services = services;
        this.security = security;
        this.limitPolicy = limitPolicy;
        this.activity = activity;
        this.clock = clock;
        this.connected = clock.instant();
        this.serverAddress = (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Serves the connection until QUIT, timeout, error or shutdown; always closes the socket. */
    public void run() {
        try (socket) {
            LOG.debug("Session {} from {} connected to {}", id, socket.getRemoteSocketAddress(),
                    serverAddress);
            socket.setTcpNoDelay(true);
            // ABOR sent as urgent data (Telnet IP + Synch, RFC 959 4.1.3; lftp, BSD ftp, Python's ftplib) keeps
            // its urgent byte in the stream, where the command reader skips the Telnet bytes
            socket.setOOBInline(true);
            Socket controlSocket = socket;
            if (settings.tls().implicit()) {
                controlTls = handshakeWithTimeout(socket);
                controlSocket = controlTls;
                protectData = true;
            }
            control = new ControlChannel(controlSocket, settings.maxLineLength(), settings.lineTimeout());
            data = new DataChannel(socket.getInetAddress(), settings.dataTimeout(), passivePorts);
            idleTimeout = settings.idleTimeout();
            if (!resolvePassiveAddress()) {
                return;
            }
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
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            closing = true;
            slots.ended(this, account != null);
            if (data != null) {
                data.close();
            }
            if (files != null) {
                files.close(); // the storage's root descriptor
            }
            if (account != null) {
                security.releaseAccount(account.name());
                activity.loggedOut(this);
                LOG.info("User '{}' from {} logged out", account.name(),
                        clientAddress().getAddress().getHostAddress());
            }
        }
    }

    /** One transfer's control watch: started after {@link SessionRuntime#WATCH_DELAY_MILLIS} unless the transfer ended first. */
    private static final class ControlWatch {
        final Transfer transfer;
        DelayedStarts.Pending start;
        boolean ended;

        ControlWatch(Transfer transfer) {
            this.transfer = transfer;
        }
    }

    private void startWatcher(ControlWatch watch) {
        synchronized (watchLock) {
            if (watch.ended || closing || watcherAlive) {
                return; // a watcher still waiting for the line after the previous transfer serves this one too
            }
            watcherAlive = true;
        }
        Thread.ofVirtual().name("wharf-control-" + socket.getRemoteSocketAddress()).start(this::watchControl);
    }

    /**
     * Reads the control connection while transfers run, so that ABOR and STAT are seen and a client that
     * vanishes aborts its transfer. Other lines wait in {@link #inbound}, which keeps pipelined commands in order.
     * The watcher hands over the first line that arrives when no transfer runs and stops: from then on the
     * session thread reads by itself again, with no thread switch per command.
     */
    private void watchControl() {
        String last = CONNECTION_CLOSED;
        try {
            while (true) {
                if (closing) {
                    retire(null, WATCHER_DONE);
                    return;
                }
                String line;
                try {
                    line = control.readLine();
                } catch (java.net.SocketTimeoutException quiet) {
                    if (retireIfIdle(null)) {
                        return; // the session thread reads on and times out itself
                    }
                    continue; // a long transfer is activity enough
                }
                if (line == null) {
                    break;
                }
                Transfer during = activeTransfer;
                String verb = verbOf(line);
                if (during != null && verb.equals("ABOR")) {
                    during.abortByCommand();
                } else if (during != null && verb.equals("STAT") && line.trim().length() == 4) {
                    control.reply(213, "Status: " + during.status());
                    continue;
                }
                if (verb.equals("AUTH") || verb.equals("CCC")) {
                    // after AUTH the next bytes may be a TLS handshake: only the session thread reads on
                    retire(line, WATCHER_DONE);
                    return;
                }
                if (retireIfIdle(line)) {
                    return;
                }
                inbound.put(line); // a pipelined command: it waits for the transfer
            }
        } catch (LineTooLongException tooLong) {
            last = LINE_TOO_LONG;
        } catch (LineTimeoutException slow) {
            last = LINE_TIMEOUT;
        } catch (IOException closed) {
            // the connection is gone
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        controlClosed = true;
        Transfer running = activeTransfer;
        if (running != null) {
            running.abort(); // a client that vanished mid-transfer must not leave a "complete" upload
        }
        try {
            retire(null, last);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands {@code line} (if any) and the end marker over unless a transfer runs; true when the watcher is done. */
    private boolean retireIfIdle(String line) throws InterruptedException {
        return handOver(line, WATCHER_DONE, true);
    }

    /** Hands {@code line} (if any) and {@code marker} over whatever runs: the watcher is done. */
    private void retire(String line, String marker) throws InterruptedException {
        handOver(line, marker, false);
    }

    private boolean handOver(String line, String marker, boolean onlyIfIdle) throws InterruptedException {
        int needed = line == null ? 1 : 2;
        while (true) {
            synchronized (watchLock) {
                if (onlyIfIdle && activeTransfer != null) {
                    return false;
                }
                // never block while holding the lock: the session takes it at the end of each transfer
                if (inbound.remainingCapacity() >= needed) {
                    if (line != null) {
                        inbound.add(line);
                    }
                    inbound.add(marker);
                    watcherAlive = false;
                    return true;
                }
            }
            Thread.sleep(5); // the session is still working through a flood of queued lines
        }
    }

    /**
     * Whether the client has closed the control connection. Checked when an upload's data connection ends: over
     * plain FTP a client killed mid-upload looks like one that finished (the stream has no end marker), and its
     * control connection may already be seen closed. Over TLS the missing close_notify tells it for certain.
     */
    public boolean controlClosed() {
        return controlClosed;
    }

    /**
     * Whether the client has closed the control connection, as this session has read or as the kernel knows (see
     * {@link TcpState}), waiting up to {@link #PEER_CLOSE_GRACE_NANOS} for that close: a killed client's kernel
     * closes its data and control connections one after the other, and the control connection's close may arrive
     * just after the end of data. Asked at the end of plain uploads that lasted {@link #PEER_CHECK_NANOS} or more.
     */
    public boolean controlClosedByPeer() {
        if (!(socket.getLocalSocketAddress() instanceof java.net.InetSocketAddress local
                && socket.getRemoteSocketAddress() instanceof java.net.InetSocketAddress remote)) {
            return controlClosed;
        }
        long deadline = System.nanoTime() + PEER_CLOSE_GRACE_NANOS;
        while (true) {
            if (controlClosed || TcpState.closedByPeer(local, remote)) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(PEER_CLOSE_POLL_NANOS);
        }
    }

    /**
     * Uploads shorter than this are not checked by {@link #controlClosedByPeer}: its wait would be a large part of
     * a small upload, and a client is rarely killed within its first 100 ms of sending.
     */
    public static final long PEER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(SessionRuntime.WATCH_DELAY_MILLIS);
    /**
     * How long a finished plain upload waits for a control connection close that comes with it: both closes of a
     * dying client leave its kernel together, so they arrive within far less (measured: every kill caught while a
     * check took 7 ms; 3 of 8 missed by a check of 13 us right at the end of data). 2 % of a 1 GiB upload.
     */
    private static final long PEER_CLOSE_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long PEER_CLOSE_POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    /**
     * The command loop. It starts on the session's virtual thread, which costs almost nothing while the client is
     * idle; once commands come, it moves to a platform thread from the runtime's busy threads (when one is free) until
     * the client has been quiet for {@link #BUSY_LINGER_MILLIS}: a blocked platform thread wakes up for the next
     * command several times faster than a virtual thread does, which is most of the cost of small transfers.
     */
    private void serveCommands() throws IOException, InterruptedException {
        while (!closing) {
            if (!handle(nextLine(idleTimeout.toMillis()), true)) {
                return;
            }
            if (!closing && !linesFromWatcher) {
                serveOnBusyThread();
            }
        }
    }

    /** Runs the command loop on a platform thread until the client pauses; returns at once when none is free. */
    private void serveOnBusyThread() throws IOException, InterruptedException {
        Future<?> busy;
        try {
            busy = runtime.busyThreads().submit(() -> {
                while (!closing && handle(nextLine(BUSY_LINGER_MILLIS), false)) {
                    // next command
                }
                return null;
            });
        } catch (RejectedExecutionException allBusy) {
            return;
        }
        try {
            busy.get();
        } catch (ExecutionException failed) {
            switch (failed.getCause()) {
                case IOException io -> throw io;
                case InterruptedException interrupted -> throw interrupted;
                case RuntimeException bug -> throw bug;
                case Error error -> throw error;
                default -> throw new IllegalStateException(failed.getCause());
            }
        }
    }

    /** The next line, from the watcher's queue or the connection; {@code null} after {@code millis} of silence. */
    private String nextLine(long millis) throws IOException, InterruptedException {
        return linesFromWatcher ? inbound.poll(millis, TimeUnit.MILLISECONDS) : readCommand(millis);
    }

    /**
     * Acts on one line or marker. Returns false when the session is over, and also (with {@code idleEnds} false)
     * when the line is {@code null}: the busy thread then hands the quiet session back.
     */
    private boolean handle(String line, boolean idleEnds) throws IOException {
        if (line == WATCHER_DONE) {
            synchronized (watchLock) {
                linesFromWatcher = watcherAlive; // a later watcher may have started before this marker was taken
            }
            return true;
        }
        if (line == null) {
            if (idleEnds) {
                control.reply(421, "Timeout - try typing a little faster next time");
                closing = true;
            }
            return false;
        }
        if (line == LINE_TOO_LONG) {
            LOG.warn("Client {} sent a command line over {} bytes; closing", socket.getRemoteSocketAddress(),
                    settings.maxLineLength());
            control.reply(421, "Line too long");
            closing = true;
            return false;
        }
        if (line == CONNECTION_CLOSED) {
            closing = true;
            return false;
        }
        if (line == LINE_TIMEOUT || line == LOGIN_TIMEOUT) {
            boolean login = line == LOGIN_TIMEOUT;
            LOG.info("Closing the connection from {}: {}", clientAddress().getAddress().getHostAddress(),
                    login ? "not logged in within " + settings.loginTimeout().toSeconds() + " s"
                            : "a command line took over " + settings.lineTimeout().toSeconds() + " s");
            control.reply(421, login ? "Login timeout - closing the connection"
                    : "Command line not completed in time - closing the connection");
            closing = true;
            return false;
        }
        execute(line);
        return true;
    }

    /** The next command from the connection, {@link #CONNECTION_CLOSED}, {@link #LINE_TOO_LONG}, or null when idle. */
    private String readCommand(long millis) throws IOException {
        long loginRemainingMillis = Long.MAX_VALUE;
        if (account == null) {
            loginRemainingMillis = (loginDeadlineNanos - System.nanoTime()) / 1_000_000;
            if (loginRemainingMillis <= 0) {
                return LOGIN_TIMEOUT;
            }
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.min(millis, loginRemainingMillis)));
        try {
            String line = control.readLine();
            if (line == null) {
                controlClosed = true;
                return CONNECTION_CLOSED;
            }
            return line;
        } catch (java.net.SocketTimeoutException idle) {
            return loginRemainingMillis <= millis ? LOGIN_TIMEOUT : null;
        } catch (LineTooLongException tooLong) {
            return LINE_TOO_LONG;
        } catch (LineTimeoutException slow) {
            return LINE_TIMEOUT;
        }
    }

    private static String verbOf(String line) {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /**
     * Marks the start of a transfer over {@code channel}: from now until {@link #endTransfer} the control reader
     * answers STAT and honours ABOR.
     */
    public Transfer beginTransfer(Transfer.Kind kind, String description, String virtualPath, SocketChannel channel,
                                  long offset, long expectedBytes, long byteLimit) {
        Throttle[] throttles = switch (kind) {
            case UPLOAD -> throttles(uploadThrottle, limitPolicy.totalUpload());
            case DOWNLOAD -> throttles(downloadThrottle, limitPolicy.totalDownload());
            case LISTING -> NO_THROTTLES;
        };
        Transfer transfer = new Transfer(kind, description, virtualPath, channel, offset, expectedBytes,
                clock.instant(), throttles, byteLimit);
        activeTransfer = transfer;
        lastTransferAborted = false;
        if (kind == Transfer.Kind.DOWNLOAD && expectedBytes >= 0 && expectedBytes <= UNWATCHED_DOWNLOAD_BYTES
                && throttles.length == 0) {
            // fits into the socket buffers at once: over before a watcher could start (a stalled client is still
            // caught by the listener's stall check)
            return transfer;
        }
        ControlWatch watch = new ControlWatch(transfer);
        currentWatch = watch;
        watch.start = runtime.watchStarts().schedule(() -> startWatcher(watch));
        return transfer;
    }

    private static Throttle[] throttles(Throttle own, Throttle total) {
        if (own != null && own.limited()) {
            return total.limited() ? new Throttle[] {own, total} : new Throttle[] {own};
        }
        return total.limited() ? new Throttle[] {total} : NO_THROTTLES;
    }

    /** Counts a finished file transfer, writes the transfer log line and posts its event. */
    public void recordTransfer(Transfer transfer, Path file, boolean complete) {
        Account current = account;
        if (current == null || transfer.kind() == Transfer.Kind.LISTING) {
            return;
        }
        activity.transferEnded(this, new TransferRecord(id, connected, current.name(), anonymous,
                clientAddress().getAddress(), transfer.kind() == Transfer.Kind.UPLOAD, transfer.virtualPath(), file,
                transfer.bytes(), Duration.ofNanos(transfer.elapsedNanos()), complete, binary, clock.instant()));
    }

    public void endTransfer(Transfer transfer) {
        activeTransfer = null;
        lastTransferAborted = transfer.aborted();
        ControlWatch watch = currentWatch;
        if (watch != null && watch.transfer == transfer) {
            synchronized (watchLock) {
                watch.ended = true;
                linesFromWatcher |= watcherAlive;
            }
            runtime.watchStarts().cancel(watch.start);
            currentWatch = null;
        }
    }

    /** Whether the last transfer ended because of ABOR (the queued ABOR then answers 226). */
    public boolean takeLastTransferAborted() {
        boolean aborted = lastTransferAborted;
        lastTransferAborted = false;
        return aborted;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** SITE IDLE: the caller has checked the bounds. */
    public void idleTimeout(Duration timeout) {
        this.idleTimeout = timeout;
    }

    private void execute(String line) throws IOException {
        int space = line.indexOf(' ');
        String verb = verbOf(line);
        String argument = space < 0 ? "" : line.substring(space + 1);
        if (HTTP_VERBS.contains(verb)) {
            control.reply(500, "HTTP command: [" + verb.toLowerCase(Locale.ROOT) + "]");
            closing = true;
            return;
        }
        activity.command(this, verb, argument);
        Command command = CommandTable.STANDARD.lookup(verb);
        if (command == null || NO_OPERATION_VERBS.contains(verb)) {
            if (noOperationsTooLong()) {
                return;
            }
        } else {
            onlyNoOpsSinceNanos = NO_OPERATION;
        }
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
        if (account != null && CommandTable.usesStorage(verb) && storageGone()) {
            return;
        }
        try {
            command.handler().handle(this, argument);
        } catch (RuntimeException bug) {
            // a bug in one command must not take the session (or its files) down with it
            if (mayLog()) {
                LOG.error("Command {} from {} failed", verb, socket.getRemoteSocketAddress(), bug);
            }
            control.reply(451, "Internal error - the command was not completed");
        }
    }

    /**
     * Resolves {@code passive.address} for this connection, as Pure-FTPd resolves ForcePassiveIP for each one, so
     * that a dynamic DNS name follows address changes (the JVM caches answers for {@code networkaddress.cache.ttl},
     * 30 s by default). A name without an IPv4 address makes PASV impossible: the session is refused with 421.
     */
    private boolean resolvePassiveAddress() throws IOException {
        String configured = settings.passiveAddress();
        if (configured == null) {
            return true;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(configured)) {
                if (address instanceof java.net.Inet4Address) {
                    advertisedPassiveAddress = address.getHostAddress();
                    return true;
                }
            }
            LOG.warn("passive.address '{}' has no IPv4 address; refusing the connection", configured);
        } catch (java.net.UnknownHostException unresolved) {
            LOG.warn("passive.address '{}' does not resolve; refusing the connection", configured);
        }
        control.reply(421, "Illegal forced IP for passive connections");
        closing = true;
        return false;
    }

    /** The IPv4 address PASV replies show (from {@code passive.address}), or null for the local one. */
    public String advertisedPassiveAddress() {
        return advertisedPassiveAddress;
    }

    /**
     * Whether the session has sent only commands that change nothing for over twice the idle time; it is then
     * closed with 421, as Pure-FTPd does, so that a client's keep-alive NOOPs cannot hold a slot for ever.
     */
    private boolean noOperationsTooLong() throws IOException {
        long now = System.nanoTime();
        if (onlyNoOpsSinceNanos == NO_OPERATION) {
            onlyNoOpsSinceNanos = now;
            return false;
        }
        long limit = idleTimeout.toNanos() * 2;
        if (now - onlyNoOpsSinceNanos <= limit) {
            return false;
        }
        if (mayLog()) {
            LOG.info("Closing the connection from {}: no operation for {} s",
                    clientAddress().getAddress().getHostAddress(), limit / 1_000_000_000L);
        }
        control.reply(421, "Timeout (no operation for " + limit / 1_000_000_000L + " seconds)");
        closing = true;
        return true;
    }

    /**
     * Anti directory scan (Pure-FTPd): called before a failed CWD is answered. The n-th failure in a row waits
     * n-1 times {@code cwd.failure.delay}; at {@code cwd.failures.max} the session is told 421 and closed.
     *
     * @return true when the session is being closed (the 421 is sent)
     */
    public boolean changeDirectoryFailed() throws IOException {
        dev.wharf.core.security.SecuritySettings rules = security.settings();
        changeDirectoryFailures++;
        if (rules.maxChangeDirectoryFailures() > 0 && changeDirectoryFailures >= rules.maxChangeDirectoryFailures()) {
            if (mayLog()) {
                LOG.warn("Closing the connection from {}: {} failed CWDs in a row (directory scan)",
                        clientAddress().getAddress().getHostAddress(), changeDirectoryFailures);
            }
            control.reply(421, "Too many failed directory changes - closing the connection");
            closing = true;
            return true;
        }
        long wait = rules.changeDirectoryFailureDelay().toMillis() * (changeDirectoryFailures - 1);
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                closing = true;
            }
        }
        return false;
    }

    /** A successful CWD ends a run of failures. */
    public void changeDirectorySucceeded() {
        changeDirectoryFailures = 0;
    }

    /**
     * Aborts a transfer that made no progress for the data timeout. Socket timeouts cover reads; this covers a
     * download to a client that stopped reading, where a blocked write has no timeout of its own.
     */
    public void abortIfStalled(long nowNanos) {
        Transfer transfer = activeTransfer;
        if (transfer != null && transfer.stalled(nowNanos, settings.dataTimeout().toNanos())) {
            LOG.info("Transfer for {} stalled for {} s; aborting it", socket.getRemoteSocketAddress(),
                    settings.dataTimeout().toSeconds());
            transfer.abort();
        }
    }

    /** Closes this session's passive listener if no client has used it for the data timeout. */
    public void closeUnusedPassive(long nowNanos) {
        DataChannel current = data;
        if (current != null) {
            current.closeIfUnused(nowNanos);
        }
    }

    /**
     * Whether a log line caused by this session's client may be written now: a few per second after a burst (see
     * {@link LogBudget}); lines held back are reported with the next one let through.
     */
    public boolean mayLog() {
        long granted = logBudget.take();
        if (granted > 1) {
            LOG.warn("Session {} from {}: {} log line(s) held back (more than {} a second)", id,
                    clientAddress().getAddress().getHostAddress(), granted - 1, LogBudget.PER_SECOND);
        }
        return granted > 0;
    }

    /** The listener's TLS engine, or {@code null} when TLS is off or unavailable. */
    public TlsEngine tlsEngine() {
        return tls;
    }

    public boolean controlSecured() {
        return controlTls != null;
    }

    /** The SNI host name the client asked for on the control connection, or null. */
    public String controlServerName() {
        if (controlTlsSession() instanceof javax.net.ssl.ExtendedSSLSession session) {
            for (javax.net.ssl.SNIServerName name : session.getRequestedServerNames()) {
                if (name instanceof javax.net.ssl.SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }

    /** The control connection's TLS session, which data connections must resume. */
    public SSLSession controlTlsSession() {
        return controlTls == null ? null : controlTls.getSession();
    }

    /** AUTH TLS: the handshake on the control connection, after the 234 reply. */
    public void secureControl() throws IOException {
        SSLSocket secured = handshakeWithTimeout(socket);
        controlTls = secured;
        control.switchTo(secured);
    }

    /** A client that never starts its handshake must not hold the session forever. */
    private SSLSocket handshakeWithTimeout(Socket plain) throws IOException {
        int previous = plain.getSoTimeout();
        plain.setSoTimeout((int) settings.dataTimeout().toMillis());
        try {
            SSLSocket secured;
            try {
                secured = tls.handshake(plain);
            } catch (IOException failed) {
                activity.tlsHandshake(this, "control", null);
                throw failed;
            }
            activity.tlsHandshake(this, "control", secured.getSession().getProtocol());
            secured.setSoTimeout(previous);
            return secured;
        } finally {
            plain.setSoTimeout(previous);
        }
    }

    /** PROT P: data connections are encrypted. */
    public boolean protectData() {
        return protectData;
    }

    public void protectData(boolean value) {
        this.protectData = value;
    }

    /** Closes the connection from another thread (the core is stopping). */
    public void shutdown() {
        shutdown("Server shutting down");
    }

    /** Closes the connection from another thread with a 421 reply saying why (shutdown, kicked). */
    public void shutdown(String reason) {
        closing = true;
        Transfer transfer = activeTransfer;
        if (transfer != null) {
            transfer.abort();
        }
        try {
            if (control != null) {
                control.reply(421, reason);
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

    /** The 421 text for a listener whose logged-in places are all taken. */
    public static String tooManyUsers(int maxClients) {
        return maxClients + " users (the maximum) are already logged in, sorry";
    }

    /**
     * Takes one of the listener's logged-in places for a login that just passed authentication; returns the 421
     * text when none is free. A place taken must be given back by {@link #logIn} failing to happen:
     * {@link #releaseLoginPlace()}.
     */
    public String takeLoginPlace() {
        return slots.logIn(this) ? null : tooManyUsers(slots.maxLoggedIn());
    }

    /** Gives back a place taken by {@link #takeLoginPlace()} for a login that did not complete. */
    public void releaseLoginPlace() {
        slots.logOut(this);
    }

    /** Makes the session logged in as {@code account}, confined to {@code files}. */
    public void logIn(Account account, ConfinedFileSystem files, boolean anonymous) {
        this.anonymous = anonymous;
        this.limits = limitPolicy.forAccount(account, anonymous);
        this.uploadThrottle = limits.uploadBandwidth() > 0 ? new Throttle(limits.uploadBandwidth()) : null;
        this.downloadThrottle = limits.downloadBandwidth() > 0 ? new Throttle(limits.downloadBandwidth()) : null;
        data.allowForeignPeers(!anonymous && security.settings().fxpAllowed(account.name()));
        if (this.files != null && this.files != files) {
            this.files.close();
        }
        this.files = files;
        this.pendingUser = null;
        this.failedLogins = 0;
        this.account = account;
    }

    /** Records which storage providers the session's storages came from (at login). */
    public void storageProviders(long[] serviceIds) {
        this.storageProviders = serviceIds.clone();
    }

    /**
     * Whether a storage provider of this session went away (its bundle stopped, updated or uninstalled): the
     * session's storage may no longer work, so the session is told {@code 421 Storage provider gone} and closed. A
     * transfer already running is not interrupted; it is the next command that gets the reply.
     */
    private boolean storageGone() throws IOException {
        for (long serviceId : storageProviders) {
            if (!services.storageProviderPresent(serviceId)) {
                if (mayLog()) {
                    LOG.info("Closing the session of '{}' from {}: its storage provider went away", account.name(),
                            clientAddress().getAddress().getHostAddress());
                }
                control.reply(421, "Storage provider gone - please log in again");
                closing = true;
                return true;
            }
        }
        return false;
    }

    /** The server's number for this session, as {@code wharf:who} shows it. */
    public long id() {
        return id;
    }

    /** Quotas, bandwidth and ratio of the logged-in account. */
    public SessionLimits limits() {
        return limits;
    }

    public ServerActivity activity() {
        return activity;
    }

    /** What {@code wharf:who} shows of this session now. */
    public SessionInfo info(Instant now) {
        Account current = account;
        Transfer transfer = activeTransfer;
        boolean moving = transfer != null && transfer.kind() != Transfer.Kind.LISTING;
        long transferred = moving ? transfer.bytes() : 0;
        long elapsedMillis = moving ? Math.max(1, transfer.elapsedNanos() / 1_000_000) : 1;
        return new SessionInfo(id, current == null ? null : current.name(), clientAddress(), serverAddress(),
                connected, !moving ? "IDLE" : transfer.kind() == Transfer.Kind.UPLOAD ? "UL" : "DL",
                moving ? transfer.virtualPath() : null, moving ? transfer.started() : null,
                moving ? transfer.offset() : 0,
                moving && transfer.expectedBytes() >= 0 ? transfer.offset() + transfer.expectedBytes() : -1,
                transferred, moving ? transferred * 1000 / elapsedMillis : 0);
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

    /** What the core's sessions share: threads, listing workers, large buffers. */
    public SessionRuntime runtime() {
        return runtime;
    }

    public ServiceDirectory services() {
        return services;
    }

    public SecurityPolicy security() {
        return security;
    }

    /** Whether this session logged in as the anonymous user. */
    public boolean anonymous() {
        return anonymous;
    }

    /** Whether the pending USER is the anonymous one (anonymous logins enabled and USER anonymous/ftp). */
    public boolean pendingAnonymous() {
        return pendingAnonymous;
    }

    public void pendingAnonymous(boolean value) {
        this.pendingAnonymous = value;
    }

    public Clock clock() {
        return clock;
    }

    public InetSocketAddress clientAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    public InetSocketAddress serverAddress() {
        return serverAddress;
    }

    public boolean isLoggedIn() {
        return account != null;
    }

    public Account account() {
        return account;
    }

    public ConfinedFileSystem files() {
        return files;
    }

    public String virtualHost() {
        return virtualHost;
    }

    public void virtualHost(String host) {
        this.virtualHost = host;
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

    /** The MLST/MLSD facts chosen (OPTS MLST) that the session's storage can give. */
    public Set<String> machineFacts() {
        Set<String> supported = supportedMachineFacts();
        if (supported == DEFAULT_MACHINE_FACTS) {
            return machineFacts;
        }
        Set<String> facts = new java.util.HashSet<>(machineFacts);
        facts.retainAll(supported);
        return facts;
    }

    /**
     * The facts MLST and MLSD can send: all of them before login, and without {@code UNIX.mode}, {@code UNIX.uid}
     * and {@code UNIX.gid} for a storage that has no Unix permissions.
     */
    public Set<String> supportedMachineFacts() {
        ConfinedFileSystem current = files;
        if (current == null || current.storage().can(dev.wharf.api.storage.StorageCapability.POSIX_PERMISSIONS)) {
            return DEFAULT_MACHINE_FACTS;
        }
        return WITHOUT_UNIX_FACTS;
    }

    public void machineFacts(Set<String> facts) {
        this.machineFacts = Set.copyOf(facts);
    }

    /** REIN: forgets the login and every per-login setting; the connection stays. */
    public void logOut() {
        if (account != null) {
            security.releaseAccount(account.name());
            activity.loggedOut(this);
            if (mayLog()) {
                LOG.info("User '{}' from {} logged out (REIN)", account.name(),
                        clientAddress().getAddress().getHostAddress());
            }
            slots.logOut(this);
            loginDeadlineNanos = System.nanoTime() + settings.loginTimeout().toNanos();
        }
        account = null;
        anonymous = false;
        virtualHost = null; // RFC 7151: after REIN the client may choose another host
        limits = SessionLimits.NONE;
        uploadThrottle = null;
        downloadThrottle = null;
        if (files != null) {
            files.close();
        }
        files = null;
        storageProviders = new long[0];
        pendingUser = null;
        binary = false;
        restartOffset = 0;
        renameFrom = null;
        machineFacts = DEFAULT_MACHINE_FACTS;
        data.close();
    }

    /** REST: where the next RETR/STOR/APPE starts. */
    public void restartOffset(long offset) {
        this.restartOffset = offset;
    }

    /** The REST offset for this transfer; every transfer command clears it. */
    public long takeRestartOffset() {
        long offset = restartOffset;
        restartOffset = 0;
        return offset;
    }

    /** RNFR's virtual path, waiting for RNTO; {@code null} when none. */
    public String renameFrom() {
        return renameFrom;
    }

    public void renameFrom(String virtualPath) {
        this.renameFrom = virtualPath;
    }

    /**
     * The buffer for plain binary uploads and for downloads that copy instead of sendfile, allocated on first use;
     * as large as {@link #transferBuffer()}.
     */
    public ByteBuffer directTransferBuffer() {
        if (directTransferBuffer == null) {
            directTransferBuffer = ByteBuffer.allocateDirect(TRANSFER_BUFFER_SIZE);
        }
        return directTransferBuffer;
    }

    /** One buffer per session for copies that cannot be zero-copy, allocated on first use. */
    public byte[] transferBuffer() {
        if (transferBuffer == null) {
            transferBuffer = new byte[TRANSFER_BUFFER_SIZE];
        }
        return transferBuffer;
    }
}
