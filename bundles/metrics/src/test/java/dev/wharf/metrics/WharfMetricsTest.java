package dev.wharf.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wharf.api.event.WharfEvents;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.osgi.service.event.Event;

class WharfMetricsTest {

    @Test
    void eventsBecomeCountersAndHistogramsInTheTextFormat() {
        WharfMetrics metrics = new WharfMetrics();
        metrics.handleEvent(new Event(WharfEvents.LOGIN, Map.of(WharfEvents.AUTH_BACKEND, "pass\"wd",
                WharfEvents.AUTH_NANOS, 3_000_000L)));
        metrics.handleEvent(new Event(WharfEvents.LOGIN_FAILED, Map.of(WharfEvents.BANNED, false,
                WharfEvents.AUTH_NANOS, 200_000_000L)));
        metrics.handleEvent(new Event(WharfEvents.LOGIN_FAILED, Map.of(WharfEvents.BANNED, true)));
        metrics.handleEvent(new Event(WharfEvents.UPLOAD, Map.of(WharfEvents.SIZE, 1000L, WharfEvents.COMPLETE, true,
                WharfEvents.DURATION_MILLIS, 70L)));
        metrics.handleEvent(new Event(WharfEvents.DOWNLOAD, Map.of(WharfEvents.SIZE, 10L,
                WharfEvents.COMPLETE, false, WharfEvents.DURATION_MILLIS, 2_000L)));
        metrics.handleEvent(new Event(WharfEvents.BAN, Map.of(WharfEvents.DURATION_MILLIS, 1000L)));
        metrics.handleEvent(new Event(WharfEvents.TLS_HANDSHAKE, Map.of(WharfEvents.TLS_CHANNEL, "control",
                WharfEvents.COMPLETE, true)));
        String text = metrics.scrape();
        for (String line : new String[] {
            "wharf_logins_total{result=\"ok\"} 1", "wharf_logins_total{result=\"failed\"} 1",
            "wharf_logins_total{result=\"banned\"} 1",
            "wharf_auth_duration_seconds_bucket{backend=\"pass\\\"wd\",le=\"0.005\"} 1",
            "wharf_auth_duration_seconds_bucket{backend=\"pass\\\"wd\",le=\"0.001\"} 0",
            "wharf_auth_duration_seconds_count{backend=\"none\"} 1",
            "wharf_auth_duration_seconds_sum{backend=\"none\"} 0.2",
            "wharf_transfers_total{direction=\"upload\",complete=\"true\"} 1",
            "wharf_transfers_total{direction=\"download\",complete=\"false\"} 1",
            "wharf_transfer_bytes_total{direction=\"upload\"} 1000",
            "wharf_transfer_duration_seconds_bucket{direction=\"upload\",le=\"0.1\"} 1",
            "wharf_transfer_duration_seconds_bucket{direction=\"upload\",le=\"0.05\"} 0",
            "wharf_transfer_duration_seconds_bucket{direction=\"download\",le=\"+Inf\"} 1",
            "wharf_bans_total 1", "wharf_tls_handshakes_total{channel=\"control\",result=\"ok\"} 1",
            "wharf_tls_handshakes_total{channel=\"data\",result=\"failed\"} 0",
            "# TYPE wharf_transfer_duration_seconds histogram"}) {
            assertTrue(text.lines().anyMatch(line::equals), line + " in\n" + text);
        }
    }
}
