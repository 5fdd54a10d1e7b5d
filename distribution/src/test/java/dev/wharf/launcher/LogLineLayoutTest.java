package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.MarkerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * The log line's exact shape, as slf4j-simple printed it with the launcher's settings of before (date and time,
 * level, the logger's name after its last dot, " - ", the message), which admins' grep rules and the end-to-end
 * tests read.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LogLineLayoutTest {

    private static final Instant AT = Instant.parse("2025-01-31T12:34:56.789Z");
    private final LoggerContext context = new LoggerContext();
    private final LogLineLayout layout = new LogLineLayout(ZoneId.of("UTC"));

    private LoggingEvent event(String logger, Level level, String message, Throwable thrown, Object... arguments) {
        LoggingEvent event = new LoggingEvent(LogLineLayoutTest.class.getName(), context.getLogger(logger), level,
                message, thrown, arguments);
        event.setInstant(AT);
        return event;
    }

    @Test
    void dateLevelShortNameAndMessageOnOneLine() {
        assertEquals("2025-01-31 12:34:56.789 INFO FtpSession - User 'alice' from 127.0.0.1 logged in\n",
                layout.doLayout(event("dev.wharf.core.session.FtpSession", Level.INFO, "User '{}' from {} logged in",
                        null, "alice", "127.0.0.1")));
        assertEquals("2025-01-31 12:34:56.789 WARN LimitPolicy - 1 of {}\n",
                layout.doLayout(event("dev.wharf.core.limits.LimitPolicy", Level.WARN, "{} of {}", null, 1)));
        assertEquals("2025-01-31 12:34:56.789 DEBUG NoDots - null\n",
                layout.doLayout(event("NoDots", Level.DEBUG, null, null)));
        assertEquals("2025-01-31 12:34:56.789 ERROR b$Inner - x\n",
                layout.doLayout(event("a.b$Inner", Level.ERROR, "x", null)));
        assertEquals("2025-01-31 12:34:56.789 TRACE  - trailing dot\n",
                layout.doLayout(event("trailing.", Level.TRACE, "trailing dot", null)));
    }

    @Test
    void theTimeIsTheServersLocalTime() {
        LogLineLayout tokyo = new LogLineLayout(ZoneId.of("Asia/Tokyo"));
        assertTrue(tokyo.doLayout(event("a.B", Level.INFO, "m", null)).startsWith("2025-01-31 21:34:56.789 INFO B"));
    }

    @Test
    void aStackTraceFollowsAsJavaPrintsIt() {
        IllegalStateException thrown = new IllegalStateException("outer", new IOException("inner"));
        StringWriter printed = new StringWriter();
        thrown.printStackTrace(new PrintWriter(printed));

        String text = layout.doLayout(event("dev.wharf.core.command.LoginCommands", Level.ERROR,
                "Auth backend '{}' failed", null, "passwd", thrown));

        assertEquals("2025-01-31 12:34:56.789 ERROR LoginCommands - Auth backend 'passwd' failed\n" + printed, text);
        assertTrue(text.contains("\nCaused by: java.io.IOException: inner\n\t... "), text);
        assertFalse(text.contains("common frames omitted"), "Java's format, not Logback's");
    }

    @Test
    void markersAndKeyValuesComeBeforeTheMessage() {
        LoggingEvent event = event("org.eclipse.jetty.server.Server", Level.INFO, "started {}", null, "jetty");
        event.addMarker(MarkerFactory.getMarker("A"));
        event.addMarker(MarkerFactory.getMarker("B"));
        event.addKeyValuePair(new KeyValuePair("k", "v"));
        event.addKeyValuePair(new KeyValuePair("n", 3));
        assertEquals("2025-01-31 12:34:56.789 INFO Server - A B k=v n=3 started jetty\n", layout.doLayout(event));
    }
}
