package dev.wharf.metrics;

import dev.wharf.api.admin.ServerAdmin;
import dev.wharf.api.event.WharfEvents;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * Counts what the core announces through Event Admin and renders it, with the live figures of {@link ServerAdmin},
 * in Prometheus' text format. The counts live as long as this component: they start again at 0 when the bundle is
 * restarted, which Prometheus' {@code rate()} takes as a counter reset. A core restart does not reset them.
 */
@Component(service = {WharfMetrics.class, EventHandler.class},
        property = EventConstants.EVENT_TOPIC + "=" + WharfEvents.TOPIC_PREFIX + "*")
public class WharfMetrics implements EventHandler {

    /** Seconds; transfers run from a few milliseconds (small files) to hours. */
    private static final double[] TRANSFER_BUCKETS = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800};
    /** Seconds; a cached password check takes microseconds, argon2id ~0.1 s, a slow directory seconds. */
    private static final double[] AUTH_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    /** Logins by result: {@code ok}, {@code failed}, {@code banned}. */
    private final ConcurrentMap<String, LongAdder> logins = new ConcurrentHashMap<>();
    /** By direction ({@code upload}/{@code download}) and completion. */
    private final ConcurrentMap<List<String>, LongAdder> transfers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> transferBytes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Histogram> transferSeconds = new ConcurrentHashMap<>();
    /** By backend name ({@code none}: no backend knew the user). */
    private final ConcurrentMap<String, Histogram> authSeconds = new ConcurrentHashMap<>();
    private final LongAdder bans = new LongAdder();
    /** By channel ({@code control}/{@code data}) and result ({@code ok}/{@code failed}). */
    private final ConcurrentMap<List<String>, LongAdder> tlsHandshakes = new ConcurrentHashMap<>();

    private volatile ServerAdmin admin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setAdmin(ServerAdmin admin) {
        this.admin = admin;
    }

    void unsetAdmin(ServerAdmin admin) {
        if (this.admin == admin) {
            this.admin = null;
        }
    }

    @Override
    public void handleEvent(Event event) {
        switch (event.getTopic()) {
            case WharfEvents.LOGIN -> {
                count(logins, "ok");
                observeAuth(event);
            }
            case WharfEvents.LOGIN_FAILED -> {
                count(logins, Boolean.TRUE.equals(event.getProperty(WharfEvents.BANNED)) ? "banned" : "failed");
                observeAuth(event);
            }
            case WharfEvents.UPLOAD, WharfEvents.DOWNLOAD -> transferEnded(event);
            case WharfEvents.BAN -> bans.increment();
            case WharfEvents.TLS_HANDSHAKE -> count(tlsHandshakes, List.of(
                    String.valueOf(event.getProperty(WharfEvents.TLS_CHANNEL)),
                    Boolean.TRUE.equals(event.getProperty(WharfEvents.COMPLETE)) ? "ok" : "failed"));
            default -> {
                // file changes and logouts are not counted
            }
        }
    }

    private void observeAuth(Event event) {
        if (event.getProperty(WharfEvents.AUTH_NANOS) instanceof Long nanos) {
            Object backend = event.getProperty(WharfEvents.AUTH_BACKEND);
            authSeconds.computeIfAbsent(backend == null ? "none" : backend.toString(),
                    ignored -> new Histogram(AUTH_BUCKETS)).observe(nanos / 1e9);
        }
    }

    private void transferEnded(Event event) {
        String direction = event.getTopic().equals(WharfEvents.UPLOAD) ? "upload" : "download";
        boolean complete = Boolean.TRUE.equals(event.getProperty(WharfEvents.COMPLETE));
        count(transfers, List.of(direction, Boolean.toString(complete)));
        if (event.getProperty(WharfEvents.SIZE) instanceof Long size) {
            transferBytes.computeIfAbsent(direction, ignored -> new LongAdder()).add(size);
        }
        if (event.getProperty(WharfEvents.DURATION_MILLIS) instanceof Long millis) {
            transferSeconds.computeIfAbsent(direction, ignored -> new Histogram(TRANSFER_BUCKETS))
                    .observe(millis / 1000.0);
        }
    }

    private static <K> void count(ConcurrentMap<K, LongAdder> counters, K key) {
        counters.computeIfAbsent(key, ignored -> new LongAdder()).increment();
    }

    /** Every metric, in the text exposition format. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        ServerAdmin current = admin;
        if (current != null) {
            live(out, current);
        }
        TextFormat.header(out, "wharf_logins_total", "counter",
                "Logins by result: ok, failed (wrong password or unknown user), banned (refused: address banned).");
        for (String result : List.of("ok", "failed", "banned")) {
            LongAdder count = logins.get(result);
            TextFormat.sample(out, "wharf_logins_total", TextFormat.label("result", result),
                    count == null ? 0 : count.sum());
        }
        TextFormat.header(out, "wharf_auth_duration_seconds", "histogram",
                "Time the auth backend chain took to answer a login, by the backend that answered (none: no backend "
                        + "knew the user).");
        new TreeMap<>(authSeconds).forEach((backend, histogram) ->
                histogram.write(out, "wharf_auth_duration_seconds", TextFormat.label("backend", backend)));
        TextFormat.header(out, "wharf_transfers_total", "counter",
                "Files transferred, by direction and whether the transfer completed.");
        for (String direction : List.of("upload", "download")) {
            for (String complete : List.of("true", "false")) {
                LongAdder count = transfers.get(List.of(direction, complete));
                TextFormat.sample(out, "wharf_transfers_total", TextFormat.label("direction", direction)
                        + TextFormat.label("complete", complete), count == null ? 0 : count.sum());
            }
        }
        TextFormat.header(out, "wharf_transfer_bytes_total", "counter",
                "Bytes moved over data connections by transfers that ended, by direction.");
        for (String direction : List.of("upload", "download")) {
            LongAdder bytes = transferBytes.get(direction);
            TextFormat.sample(out, "wharf_transfer_bytes_total", TextFormat.label("direction", direction),
                    bytes == null ? 0 : bytes.sum());
        }
        TextFormat.header(out, "wharf_transfer_duration_seconds", "histogram", "How long transfers took.");
        new TreeMap<>(transferSeconds).forEach((direction, histogram) ->
                histogram.write(out, "wharf_transfer_duration_seconds", TextFormat.label("direction", direction)));
        TextFormat.header(out, "wharf_bans_total", "counter", "Addresses banned after too many failed logins.");
        TextFormat.sample(out, "wharf_bans_total", "", bans.sum());
        TextFormat.header(out, "wharf_tls_handshakes_total", "counter",
                "TLS handshakes, by connection (control, data) and result (ok, failed).");
        for (String channel : List.of("control", "data")) {
            for (String result : List.of("ok", "failed")) {
                LongAdder count = tlsHandshakes.get(List.of(channel, result));
                TextFormat.sample(out, "wharf_tls_handshakes_total", TextFormat.label("channel", channel)
                        + TextFormat.label("result", result), count == null ? 0 : count.sum());
            }
        }
        return out.toString();
    }

    /** What the core knows now: sessions by local port, bans in force, totals since its start. */
    private static void live(StringBuilder out, ServerAdmin admin) {
        Map<Integer, long[]> byPort = new TreeMap<>();
        for (ServerAdmin.Session session : admin.sessions()) {
            long[] counts = byPort.computeIfAbsent(session.local().getPort(), ignored -> new long[2]);
            counts[0]++;
            if (session.account() != null) {
                counts[1]++;
            }
        }
        TextFormat.header(out, "wharf_sessions", "gauge",
                "Connections open now, logged in or not, by the local port (listener) they came to.");
        byPort.forEach((port, counts) ->
                TextFormat.sample(out, "wharf_sessions", TextFormat.label("port", port.toString()), counts[0]));
        TextFormat.header(out, "wharf_sessions_logged_in", "gauge", "Logged-in sessions now, by local port.");
        byPort.forEach((port, counts) -> TextFormat.sample(out, "wharf_sessions_logged_in",
                TextFormat.label("port", port.toString()), counts[1]));
        TextFormat.header(out, "wharf_banned_addresses", "gauge", "Addresses banned now.");
        TextFormat.sample(out, "wharf_banned_addresses", "", admin.bans().size());
        ServerAdmin.Totals totals = admin.totals();
        TextFormat.header(out, "wharf_connections_total", "counter", "Connections accepted since the core started.");
        TextFormat.sample(out, "wharf_connections_total", "", totals.connections());
        TextFormat.header(out, "wharf_start_time_seconds", "gauge", "When the core started, in Unix time.");
        TextFormat.sample(out, "wharf_start_time_seconds", "", totals.started().getEpochSecond());
    }
}
