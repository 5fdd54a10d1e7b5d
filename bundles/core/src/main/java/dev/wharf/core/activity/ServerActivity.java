package dev.wharf.core.activity;

import dev.wharf.api.event.WharfEvents;
import dev.wharf.core.session.FtpSession;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens on the server, across all listeners: the sessions ({@code wharf:who}, {@code wharf:kick}), the
 * counters behind {@code wharf:stats}, the transfer log, and the Event Admin events of {@link WharfEvents}.
 */
@Component(service = ServerActivity.class)
public class ServerActivity {

    private static final Logger LOG = LoggerFactory.getLogger(ServerActivity.class);

    /** Server totals since start. */
    public record Totals(Instant started, long connections, long logins, long uploads, long downloads,
                         long uploadedBytes, long downloadedBytes) {
    }

    private final Set<FtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private final Instant started;
    private final LongAdder connections = new LongAdder();
    private final LongAdder logins = new LongAdder();
    private final LongAdder uploads = new LongAdder();
    private final LongAdder downloads = new LongAdder();
    private final LongAdder uploadedBytes = new LongAdder();
    private final LongAdder downloadedBytes = new LongAdder();
    private volatile EventAdmin eventAdmin;
    /**
     * The topic patterns of each registered {@link EventHandler}, known only inside a framework: there an event no
     * handler listens for is not built and posted at all (Event Admin would still hand it to a thread per post).
     */
    private final Map<ServiceReference<EventHandler>, List<String>> handlerTopics = new ConcurrentHashMap<>();
    private volatile boolean handlersTracked;
    private volatile TransferLog transferLog;
    private volatile Syslog syslog;

    public ServerActivity() {
        this(Clock.systemUTC());
    }

    public ServerActivity(Clock clock) {
        this.clock = clock;
        this.started = clock.instant();
    }

    @Reference
    public void setTransferLog(TransferLog log) {
        this.transferLog = log;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            unbind = "unsetSyslog")
    public void setSyslog(Syslog syslog) {
        this.syslog = syslog;
    }

    public void unsetSyslog(Syslog gone) {
        if (syslog == gone) {
            syslog = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    public void setEventAdmin(EventAdmin admin) {
        this.eventAdmin = admin;
    }

    public void unsetEventAdmin(EventAdmin admin) {
        if (eventAdmin == admin) {
            eventAdmin = null;
        }
    }

    @Activate
    void activate() {
        handlersTracked = true;
    }

    @Reference(service = EventHandler.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, updated = "updatedEventHandler", unbind = "removeEventHandler")
    void addEventHandler(ServiceReference<EventHandler> handler) {
        handlerTopics.put(handler, topicPatterns(handler.getProperty(EventConstants.EVENT_TOPIC)));
    }

    void updatedEventHandler(ServiceReference<EventHandler> handler) {
        addEventHandler(handler);
    }

    void removeEventHandler(ServiceReference<EventHandler> handler) {
        handlerTopics.remove(handler);
    }

    private static List<String> topicPatterns(Object property) {
        return switch (property) {
            case String single -> List.of(single);
            case String[] several -> List.of(several);
            case java.util.Collection<?> several -> several.stream().map(String::valueOf).toList();
            case null, default -> List.of();
        };
    }

    /** Whether some handler's {@code event.topics} ({@code a/b/c}, {@code a/b/*} or {@code *}) covers {@code topic}. */
    private boolean someoneListens(String topic) {
        if (!handlersTracked) {
            return true;
        }
        for (List<String> patterns : handlerTopics.values()) {
            for (String pattern : patterns) {
                if (pattern.equals(topic) || pattern.endsWith("*")
                        && topic.startsWith(pattern.substring(0, pattern.length() - 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    public void sessionStarted(FtpSession session) {
        sessions.add(session);
        connections.increment();
        Syslog log = syslog;
        if (log != null) {
            log.connected(host(session));
        }
    }

    /** A refused login (wrong password or unknown user) as its 530 goes out, for syslog: fail2ban counts these. */
    public void logLoginFailure(FtpSession session, String user) {
        Syslog log = syslog;
        if (log != null) {
            log.loginFailed(user, host(session));
        }
    }

    /** Every command, for syslog's per-command log (Pure-FTPd's VerboseLog), when it is switched on. */
    public void command(FtpSession session, String verb, String argument) {
        Syslog log = syslog;
        if (log != null && log.logsCommands()) {
            log.command(session.account() == null ? null : session.account().name(), host(session), verb, argument);
        }
    }

    private static String host(FtpSession session) {
        return session.clientAddress().getAddress().getHostAddress();
    }

    public void sessionEnded(FtpSession session) {
        sessions.remove(session);
    }

    /** {@code backend}: who accepted it ({@code null} for anonymous), in {@code authNanos} (-1: not asked). */
    public void loggedIn(FtpSession session, String backend, long authNanos) {
        logins.increment();
        Syslog log = syslog;
        if (log != null) {
            log.loggedIn(session.account().name(), host(session));
        }
        post(WharfEvents.LOGIN, session, () -> authDetails(session, backend, authNanos));
    }

    /**
     * A refused login of {@code user}: {@code banned} when refused because the address is banned, else with the
     * backend that refused ({@code null}: none knew the user) after {@code authNanos} (-1: no backend asked).
     */
    public void loginFailed(FtpSession session, String user, boolean banned, String backend, long authNanos) {
        post(WharfEvents.LOGIN_FAILED, session, () -> {
            Map<String, Object> details = authDetails(session, backend, authNanos);
            details.put(WharfEvents.ACCOUNT, user);
            details.put(WharfEvents.BANNED, banned);
            return details;
        });
    }

    /** The session's address was banned for {@code duration}. */
    public void banned(FtpSession session, Duration duration) {
        post(WharfEvents.BAN, session, () -> Map.of(WharfEvents.DURATION_MILLIS, duration.toMillis()));
    }

    /** A TLS handshake on the {@code channel} ({@code control}, {@code data}); {@code protocol} null: it failed. */
    public void tlsHandshake(FtpSession session, String channel, String protocol) {
        post(WharfEvents.TLS_HANDSHAKE, session, () -> protocol == null
                ? Map.of(WharfEvents.TLS_CHANNEL, channel, WharfEvents.COMPLETE, false)
                : Map.of(WharfEvents.TLS_CHANNEL, channel, WharfEvents.COMPLETE, true,
                        WharfEvents.TLS_PROTOCOL, protocol));
    }

    private static Map<String, Object> authDetails(FtpSession session, String backend, long authNanos) {
        Map<String, Object> details = new HashMap<>();
        details.put(WharfEvents.LOCAL_PORT, session.serverAddress().getPort());
        if (backend != null) {
            details.put(WharfEvents.AUTH_BACKEND, backend);
        }
        if (authNanos >= 0) {
            details.put(WharfEvents.AUTH_NANOS, authNanos);
        }
        return details;
    }

    public void loggedOut(FtpSession session) {
        Syslog log = syslog;
        if (log != null && session.account() != null) {
            log.loggedOut(session.account().name(), host(session));
        }
        post(WharfEvents.LOGOUT, session, Map::of);
    }

    /** Counts, logs and announces a finished transfer. */
    public void transferEnded(FtpSession session, TransferRecord record) {
        (record.upload() ? uploads : downloads).increment();
        (record.upload() ? uploadedBytes : downloadedBytes).add(record.bytes());
        TransferLog log = transferLog;
        if (log != null) {
            log.record(record);
        }
        Syslog lines = syslog;
        if (lines != null) {
            lines.transferred(record);
        }
        post(record.upload() ? WharfEvents.UPLOAD : WharfEvents.DOWNLOAD, session, () -> Map.of(
                WharfEvents.PATH, record.virtualPath(), WharfEvents.FILE, record.file().toString(),
                WharfEvents.SIZE, record.bytes(), WharfEvents.COMPLETE, record.complete(),
                WharfEvents.DURATION_MILLIS, record.duration().toMillis()));
    }

    /** DELE, MKD, RMD: announces the change of {@code virtualPath} ({@code file} on disk). */
    public void fileChanged(FtpSession session, String topic, String virtualPath, Path file) {
        post(topic, session, () -> Map.of(WharfEvents.PATH, virtualPath, WharfEvents.FILE, file.toString()));
    }

    public void renamed(FtpSession session, String fromPath, String toPath, Path file) {
        post(WharfEvents.RENAME, session, () -> Map.of(WharfEvents.FROM_PATH, fromPath, WharfEvents.PATH, toPath,
                WharfEvents.FILE, file.toString()));
    }

    /** Posts {@code topic}; its details are built only when some handler listens for it. */
    private void post(String topic, FtpSession session, Supplier<Map<String, Object>> details) {
        EventAdmin admin = eventAdmin;
        if (admin == null || !someoneListens(topic)) {
            return;
        }
        Map<String, Object> properties = new HashMap<>(details.get());
        if (session.account() != null) {
            properties.putIfAbsent(WharfEvents.ACCOUNT, session.account().name());
        }
        properties.put(WharfEvents.CLIENT_ADDRESS, session.clientAddress().getAddress().getHostAddress());
        properties.put(WharfEvents.SESSION_ID, session.id());
        try {
            admin.postEvent(new Event(topic, properties));
        } catch (RuntimeException closing) {
            LOG.debug("Event {} not posted: {}", topic, closing.toString());
        }
    }

    /** The sessions now, oldest first. */
    public List<SessionInfo> who() {
        Instant now = clock.instant();
        return sessions.stream().map(session -> session.info(now)).sorted(Comparator.comparingLong(SessionInfo::id))
                .toList();
    }

    /**
     * Closes session {@code id} (with a 421 reply); false when there is no such session. Returns once the session
     * has ended (or after {@link #KICK_WAIT_MILLIS}), so that a {@code who} right afterwards no longer lists it.
     */
    public boolean kick(long id) {
        for (FtpSession session : sessions) {
            if (session.id() == id) {
                disconnect(session);
                awaitEnded(List.of(session));
                return true;
            }
        }
        return false;
    }

    /** Closes every session of {@code account} and waits for them to end, as {@link #kick} does; returns how many. */
    public int kickAccount(String account) {
        List<FtpSession> kicked = new ArrayList<>();
        for (FtpSession session : sessions) {
            if (session.account() != null && session.account().name().equals(account)) {
                disconnect(session);
                kicked.add(session);
            }
        }
        awaitEnded(kicked);
        return kicked.size();
    }

    /**
     * Closes, with a 421 saying {@code reason}, every session from {@code address} that has not logged in, except
     * {@code keep}; returns how many. Used when an address is banned: its other connections must not go on guessing.
     * Each is closed on a thread of its own, so a client that does not read cannot hold up the caller.
     */
    public int closeNotLoggedIn(java.net.InetAddress address, FtpSession keep, String reason) {
        int closed = 0;
        for (FtpSession session : sessions) {
            if (session != keep && !session.isLoggedIn()
                    && session.clientAddress().getAddress().equals(address)) {
                Thread.ofVirtual().start(() -> session.shutdown(reason));
                closed++;
            }
        }
        return closed;
    }

    /** A kicked session may still be finishing a throttled chunk or its cleanup for a moment. */
    private static final long KICK_WAIT_MILLIS = 5_000;

    private void awaitEnded(List<FtpSession> kicked) {
        long deadline = System.nanoTime() + KICK_WAIT_MILLIS * 1_000_000;
        while (kicked.stream().anyMatch(sessions::contains) && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void disconnect(FtpSession session) {
        LOG.info("Session {} ({}) disconnected by the administrator", session.id(),
                session.account() == null ? "not logged in" : session.account().name());
        session.shutdown("Disconnected by the administrator");
    }

    public Totals totals() {
        return new Totals(started, connections.sum(), logins.sum(), uploads.sum(), downloads.sum(),
                uploadedBytes.sum(), downloadedBytes.sum());
    }

    public Duration uptime() {
        return Duration.between(started, clock.instant());
    }
}
