package dev.wharf.core.server;

import dev.wharf.core.activity.ServerActivity;
import dev.wharf.core.data.PassivePorts;
import dev.wharf.core.limits.LimitPolicy;
import dev.wharf.core.server.ConfigValues.InvalidSettingException;
import dev.wharf.core.security.SecurityPolicy;
import dev.wharf.core.session.FtpSession;
import dev.wharf.core.session.SessionRuntime;
import dev.wharf.core.session.SessionSlots;
import dev.wharf.core.tls.TlsEngine;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FTP listener per factory configuration {@code dev.wharf.listener~<name>}: accepts connections and runs
 * each session on its own virtual thread.
 */
@Designate(ocd = ListenerSettings.Config.class, factory = true)
@Component(configurationPid = ListenerSettings.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = FtpListener.class, immediate = true)
public class FtpListener {

    private static final Logger LOG = LoggerFactory.getLogger(FtpListener.class);
    /** ComponentConstants.DEACTIVATION_REASON_DISPOSED and _BUNDLE_STOPPED (DS 1.1+), kept here to avoid the API jar. */
    private static final int REASON_DISPOSED = 5;
    private static final int REASON_BUNDLE_STOPPED = 6;
    private static final long STALL_CHECK_MILLIS = 1000;

    private final ServiceDirectory services;
    private final SessionRuntime runtime;
    private final SecurityPolicy security;
    private final LimitPolicy limits;
    private final ServerActivity activity;
    private final TlsEngine tls;
    private final ListenerSettings settings;
    private final ServerSocket serverSocket;
    private final Set<FtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final SessionSlots slots;
    private final PassivePorts passivePorts;
    private final Thread acceptor;
    private final Thread stallWatch;
    /** This listener's name, also when its settings could not be read. */
    private final String name;
    /** Why it does not listen (naming the file and key), or null while it does. */
    private final String failure;

    /**
     * Starts listening. A configuration that cannot be used, or a port that cannot be bound, is logged as an
     * error naming the problem and leaves this listener idle until the configuration is fixed; SCR then creates
     * a new instance.
     */
    @Activate
    public FtpListener(@Reference SessionRuntime runtime, @Reference ServiceDirectory services,
                       @Reference SecurityPolicy security, @Reference LimitPolicy limits,
                       @Reference ServerActivity activity, Map<String, Object> properties) {
        this.runtime = runtime;
        this.services = services;
        this.limits = limits;
        this.activity = activity;
        this.name = ListenerSettings.listenerName(properties);
        String file = configurationFile(properties);
        ListenerSettings parsed = null;
        ServerSocket socket = null;
        String problem = null;
        try {
            parsed = ListenerSettings.from(properties);
            socket = bind(parsed);
        } catch (InvalidSettingException invalid) {
            problem = invalid.getMessage() + " in " + file;
            LOG.error("{} - listener not started; fix the configuration file", problem);
        } catch (IOException bindFailed) {
            problem = "Listener '" + name + "' cannot listen on " + parsed.bindAddress() + ":" + parsed.port()
                    + " ('bind' and 'port' in " + file + "): " + bindFailed.getMessage();
            LOG.error("{}", problem);
        }
        this.failure = problem;
        this.settings = parsed;
        // this listener's sessions see its own security.* keys over the server-wide settings
        this.security = parsed == null ? security : security.forListener(parsed.securityOverrides());
        this.slots = parsed == null ? null : new SessionSlots(parsed.maxClients(), parsed.maxUnauthenticated());
        this.passivePorts = parsed == null ? null : new PassivePorts(parsed.passivePorts());
        this.serverSocket = socket;
        this.tls = socket == null ? null : tlsEngine(services, parsed);
        if (socket == null) {
            this.acceptor = null;
            this.stallWatch = null;
            return;
        }
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        LOG.info("Listener '{}' accepting FTP{} connections on {}:{}", settings.name(),
                settings.tls().implicit() ? "S (implicit TLS)" : "", local.getAddress().getHostAddress(),
                local.getPort());
        this.acceptor = Thread.ofPlatform().name("wharf-listener-" + settings.name()).daemon()
                .start(this::acceptLoop);
        this.stallWatch = Thread.ofVirtual().name("wharf-stall-watch-" + settings.name())
                .start(this::watchForStalledTransfers);
    }

    /**
     * Once a second, aborts transfers that have not moved for the data timeout and closes passive listeners nobody
     * connected to in that time.
     */
    private void watchForStalledTransfers() {
        while (!serverSocket.isClosed() || !sessions.isEmpty()) {
            try {
                Thread.sleep(STALL_CHECK_MILLIS);
            } catch (InterruptedException interrupted) {
                return;
            }
            long now = System.nanoTime();
            sessions.forEach(session -> {
                session.abortIfStalled(now);
                session.closeUnusedPassive(now);
            });
        }
    }

    private static ServerSocket bind(ListenerSettings settings) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()),
                    settings.listenBacklog() > 0 ? settings.listenBacklog() : KernelLimits.listenBacklog());
            return socket;
        } catch (IOException failure) {
            socket.close();
            throw failure;
        }
    }

    private static TlsEngine tlsEngine(ServiceDirectory services, ListenerSettings settings) {
        if (settings.tls().level() == ListenerSettings.TlsLevel.OFF && !settings.tls().implicit()) {
            return null;
        }
        try {
            return new TlsEngine(services, settings.tls());
        } catch (java.security.GeneralSecurityException unavailable) {
            LOG.error("Listener '{}': TLS is not available in this JVM: {}", settings.name(), unavailable.toString());
            return null;
        }
    }

    /** The file FileInstall read this listener's configuration from, or its PID when it did not come from one. */
    private static String configurationFile(Map<String, ?> properties) {
        Object file = properties.get("felix.fileinstall.filename");
        if (file != null) {
            String text = file.toString();
            try {
                return java.nio.file.Path.of(java.net.URI.create(text)).toString();
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException notAFileUrl) {
                return text;
            }
        }
        return "the configuration " + properties.get("service.pid");
    }

    /** The listener's name ({@code main} for {@code etc/dev.wharf.listener-main.cfg}). */
    public String name() {
        return name;
    }

    /** Why the listener does not listen, naming the file and key; null while it listens (or was stopped). */
    public String failure() {
        return failure;
    }

    /** {@code address:port} it listens on, or null. */
    public String boundAddress() {
        ServerSocket socket = serverSocket;
        if (socket == null || socket.isClosed()) {
            return null;
        }
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        return local.getAddress().getHostAddress() + ":" + local.getPort();
    }

    /** Whether the listener runs; false after a configuration or bind error. */
    public boolean isListening() {
        return serverSocket != null && !serverSocket.isClosed();
    }

    private void acceptLoop() {
        while (!serverSocket.isClosed()) {
            Socket client;
            try {
                client = serverSocket.accept();
            } catch (IOException closedOrFailed) {
                if (!serverSocket.isClosed()) {
                    LOG.warn("Listener '{}' accept failed: {}", settings.name(), closedOrFailed.getMessage());
                }
                continue;
            }
            InetAddress address = client.getInetAddress();
            String refusal = security.admitConnection(address);
            if (refusal != null) {
                refuse(client, "421 " + refusal + "\r\n");
                continue;
            }
            if (slots.full()) {
                security.releaseConnection(address);
                refuse(client, "421 " + FtpSession.tooManyUsers(settings.maxClients()) + "\r\n");
                continue;
            }
            FtpSession session = new FtpSession(runtime, client, settings, services, security, limits, activity, tls,
                    slots, passivePorts, Clock.systemDefaultZone());
            sessions.add(session);
            FtpSession displaced = slots.admit(session);
            if (displaced != null) {
                // never let the acceptor wait on a slow client's socket
                Thread.ofVirtual().start(() -> displaced.shutdown(
                        "Too many connections are waiting to log in; closing the one that waited longest"));
            }
            activity.sessionStarted(session);
            runtime.startSession("wharf-session-" + client.getRemoteSocketAddress(), session, () -> {
                try {
                    session.run();
                } finally {
                    sessions.remove(session);
                    activity.sessionEnded(session);
                    security.releaseConnection(address);
                }
            });
        }
    }

    private static void refuse(Socket client, String reply) {
        try (client; OutputStream out = client.getOutputStream()) {
            out.write(reply.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // the client is gone already
        }
    }

    /** The port actually bound (useful when the configuration asks for port 0). */
    public int port() {
        return serverSocket == null ? -1 : serverSocket.getLocalPort();
    }

    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Stops accepting. Running sessions are closed only when the core itself goes away; when the configuration
     * changes or is deleted they finish on their own, so an admin editing {@code etc/} drops nobody.
     */
    @Deactivate
    void deactivate(int reason) {
        if (serverSocket == null) {
            return;
        }
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        acceptor.interrupt();
        boolean coreStopping = reason == REASON_BUNDLE_STOPPED || reason == REASON_DISPOSED;
        if (coreStopping) {
            sessions.forEach(FtpSession::shutdown);
            stallWatch.interrupt(); // the sessions left are closing; SessionRuntime waits for them
        }
        try {
            acceptor.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        LOG.info("Listener '{}' stopped ({} session(s) {})", settings.name(), sessions.size(),
                coreStopping ? "closed" : "left running");
    }
}
